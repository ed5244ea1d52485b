package dev.tftrt.kernel.magic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Resolves offline from Maven's local repository, which the build itself filled (gson is a project dependency). */
class MavenMagicsTest {
  private final List<String> classpath = new ArrayList<>();
  private final MavenMagics magics = new MavenMagics(
      new MavenDependencies(Path.of(System.getProperty("user.home"), ".m2", "repository"), true), classpath::add);

  @Test
  void resolvesTheArtifactWithItsRuntimeDependencies() {
    List<Path> jars = magics.maven(List.of("com.google.code.gson:gson:2.11.0"));
    List<String> names = jars.stream().map(p -> p.getFileName().toString()).toList();
    assertEquals("gson-2.11.0.jar", names.get(0));
    assertTrue(names.stream().anyMatch(n -> n.startsWith("error_prone_annotations-")), names.toString());
    assertTrue(jars.stream().allMatch(Files::isRegularFile), jars.toString());
    assertEquals(jars.stream().map(Path::toString).toList(), classpath, "every jar went onto the class path");
  }

  @Test
  void badCoordinatesPrintUsage() {
    MagicUsageException error = assertThrows(MagicUsageException.class, () -> magics.maven(List.of("gson")));
    assertTrue(error.getMessage().startsWith("'gson' is not group:artifact:version\nusage: %maven"), error.getMessage());
    MagicUsageException none = assertThrows(MagicUsageException.class, () -> magics.maven(List.of()));
    assertTrue(none.getMessage().contains(MavenMagics.USAGE));
    assertTrue(classpath.isEmpty());
  }

  @Test
  void unknownArtifactSaysWhatCouldNotBeResolved() {
    MagicUsageException error = assertThrows(MagicUsageException.class,
        () -> magics.maven(List.of("dev.tftrt.nonexistent:nothing:0.0.1")));
    assertTrue(error.getMessage().startsWith("could not resolve dev.tftrt.nonexistent:nothing:0.0.1"),
        error.getMessage());
  }
}
