package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.runtime.FallbackReason;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tftrt convert} on a machine without a GPU, and its refusals. */
class ConvertCommandTest {
  @TempDir
  Path dir;

  @Test
  void withoutAGpuTheModelIsConvertedAndSavedAndSaysWhyNoEngines() {
    Path out = dir.resolve("small-cnn-fp16");
    CliRun r = CliRun.of("convert", GeneratedModels.smallCnn().toString(), "--output", out.toString(), "--precision",
        "fp16", "--max-batch-size", "4", "--workspace", "256M", "--builder-optimization-level", "5",
        "--contexts-per-engine", "2", "--cuda-graphs", "--tf32", "--denylist", "Softmax", "--max-engines", "5");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("TensorRT not available: ") && r.err().contains("; the segment runs in TensorFlow"),
        r.err());
    assertTrue(r.out().contains("Conversion plan for "), r.out());
    assertTrue(r.out().contains("wrote " + out.toAbsolutePath()), r.out());
    assertTrue(r.out().contains("no engines were built (TensorRT not available: "), r.out());
    assertTrue(r.out().contains("); they are built when the model is loaded where TensorRT is"), r.out());
    assertTrue(Files.isRegularFile(out.resolve("manifest.json")));
    try (ConvertedModel m = ConvertedModel.load(out)) {
      assertEquals("FP16", m.params().precisionMode().name());
      assertEquals(4, m.params().maxBatchSize());
      assertEquals(256L << 20, m.params().maxWorkspaceSizeBytes());
      assertEquals(5, m.params().builderOptimizationLevel());
      assertEquals(2, m.params().executionContextsPerEngine());
      assertTrue(m.params().cudaGraphs());
      assertTrue(m.params().allowTf32());
      assertEquals(Set.of("Softmax"), m.params().opDenylist());
      assertEquals(5, m.params().maxEngines());
      Map<String, TensorValue> in = Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(2, 32, 32, 3),
          new float[2 * 32 * 32 * 3]));
      assertEquals(Shape.of(2, 10), m.run(in).get(ModelZoo.OUTPUT_KEY).shape());
      m.fallbacks().forEach(f -> assertEquals(FallbackReason.TENSORRT_UNAVAILABLE, f.reason()));
    }
  }

  @Test
  void badOptionsAreOneMessageAndExitCodeTwo() {
    String model = GeneratedModels.smallCnn().toString();
    String out = dir.resolve("out").toString();
    assertRefused("tftrt: precisionMode 'FP64' is not supported; use one of FP32, FP16, INT8",
        "convert", model, "--output", out, "--precision", "FP64");
    assertRefused("tftrt: maxBatchSize must be an integer >= 1, was 0",
        "convert", model, "--output", out, "--max-batch-size", "0");
    assertRefused("tftrt: builderOptimizationLevel must be TensorRT's builder optimization level, an integer from 0 "
        + "(fastest build) to 5 (most tactics tried; default 3), was 6",
        "convert", model, "--output", out, "--builder-optimization-level", "6");
    assertRefused("tftrt: --workspace 'lots' is not a size; give bytes or a number with K, M or G (e.g. 512M, 1G)",
        "convert", model, "--output", out, "--workspace", "lots");
    assertRefused("tftrt: INT8 needs calibration images: give --calibration-data (e.g. fashion-mnist), or use "
        + "--precision FP16 or FP32", "convert", model, "--output", out, "--precision", "INT8");
    assertRefused("tftrt: --calibration-data is only used for INT8; drop it or use --precision INT8",
        "convert", model, "--output", out, "--calibration-data", "fashion-mnist");
    assertRefused("tftrt: refusing to write the converted model to " + Path.of(model).toAbsolutePath()
        + ": that would replace the SavedModel it was converted from (" + model + "); give another output directory",
        "convert", model, "--output", model);
    assertFalse(Files.exists(dir.resolve("out")), "nothing written for bad options");
  }

  @Test
  void calibrationImagesThatDoNotFitTheModelSaySo() {
    CliRun r = CliRun.of("convert", GeneratedModels.smallCnn().toString(), "--output", dir.resolve("int8").toString(),
        "--precision", "INT8", "--calibration-data", "fashion-mnist", "--calibration-images", "8",
        "--max-batch-size", "4");
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains("tftrt: calibration batch 1: input 'input' has shape [4,28,28,1] but the model takes "
        + "float32[?,32,32,3] (? = any size)"), r.err());
  }

  private static void assertRefused(String message, String... args) {
    CliRun r = CliRun.of(args);
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().lines().anyMatch(l -> l.startsWith(message)), r.err());
  }
}
