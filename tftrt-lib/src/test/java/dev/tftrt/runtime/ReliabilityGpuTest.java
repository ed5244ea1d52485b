package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.bench.SavedModelTarget;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.engine.TensorRtBackends;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's bad-input cases that need a real GPU, on the zoo's small CNN converted at FP32 (batch 1..8): a
 * workspace too small for TensorRT's tactics, and a truncated plan file found when loading. (The soak, many
 * threads and close() are in the runtime's own GPU tests.) Results are printed
 * on lines starting {@code GPU-RESULT}.
 */
@Tag("gpu")
class ReliabilityGpuTest {
  static TensorRtBackend backend;
  static Path model;
  static SavedModelTarget reference;

  @BeforeAll
  static void setUp() {
    backend = TensorRtBackends.system();
    Availability a = backend.availability();
    System.out.println("GPU-RESULT environment: " + a.describe());
    assertTrue(a.available(), a.describe());
    model = GeneratedModels.smallCnn();
    reference = SavedModelTarget.load(model);
  }

  @AfterAll
  static void tearDown() {
    reference.close();
  }

  static void report(String line) {
    System.out.println("GPU-RESULT " + line);
  }

  static Map<String, TensorValue> batch(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n * 32 * 32 * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextDouble();
    }
    return Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(n, 32, 32, 3), v));
  }

  static TrtConversionParams params(long workspace) {
    return TrtConversionParams.builder().precisionMode(Precision.FP32).maxBatchSize(8)
        .maxWorkspaceSizeBytes(workspace).build();
  }

  static ConvertedModel build(TrtConversionParams params) {
    return new TrtGraphConverterV2(model, params).build(null);
  }

  static float[] output(ConvertedModel m, Map<String, TensorValue> in) {
    return m.run(in).get(ModelZoo.OUTPUT_KEY).toFloats();
  }

  static double relativeL2(float[] expected, float[] actual) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < expected.length; i++) {
      num += (expected[i] - actual[i]) * (double) (expected[i] - actual[i]);
      den += expected[i] * (double) expected[i];
    }
    return Math.sqrt(num / Math.max(den, 1e-30));
  }

  @Test
  void workspaceTooSmallIsReportedPerSegmentAndTheModelStillRuns() {
    Map<String, TensorValue> in = batch(4, 5);
    float[] expected = reference.run(in).get(ModelZoo.OUTPUT_KEY).toFloats();
    List<String> progress = new ArrayList<>();
    try (ConvertedModel m = new TrtGraphConverterV2(model, params(1)).withProgress(progress::add).build(null)) {
      float[] out = output(m, in);
      double error = relativeL2(expected, out);
      report("workspace of 1 byte: segments " + m.segments() + "; fallbacks after one run " + m.fallbacks()
          + "; error vs TensorFlow " + error);
      assertTrue(error < 1e-4, "with or without engines the output must match TensorFlow: " + error);
      for (ConvertedModel.SegmentStatus s : m.segments()) {
        assertTrue(!s.engineProfiles().isEmpty() || s.runsNativelyBecause() != null,
            "a segment without an engine says why: " + s);
      }
    }
  }

  @Test
  void truncatedPlanIsDetectedAndRebuilt(@TempDir Path dir) throws IOException {
    TrtGraphConverterV2 converter = new TrtGraphConverterV2(model, params(1L << 30));
    Path saved;
    try (ConvertedModel built = converter.build(null)) {
      saved = converter.save(dir.resolve("converted"));
    }
    List<Path> plans;
    try (Stream<Path> files = Files.walk(saved)) {
      plans = files.filter(p -> p.toString().endsWith(".plan")).toList();
    }
    assertTrue(!plans.isEmpty(), "the converted model has plan files");
    byte[] plan = Files.readAllBytes(plans.get(0));
    Files.write(plans.get(0), java.util.Arrays.copyOf(plan, plan.length / 3));
    Map<String, TensorValue> in = batch(3, 6);
    float[] expected = reference.run(in).get(ModelZoo.OUTPUT_KEY).toFloats();
    try (ConvertedModel m = ConvertedModel.load(saved)) {
      double error = relativeL2(expected, output(m, in));
      report("truncated plan (" + plan.length / 3 + " of " + plan.length + " bytes): messages " + m.messages()
          + "; segments " + m.segments() + "; error " + error);
      assertTrue(!m.messages().isEmpty(), "loading says what it found");
      assertTrue(error < 1e-4, "error " + error);
    }
  }
}
