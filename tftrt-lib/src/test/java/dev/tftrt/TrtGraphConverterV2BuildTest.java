package dev.tftrt;

import static dev.tftrt.ConverterFixtures.assertSameOutput;
import static dev.tftrt.ConverterFixtures.smallCnnBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.bench.SavedModelTarget;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.ForwardingTensorRtBackend;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.RecordingTensorRtBackend.BuildRecord;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.engine.UnavailableBackend;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.runtime.FallbackCount;
import dev.tftrt.runtime.FallbackReason;
import dev.tftrt.runtime.OneContextPerEngine;
import dev.tftrt.runtime.TensorFlowEngines;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Building engines for the zoo's small CNN, with engines that compute in TensorFlow (no GPU needed). */
class TrtGraphConverterV2BuildTest {
  private static Path model;
  private static SavedModelTarget reference;

  @BeforeAll
  static void load() {
    model = GeneratedModels.smallCnn();
    reference = SavedModelTarget.load(model);
  }

  @AfterAll
  static void close() {
    reference.close();
  }

  private static TrtGraphConverterV2 converter(TrtConversionParams params, TensorFlowEngines engines,
      List<String> progress) {
    return ConverterFixtures.converter(model, params, ConverterFixtures.SMALL_CNN_OPS)
        .withBackend(engines.backend()).withNetworks(engines).withProgress(progress::add);
  }

  @Test
  void withoutTensorRtEverySegmentRunsInTensorFlowAndSaysWhy() {
    List<String> progress = new ArrayList<>();
    TrtGraphConverterV2 c = ConverterFixtures.converter(model, TrtConversionParams.defaults(),
        ConverterFixtures.SMALL_CNN_OPS).withBackend(new UnavailableBackend("no GPU here")).withProgress(progress::add);
    try (ConvertedModel m = c.build(List.of(smallCnnBatch(1, 1)))) {
      assertEquals(2, c.plan().segments().size(), c.summary().toText());
      assertSameOutput(reference, m, smallCnnBatch(3, 2), 1e-6);
      List<FallbackCount> f = m.fallbacks();
      assertEquals(2, f.size(), f.toString());
      f.forEach(x -> assertEquals(FallbackReason.TENSORRT_UNAVAILABLE, x.reason()));
      assertTrue(f.get(0).detail().contains("no GPU here"), f.get(0).detail());
      assertTrue(progress.stream().anyMatch(p -> p.contains("no GPU here") && p.contains("run in TensorFlow")),
          progress.toString());
      assertTrue(m.messages().stream().anyMatch(p -> p.contains("no GPU here")), m.messages().toString());
    }
  }

  @Test
  void everySegmentGetsAnEngineBuiltWithTheParamsAndTheResultsAreTheNativeOnes() {
    List<String> progress = new ArrayList<>();
    TrtConversionParams params = TrtConversionParams.builder().precisionMode(Precision.FP16).maxBatchSize(8)
        .maxWorkspaceSizeBytes(256L << 20).build();
    try (TensorFlowEngines engines = new TensorFlowEngines()) {
      TrtGraphConverterV2 c = converter(params, engines, progress);
      try (ConvertedModel m = c.build(List.of(smallCnnBatch(2, 1), smallCnnBatch(8, 2)))) {
        List<BuildRecord> builds = engines.backend().builds();
        assertEquals(2, builds.size(), "one engine per segment: batch 2 and 8 share the profile 1..8");
        for (BuildRecord b : builds) {
          assertEquals(Precision.FP16, b.config().precision());
          assertEquals(256L << 20, b.config().workspaceBytes());
          assertTrue(b.config().detailedProfiling());
        }
        assertEquals(new ShapeRange(Shape.of(1, 32, 32, 3), Shape.of(8, 32, 32, 3), Shape.of(8, 32, 32, 3)),
            builds.get(0).config().profile().get("input_0"));
        for (int n : new int[] {1, 5, 8}) {
          assertSameOutput(reference, m, smallCnnBatch(n, n), 1e-6);
        }
        assertEquals(6, engines.engineRuns.get(), "both segments ran on their engines for each of 3 calls");
        assertEquals(List.of(), m.fallbacks());
        assertTrue(progress.stream().anyMatch(p -> p.startsWith("segment 1/2 'TRTEngineOp_")), progress.toString());
        assertTrue(progress.stream().anyMatch(p -> p.contains("FP16 engine for") && p.contains(" built in ")),
            progress.toString());
      }
    }
  }

  @Test
  void aBatchLargerThanMaxBatchSizeRunsNativelyWithoutBuildAtRuntime() {
    TrtConversionParams params = TrtConversionParams.builder().maxBatchSize(4).allowBuildAtRuntime(false).build();
    try (TensorFlowEngines engines = new TensorFlowEngines();
        ConvertedModel m = converter(params, engines, new ArrayList<>()).build(List.of(smallCnnBatch(1, 1)))) {
      assertSameOutput(reference, m, smallCnnBatch(6, 3), 1e-6);
      assertEquals(0, engines.engineRuns.get());
      List<FallbackCount> f = m.fallbacks();
      assertEquals(2, f.size(), f.toString());
      assertEquals(FallbackReason.SHAPE_OUTSIDE_PROFILE, f.get(0).reason());
      assertTrue(f.get(0).detail().contains("[6,32,32,3]") && f.get(0).detail().contains("allowBuildAtRuntime"),
          f.get(0).detail());
      assertSameOutput(reference, m, smallCnnBatch(4, 3), 1e-6);
      assertEquals(2, engines.engineRuns.get(), "batch 4 fits the profile");
    }
  }

  @Test
  void aBatchLargerThanMaxBatchSizeGetsANewEngineWhileTheCacheHasRoom() {
    TrtConversionParams params = TrtConversionParams.builder().maxBatchSize(4).maximumCachedEngines(2).build();
    try (TensorFlowEngines engines = new TensorFlowEngines();
        ConvertedModel m = converter(params, engines, new ArrayList<>()).build(List.of(smallCnnBatch(1, 1)))) {
      assertSameOutput(reference, m, smallCnnBatch(6, 3), 1e-6);
      assertEquals(4, engines.backend().builds().size(), "each segment built again for batch 1..6");
      assertEquals(List.of(), m.fallbacks());
      assertEquals(2, m.segments().get(0).engineProfiles().size(), m.segments().toString());
      assertSameOutput(reference, m, smallCnnBatch(9, 3), 1e-6);
      assertEquals(FallbackReason.SHAPE_OUTSIDE_PROFILE, m.fallbacks().get(0).reason());
      assertTrue(m.fallbacks().get(0).detail().contains("maximumCachedEngines=2"), m.fallbacks().toString());
    }
  }

  @Test
  void withoutDynamicOpEachShapeGetsItsOwnEngineUpToTheCacheSize() {
    List<String> progress = new ArrayList<>();
    TrtConversionParams params = TrtConversionParams.builder().isDynamicOp(false).maxBatchSize(8)
        .maximumCachedEngines(2).build();
    try (TensorFlowEngines engines = new TensorFlowEngines();
        ConvertedModel m = converter(params, engines, progress)
            .build(List.of(smallCnnBatch(1, 1), smallCnnBatch(2, 1), smallCnnBatch(4, 1)))) {
      assertEquals(4, engines.backend().builds().size(), "batches 1 and 2 per segment; 4 does not fit the cache");
      assertEquals(ShapeRange.fixed(Shape.of(2, 32, 32, 3)),
          engines.backend().builds().get(1).config().profile().get("input_0"));
      assertTrue(progress.stream().anyMatch(p -> p.contains("[[4,32,32,3]]") && p.contains("cache is full")),
          progress.toString());
      assertSameOutput(reference, m, smallCnnBatch(2, 5), 1e-6);
      assertEquals(2, engines.engineRuns.get());
    }
  }

  @Test
  void segmentsWithoutStaticShapesGetTheirEnginesAtRunTime() {
    List<String> progress = new ArrayList<>();
    TrtConversionParams params = TrtConversionParams.builder().maxBatchSize(4).build();
    try (TensorFlowEngines engines = new TensorFlowEngines();
        ConvertedModel m = converter(params, engines, progress).build(null)) {
      assertEquals(0, engines.backend().builds().size(), "the fixture infers no shapes: nothing to build from");
      assertTrue(progress.stream().anyMatch(p -> p.contains("not known beyond the batch")), progress.toString());
      assertSameOutput(reference, m, smallCnnBatch(2, 3), 1e-6);
      assertEquals(2, engines.backend().builds().size(), "built at the first run");
      assertEquals(new ShapeRange(Shape.of(1, 32, 32, 3), Shape.of(4, 32, 32, 3), Shape.of(4, 32, 32, 3)),
          engines.backend().builds().get(0).config().profile().get("input_0"));
      assertEquals(List.of(), m.fallbacks());
      assertEquals(2, engines.engineRuns.get());
    }
  }

  @Test
  void aSegmentWhoseBuildFailsIsReportedAndRunsInTensorFlow() {
    List<String> progress = new ArrayList<>();
    try (TensorFlowEngines engines = TensorFlowEngines.failingSegments("TRTEngineOp_000")) {
      TrtGraphConverterV2 c = converter(TrtConversionParams.defaults(), engines, progress);
      try (ConvertedModel m = c.build(List.of(smallCnnBatch(1, 1)))) {
        assertTrue(progress.stream().anyMatch(p -> p.startsWith("segment 'TRTEngineOp_000' will run in TensorFlow")
            && p.contains("injected")), progress.toString());
        assertSameOutput(reference, m, smallCnnBatch(1, 4), 1e-6);
        List<FallbackCount> f = m.fallbacks();
        assertEquals(1, f.size(), f.toString());
        assertEquals("TRTEngineOp_000", f.get(0).segment());
        assertEquals(FallbackReason.BUILD_FAILED, f.get(0).reason());
        assertEquals(1, engines.engineRuns.get(), "the other segment ran on its engine");
      }
    }
  }

  @Test
  void int8NeedsCalibrationInputAndOtherPrecisionsRefuseIt() {
    TrtConversionParams int8 = TrtConversionParams.builder().precisionMode(Precision.INT8).build();
    try (TensorFlowEngines engines = new TensorFlowEngines()) {
      TftrtException e = assertThrows(TftrtException.class,
          () -> converter(int8, engines, new ArrayList<>()).build(List.of(smallCnnBatch(1, 1))));
      assertTrue(e.getMessage().startsWith("INT8 needs calibration: call convert(calibrationInput)"), e.getMessage());
      e = assertThrows(TftrtException.class, () -> converter(TrtConversionParams.defaults(), engines,
          new ArrayList<>()).convert(List.of(smallCnnBatch(1, 1))));
      assertEquals("calibration input is only used for INT8; precisionMode is FP32: call convert() without it",
          e.getMessage());
      e = assertThrows(TftrtException.class, () -> converter(int8, engines, new ArrayList<>()).convert(List.of()));
      assertTrue(e.getMessage().startsWith("the calibration input yielded no batches"), e.getMessage());
      e = assertThrows(TftrtException.class, () -> converter(int8, engines, new ArrayList<>())
          .convert(List.of(smallCnnBatch(2, 1), Map.of(ModelZoo.INPUT_KEY, TensorValue.ofInts(Shape.of(1, 32, 32, 3),
              new int[32 * 32 * 3])))));
      assertEquals("calibration batch 2: input 'input' is int32 but the model takes float32[?,32,32,3]",
          e.getMessage());
      e = assertThrows(TftrtException.class, () -> converter(int8, engines, new ArrayList<>())
          .convert(List.of(Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(1, 28, 28, 1),
              new float[28 * 28])))));
      assertEquals("calibration batch 1: input 'input' has shape [1,28,28,1] but the model takes "
          + "float32[?,32,32,3] (? = any size)", e.getMessage());
      assertEquals(0, engines.backend().builds().size(), "nothing built for bad input");
    }
  }

  @Test
  void int8CalibratesEachSegmentOnceAndReusesTheTableForLaterEngines() {
    List<String> progress = new ArrayList<>();
    TrtConversionParams int8 = TrtConversionParams.builder().precisionMode(Precision.INT8).maxBatchSize(4)
        .maximumCachedEngines(2).isDynamicOp(false).build();
    try (TensorFlowEngines engines = new TensorFlowEngines()) {
      TrtGraphConverterV2 c = converter(int8, engines, progress);
      c.convert(List.of(smallCnnBatch(4, 1), smallCnnBatch(4, 2), smallCnnBatch(3, 3)));
      List<BuildRecord> builds = engines.backend().builds();
      assertEquals(2, builds.size(), "one calibrated engine per segment");
      for (BuildRecord b : builds) {
        assertEquals(Precision.INT8, b.config().precision());
        assertNotNull(b.config().calibration(), "calibrated from the data");
        assertNull(b.config().calibrationCache());
      }
      assertEquals(Map.of("input_0", Shape.of(4, 32, 32, 3)), builds.get(0).config().calibration().batchShapes());
      try (ConvertedModel m = c.build(List.of(smallCnnBatch(1, 1)))) {
        assertEquals(4, builds.size(), "batch 1 needs engines of its own (static shapes)");
        for (BuildRecord b : builds.subList(2, 4)) {
          assertNull(b.config().calibration(), "not calibrated again");
          assertNotNull(b.config().calibrationCache(), "the table of the first build");
        }
        assertSameOutput(reference, m, smallCnnBatch(4, 7), 1e-6);
        assertSameOutput(reference, m, smallCnnBatch(1, 7), 1e-6);
        assertEquals(List.of(), m.fallbacks());
      }
      assertTrue(progress.stream().anyMatch(p -> p.contains("calibrating INT8 on 3 batches")), progress.toString());
    }
  }

  /** The recording backend, draining the calibration batches during INT8 builds as TensorRT's calibrator does. */
  private record Calibrating(TensorRtBackend delegate, List<List<Map<String, TensorValue>>> drained)
      implements ForwardingTensorRtBackend {
    @Override
    public BuildResult build(NetworkDefinition network, EngineConfig config, BuildListener listener) {
      if (config.calibration() != null) {
        List<Map<String, TensorValue>> batches = new ArrayList<>();
        for (var b = config.calibration().next(); b.isPresent(); b = config.calibration().next()) {
          b.get().forEach((name, v) -> assertEquals(config.calibration().batchShapes().get(name), v.shape()));
          batches.add(b.get());
        }
        drained.add(batches);
      }
      return delegate.build(network, config, listener);
    }
  }

  @Test
  void calibrationFeedsEachSegmentItsInputsFromTheNativeGraph() {
    List<String> progress = new ArrayList<>();
    List<List<Map<String, TensorValue>>> drained = new ArrayList<>();
    TrtConversionParams int8 = TrtConversionParams.builder().precisionMode(Precision.INT8).maxBatchSize(4).build();
    try (TensorFlowEngines engines = new TensorFlowEngines()) {
      TrtGraphConverterV2 c = ConverterFixtures.converter(model, int8, ConverterFixtures.SMALL_CNN_OPS)
          .withBackend(new Calibrating(engines.backend(), drained)).withNetworks(engines).withProgress(progress::add);
      List<Map<String, TensorValue>> input = List.of(smallCnnBatch(4, 1), smallCnnBatch(4, 2), smallCnnBatch(3, 3));
      c.convert(input);
      assertEquals(2, drained.size(), "both segments calibrated");
      assertEquals(2, drained.get(0).size(), "the batch of 3 is skipped: calibration runs at one shape");
      assertEquals(input.get(1).get(ModelZoo.INPUT_KEY), drained.get(0).get(1).get("input_0"),
          "the first segment reads the model input");
      assertEquals(Shape.of(4, 2048), drained.get(1).get(0).get("input_0").shape(),
          "the dense segment gets the flattened features the native graph computed");
      assertTrue(progress.stream().anyMatch(p -> p.contains("skipped a batch with segment input shapes "
          + "[[3,32,32,3]]")), progress.toString());
    }
  }

  /** With engines that allow one live context each, as TensorRT 8's do: calls share the contexts, none falls back. */
  @Test
  void manyThreadsGetWhatOneThreadGets() throws Exception {
    TrtConversionParams params = TrtConversionParams.builder().maxBatchSize(4).build();
    try (TensorFlowEngines engines = new TensorFlowEngines();
        ConvertedModel m = converter(params, engines, new ArrayList<>())
            .withBackend(new OneContextPerEngine(engines.backend())).build(List.of(smallCnnBatch(1, 1)))) {
      List<Map<String, TensorValue>> inputs = new ArrayList<>();
      List<TensorValue> sequential = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        inputs.add(smallCnnBatch(1 + i % 4, i));
        sequential.add(m.run(inputs.get(i)).get(ModelZoo.OUTPUT_KEY));
      }
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        List<Future<TensorValue>> futures = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
          for (Map<String, TensorValue> in : inputs) {
            futures.add(pool.submit(() -> m.run(in).get(ModelZoo.OUTPUT_KEY)));
          }
        }
        for (int k = 0; k < futures.size(); k++) {
          assertEquals(sequential.get(k % 12), futures.get(k).get(120, TimeUnit.SECONDS), "call " + k);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(List.of(), m.fallbacks());
    }
  }
}
