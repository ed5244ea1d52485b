package dev.tftrt.kernel.magic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClasspathMagicsTest {
  @TempDir
  Path dir;
  private final List<String> classpath = new ArrayList<>();

  private Path jar(String name) throws Exception {
    Path jar = Files.createDirectories(dir.resolve("lib")).resolve(name);
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out)) {
      return jar;
    }
  }

  @Test
  void jarsExpandsGlobsRelativeToTheWorkingDirectory() throws Exception {
    Path b = jar("b.jar");
    Path a = jar("a.jar");
    Files.writeString(dir.resolve("lib/readme.txt"), "not a jar");
    List<Path> added = new ClasspathMagics(classpath::add, dir).jars(List.of("lib/*.jar"));
    assertEquals(List.of(a, b), added);
    assertEquals(List.of(a.toString(), b.toString()), classpath);
  }

  @Test
  void classpathSplitsOnThePathSeparator() throws Exception {
    Path a = jar("a.jar");
    Path classes = Files.createDirectories(dir.resolve("classes"));
    new ClasspathMagics(classpath::add, dir).classpath(List.of("lib/a.jar" + File.pathSeparator + "classes"));
    assertEquals(List.of(a.toString(), classes.toString()), classpath);
  }

  @Test
  void nothingMatchingPrintsUsage() {
    MagicUsageException error = assertThrows(MagicUsageException.class,
        () -> new ClasspathMagics(classpath::add, dir).jars(List.of("missing/*.jar")));
    assertTrue(error.getMessage().startsWith("nothing matches missing/*.jar"), error.getMessage());
    assertTrue(error.getMessage().endsWith(ClasspathMagics.JARS_USAGE), error.getMessage());
    assertTrue(classpath.isEmpty());
  }
}
