package dev.tftrt.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
