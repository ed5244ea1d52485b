package dev.tftrt.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir
  Path tmp;

  @Test
  void aWrittenFileReplacesTheOldOneAndLeavesNoTemporaryFile() throws IOException {
    Path file = tmp.resolve("out/result.csv");
    AtomicFiles.writeAtomically(file, new byte[] {1});
    AtomicFiles.writeAtomically(file, new byte[] {2, 3});

    assertArrayEquals(new byte[] {2, 3}, Files.readAllBytes(file));
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertEquals(List.of(file), files.toList());
    }
  }

  /** Files.createTempFile's owner-only permissions once made saved models and charts unreadable to others. */
  @Test
  void writtenFilesAndTemporaryDirectoriesGetThePermissionsOfAnyNewFileThere() throws IOException {
    Set<PosixFilePermission> fileDefault = Files.getPosixFilePermissions(Files.createFile(tmp.resolve("plain")));
    Set<PosixFilePermission> dirDefault = Files.getPosixFilePermissions(Files.createDirectory(tmp.resolve("plain-dir")));
    // Under a umask of 077 the defaults are owner-only too, and nothing would be told apart.
    assumeTrue(fileDefault.contains(PosixFilePermission.OTHERS_READ), "umask lets others read: " + fileDefault);
    Path file = tmp.resolve("chart.png");
    AtomicFiles.writeAtomically(file, new byte[] {1});
    assertEquals(fileDefault, Files.getPosixFilePermissions(file));
    Path dir = AtomicFiles.createTempDirectory(tmp, ".model.tmp-");
    assertEquals(dirDefault, Files.getPosixFilePermissions(dir));
    assertTrue(dir.getFileName().toString().startsWith(".model.tmp-"));
    assertNotEquals(dir, AtomicFiles.createTempDirectory(tmp, ".model.tmp-"));
  }

  @Test
  void deleteTreeRemovesEverythingButNotWhatALinkPointsTo() throws IOException {
    Path kept = Files.writeString(tmp.resolve("kept.txt"), "user data");
    Path tree = Files.createDirectories(tmp.resolve("scratch/a/b"));
    Files.writeString(tree.resolve("f"), "x");
    Files.createSymbolicLink(tmp.resolve("scratch/link"), kept);

    assertTrue(AtomicFiles.deleteTree(tmp.resolve("scratch")));

    assertFalse(Files.exists(tmp.resolve("scratch")));
    assertEquals("user data", Files.readString(kept));
    assertTrue(AtomicFiles.deleteTree(tmp.resolve("scratch")), "nothing there is nothing left");
  }

  @Test
  void replaceReplacesAFileAndMoveToFreePlaceRefusesAnOccupiedOne() throws IOException {
    Path target = Files.writeString(tmp.resolve("notebook.ipynb"), "old");
    Path executed = Files.writeString(tmp.resolve("executed.ipynb"), "new");
    assertEquals(target, AtomicFiles.replace(executed, target));
    assertEquals("new", Files.readString(target));
    assertFalse(Files.exists(executed));

    Path tree = Files.createDirectories(tmp.resolve("staging/engines"));
    Files.writeString(tree.resolve("profile-0.plan"), "plan");
    AtomicFiles.moveToFreePlace(tmp.resolve("staging"), tmp.resolve("model"));
    assertEquals("plan", Files.readString(tmp.resolve("model/engines/profile-0.plan")));

    Path other = Files.createDirectories(tmp.resolve("other/engines"));
    Files.writeString(other.resolve("profile-0.plan"), "other plan");
    assertThrows(IOException.class, () -> AtomicFiles.moveToFreePlace(tmp.resolve("other"), tmp.resolve("model")));
    assertEquals("plan", Files.readString(tmp.resolve("model/engines/profile-0.plan")), "the model is untouched");
  }
}
