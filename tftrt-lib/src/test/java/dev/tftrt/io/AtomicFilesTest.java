package dev.tftrt.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
