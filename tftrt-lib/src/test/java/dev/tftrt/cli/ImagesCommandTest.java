package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.zoo.GeneratedModels;
import java.io.IOException;
import java.io.InputStream;
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
    CliRun run = CliRun.of("images", "--out", out.toString(), "--model", dir.resolve("nope").toString());
    assertEquals(2, run.code());
    assertTrue(run.message().contains("nope"), run.err());
    assertTrue(Files.notExists(out), "nothing written");
  }

  /** A layer file as this command writes it on a GPU machine, with TensorRT 8.6's inspector output. */
  private Path layerFile(String segment) throws IOException {
    String inspected;
    try (InputStream in = getClass().getResourceAsStream("/dev/tftrt/runtime/inception-block-fp32.layers.json")) {
      inspected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    return Files.writeString(dir.resolve("inception-block-tensorrt-layers.json"),
        "{\"tensorRt\": \"TensorRT 8.6.1 on a test GPU\", \"segments\": {\"" + segment + "\": [" + inspected + "]}}");
  }

  private static String inceptionBlockSegment() {
    return new TrtGraphConverterV2(GeneratedModels.inceptionBlock(), TrtConversionParams.defaults()).convert()
        .segments().get(0).name();
  }

  @Test
  void engineLayersFromAGpuMachineDecideTheFusions() throws Exception {
    Path layers = layerFile(inceptionBlockSegment());
    Path out = dir.resolve("images");
    CliRun run = CliRun.of("images", "--out", out.toString(), "--engine-layers", layers.toString(), "--formats",
        "svg");
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().contains("3 sibling layers reading one tensor became one wider layer (as TensorRT 8.6.1 on a"
        + " test GPU fused it)"), run.out());
    try (var files = Files.list(out)) {
      assertEquals(4, files.count(), "svg only");
    }
  }

  @Test
  void aLayerFileOfAnotherModelIsRefused() throws Exception {
    Path layers = layerFile("TRTEngineOp_of_another_model");
    CliRun run = CliRun.of("images", "--out", dir.resolve("images").toString(), "--engine-layers",
        layers.toString());
    assertEquals(2, run.code());
    assertTrue(run.message().contains("has segment 'TRTEngineOp_of_another_model', which this model's plan does not ("
        + inceptionBlockSegment() + ")"), run.err());
    assertTrue(Files.notExists(dir.resolve("images")), "nothing written");
  }

  @Test
  void aLayerFileThatIsNotOneIsRefused() throws Exception {
    Path layers = Files.writeString(dir.resolve("layers.json"), "[1, 2]");
    CliRun run = CliRun.of("images", "--out", dir.resolve("images").toString(), "--engine-layers",
        layers.toString());
    assertEquals(2, run.code());
    assertTrue(run.message().contains("is not a layer file written by tftrt images"), run.err());
  }
}
