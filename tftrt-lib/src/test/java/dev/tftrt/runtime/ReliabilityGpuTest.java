package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.bench.SavedModelTarget;
import dev.tftrt.engine.RequiredTensorRt;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
 * Issue 8's bad-input cases with real engines, on the zoo's small CNN converted at FP32 (batch 1..8): a
 * workspace too small for TensorRT's tactics, a truncated plan file and plans from another GPU found when
 * loading, bad run-time inputs and a closed model (the CPU's messages), and batches beyond maxBatchSize. (The
 * soak, many threads and close() are in the runtime's own GPU tests.) Results are printed on lines starting
 * {@code GPU-RESULT}.
 */
@Tag("gpu")
class ReliabilityGpuTest {
  static TensorRtBackend backend;
  static Path model;
  static SavedModelTarget reference;

  @BeforeAll
  static void setUp() {
    backend = RequiredTensorRt.backend();
    System.out.println("GPU-RESULT environment: " + backend.availability().describe());
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

  /** The input checks come before any engine runs: the same messages as on a CPU (ConvertedModelTest). */
  @Test
  void badInputsAndAClosedModelGetTheCpuMessages() {
    ConvertedModel m = build(params(1L << 30));
    Map<String, TensorValue> good = batch(2, 7);
    float[] expected = reference.run(good).get(ModelZoo.OUTPUT_KEY).toFloats();
    double error = relativeL2(expected, output(m, good));
    assertEquals(List.of(), m.fallbacks(), "the good batch ran on the engines");
    String takes = "float32[?,32,32,3]";
    List<String> messages = new ArrayList<>();
    messages.add(assertThrows(TftrtException.class, () -> m.run(null)).getMessage());
    Map<String, Object> nullValue = new HashMap<>();
    nullValue.put(ModelZoo.INPUT_KEY, null);
    messages.add(assertThrows(TftrtException.class, () -> m.run(nullValue)).getMessage());
    messages.add(assertThrows(TftrtException.class, () -> m.run(Map.of(ModelZoo.INPUT_KEY,
        TensorValue.ofInts(Shape.of(1, 32, 32, 3), new int[32 * 32 * 3])))).getMessage());
    messages.add(assertThrows(TftrtException.class, () -> m.run(Map.of(ModelZoo.INPUT_KEY,
        TensorValue.ofFloats(Shape.of(32, 32, 3), new float[32 * 32 * 3])))).getMessage());
    double errorAfter = relativeL2(expected, output(m, good));
    m.close();
    messages.add(assertThrows(TftrtException.class, () -> m.run(good)).getMessage());
    report("bad inputs with real engines: " + messages + "; a good batch before them: error " + error
        + ", after them: error " + errorAfter);
    assertEquals(List.of("the input is null; give a map from input name to tensor: input: " + takes,
        "the input: input 'input' is null; give a TensorValue or an org.tensorflow Tensor of " + takes,
        "the input: input 'input' is int32 but the model takes " + takes,
        "the input: input 'input' has shape [32,32,3] but the model takes " + takes + " (? = any size)",
        "this model is closed; load it again to run it"), messages);
    assertTrue(error < 1e-4 && errorAfter < 1e-4, "errors " + error + ", " + errorAfter);
  }

  @Test
  void aBatchLargerThanMaxBatchSizeFallsBackOrGetsAnEngineOfItsOwn() {
    Map<String, TensorValue> six = batch(6, 8);
    float[] expected = reference.run(six).get(ModelZoo.OUTPUT_KEY).toFloats();
    TrtConversionParams four = params(1L << 30).toBuilder().maxBatchSize(4).build();
    try (ConvertedModel m = build(four.toBuilder().allowBuildAtRuntime(false).build())) {
      double error = relativeL2(expected, output(m, six));
      report("batch 6 > maxBatchSize 4, allowBuildAtRuntime false: fallbacks " + m.fallbacks() + "; error "
          + error);
      assertTrue(error < 1e-4, "error " + error);
      assertTrue(!m.fallbacks().isEmpty() && m.fallbacks().stream()
          .allMatch(f -> f.reason() == FallbackReason.SHAPE_OUTSIDE_PROFILE), m.fallbacks().toString());
    }
    try (ConvertedModel m = build(four.toBuilder().maximumCachedEngines(2).build())) {
      double error = relativeL2(expected, output(m, six));
      report("batch 6 > maxBatchSize 4, maximumCachedEngines 2: segments " + m.segments() + "; fallbacks "
          + m.fallbacks() + "; error " + error);
      assertTrue(error < 1e-4, "error " + error);
      assertEquals(List.of(), m.fallbacks());
      assertTrue(m.segments().stream().allMatch(s -> s.engineProfiles().size() == 2), m.segments().toString());
    }
  }

  @Test
  void plansBuiltForAnotherGpuAreRebuilt(@TempDir Path dir) throws IOException {
    TrtGraphConverterV2 converter = new TrtGraphConverterV2(model, params(1L << 30));
    converter.build(null).close();
    Path saved = converter.save(dir.resolve("converted"));
    Path manifest = saved.resolve(ConvertedModelFiles.MANIFEST);
    JsonObject json = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
    json.getAsJsonObject("builtWith").addProperty("gpuName", "NVIDIA A100-SXM4-80GB");
    Files.writeString(manifest, json.toString());
    Map<String, TensorValue> in = batch(3, 9);
    float[] expected = reference.run(in).get(ModelZoo.OUTPUT_KEY).toFloats();
    try (ConvertedModel m = ConvertedModel.load(saved)) {
      double error = relativeL2(expected, output(m, in));
      report("plans of another GPU: messages " + m.messages() + "; fallbacks " + m.fallbacks() + "; error " + error);
      assertTrue(m.messages().stream().anyMatch(line -> line.contains("NVIDIA A100-SXM4-80GB")
          && line.endsWith("rebuilding them")), m.messages().toString());
      assertEquals(List.of(), m.fallbacks());
      assertTrue(error < 1e-4, "error " + error);
    }
    try (ConvertedModel m = ConvertedModel.loader().rebuild(false).load(saved)) {
      double error = relativeL2(expected, output(m, in));
      report("plans of another GPU, no rebuild: fallbacks " + m.fallbacks() + "; error " + error);
      assertTrue(!m.fallbacks().isEmpty() && m.fallbacks().stream()
          .allMatch(f -> f.reason() == FallbackReason.PLAN_UNUSABLE), m.fallbacks().toString());
      assertTrue(error < 1e-4, "error " + error);
    }
  }
}
