package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesCommandTest {
  @TempDir Path dir;

  @Test
  void regeneratesTheFourFiguresFromTheInceptionBlock() throws Exception {
    Path out = dir.resolve("images");
    assertEquals(0, Main.run("images", "--out", out.toString()));
    try (var files = Files.list(out)) {
      List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
      for (String figure : List.of("network-original", "network-vertical-fusion", "network-horizontal-fusion",
          "workflow")) {
        for (String ext : List.of(".svg", ".png", ".dot")) {
          assertTrue(names.contains(figure + ext), figure + ext + " in " + names);
        }
      }
      assertEquals(12, names.size(), names.toString());
    }
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'},
        Arrays.copyOf(Files.readAllBytes(out.resolve("network-original.png")), 4));
    // The real converters take the convolutions: the three sibling 1x1 layers are fused.
    assertTrue(Files.readString(out.resolve("network-horizontal-fusion.svg")).contains("3 layers in one"));
    assertTrue(Files.readString(out.resolve("workflow.dot")).contains("TensorRT engine(s)"));
  }

  @Test
  void aMissingModelIsNamedAndNothingIsWritten() throws Exception {
    Path out = dir.resolve("images");
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertEquals(2, Main.run("images", "--out", out.toString(), "--model", dir.resolve("nope").toString()));
    } finally {
      System.setErr(old);
    }
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.startsWith("tftrt: ") && message.contains("nope"), message);
    assertTrue(Files.notExists(out), "nothing written");
  }
}
