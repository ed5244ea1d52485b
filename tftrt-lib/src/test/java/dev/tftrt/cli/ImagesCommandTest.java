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

  @Test
  void engineLayersFromAGpuMachineDecideTheFusions() throws Exception {
    Path layers = dir.resolve("inception-block-tensorrt-layers.json");
    Files.writeString(layers, "{\"tensorRt\": \"TensorRT 8.6.1 on a test GPU\", \"layers\": ["
        + "\"branch1x1/Conv2D + branch1x1/BiasAdd + branch1x1/Relu || branch3x3_reduce/Conv2D + branch3x3_reduce/Relu\","
        + " \"dense/MatMul + dense/BiasAdd\"]}");
    Path out = dir.resolve("images");
    PrintStream old = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.run("images", "--out", out.toString(), "--engine-layers", layers.toString(),
          "--formats", "svg"));
    } finally {
      System.setOut(old);
    }
    String text = printed.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("2 sibling layers reading one tensor became one wider layer (as TensorRT 8.6.1 on a"
        + " test GPU fused it)"), text);
    try (var files = Files.list(out)) {
      assertEquals(4, files.count(), "svg only");
    }
  }

  @Test
  void aLayerFileThatIsNotOneIsRefused() throws Exception {
    Path layers = Files.writeString(dir.resolve("layers.json"), "[1, 2]");
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertEquals(2, Main.run("images", "--out", dir.resolve("images").toString(), "--engine-layers",
          layers.toString()));
    } finally {
      System.setErr(old);
    }
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("is not a layer file written by tftrt images"),
        err.toString(StandardCharsets.UTF_8));
  }
}
