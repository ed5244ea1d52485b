package dev.tftrt.runtime;

import static dev.tftrt.ConverterFixtures.smallCnnBatch;
import static dev.tftrt.runtime.HybridExecutorTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.ConverterFixtures;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.RecordingTensorRtBackend;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.UnavailableBackend;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Bound runs (inputs copied to the device once, tensors kept there): the same results as {@code run}, no copy of
 * the inputs per run, TensorFlow stages and fallbacks fed correctly, one message for each misuse, threads.
 * Engines of the recording backend compute their segments in TensorFlow (no GPU needed).
 */
class BoundRunTest {
  private static final TensorRef RELU = TensorRef.of("relu");

  private static List<SegmentEngines> convAndPoolOnEnginesDenseInTensorFlow(RecordedEngines rec, int maxBatch) {
    SegmentEngine conv = rec.build(SmallCnnGraph.CONV, List.of(Shape.of(-1, 8, 8, 1)),
        List.of(Shape.of(-1, 8, 8, 4)), maxBatch);
    SegmentEngine pool = rec.build(SmallCnnGraph.POOL, List.of(Shape.of(-1, 8, 8, 4)),
        List.of(Shape.of(-1, 4, 4, 4)), maxBatch);
    return List.of(new SegmentEngines(SmallCnnGraph.CONV, List.of(conv), null, true, 1, null, rec),
        new SegmentEngines(SmallCnnGraph.POOL, List.of(pool), null, true, 1, null, rec),
        SegmentEngines.nativeOnly(SmallCnnGraph.DENSE, FallbackReason.TENSORRT_UNAVAILABLE, "not in this test"));
  }

  @Test
  void runsGiveWhatRunGivesAndCopyTheInputsOnlyWhenBound() {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph);
        HybridExecutor ex = m.executor(convAndPoolOnEnginesDenseInTensorFlow(rec, 4), rec)) {
      TensorValue x = SmallCnnGraph.input(3, 21);
      Map<TensorRef, TensorValue> expected = ex.run(Map.of(SmallCnnGraph.INPUT, x));
      int allocationsOfRun = rec.allocations.get();
      long copiesOfRun = rec.copiesToDevice();
      try (HybridExecutor.Bound b = ex.bind(Map.of(SmallCnnGraph.INPUT, x))) {
        assertEquals(1, b.inputsOnDevice());
        assertEquals(copiesOfRun + 1, rec.copiesToDevice(), "the input is copied once, at bind");
        for (int i = 0; i < 3; i++) {
          b.run();
        }
        assertEquals(copiesOfRun + 1, rec.copiesToDevice(), "runs copy nothing to the device");
        assertEquals(allocationsOfRun + 3, rec.allocations.get(),
            "the bound input, relu and pool: allocated once for three runs");
        assertEquals(expected.get(SmallCnnGraph.PROBS), b.output(SmallCnnGraph.PROBS));
        assertEquals(expected.get(SmallCnnGraph.FEATURES), b.output(SmallCnnGraph.FEATURES));
        assertClose(m.reference(x).get(SmallCnnGraph.PROBS), b.output(SmallCnnGraph.PROBS), 1e-6);
        assertFalse(b.onDevice(SmallCnnGraph.FEATURES), "pool went to the host for the TensorFlow stage after it");
      }
      assertEquals(List.of(new FallbackCount("dense_segment", FallbackReason.TENSORRT_UNAVAILABLE, 4,
          "not in this test")), ex.fallbacks(), "the bound runs' fallbacks are counted as run's are");
    }
  }

  /** Every method of {@code engine} and of its contexts, counting the contexts' outputShape calls. */
  private static dev.tftrt.engine.Engine countingOutputShapes(dev.tftrt.engine.Engine engine,
      java.util.concurrent.atomic.AtomicInteger calls) {
    return (dev.tftrt.engine.Engine) java.lang.reflect.Proxy.newProxyInstance(BoundRunTest.class.getClassLoader(),
        new Class<?>[] {dev.tftrt.engine.Engine.class}, (proxy, method, args) -> {
          Object result = method.invoke(engine, args);
          if (!(result instanceof dev.tftrt.engine.ExecutionContext ctx)) {
            return result;
          }
          return java.lang.reflect.Proxy.newProxyInstance(BoundRunTest.class.getClassLoader(),
              new Class<?>[] {dev.tftrt.engine.ExecutionContext.class}, (p, m, a) -> {
                if (m.getName().equals("outputShape")) {
                  calls.incrementAndGet();
                }
                return m.getName().equals("engine") ? proxy : m.invoke(ctx, a);
              });
        });
  }

  @Test
  void repeatedShapesAskTheEngineForOutputShapesOnce() {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph)) {
      SegmentEngine built = rec.build(SmallCnnGraph.CONV, List.of(Shape.of(-1, 8, 8, 1)),
          List.of(Shape.of(-1, 8, 8, 4)), 4);
      java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
      SegmentEngine conv = new SegmentEngine(countingOutputShapes(built.engine(), calls), built.plan());
      try (HybridExecutor ex = new HybridExecutor(m.graph, List.of(SmallCnnGraph.INPUT), List.of(RELU),
          List.of(new SegmentEngines(SmallCnnGraph.CONV, List.of(conv), null, true, 1, null, rec)), rec);
          HybridExecutor.Bound b = ex.bind(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(2, 3)))) {
        TensorValue expected = ex.run(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(2, 3))).get(RELU);
        for (int i = 0; i < 5; i++) {
          b.run();
        }
        assertEquals(expected, b.output(RELU));
        assertEquals(1, calls.get(), "one question for batch 2, however many runs");
        ex.run(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(3, 3)));
        assertEquals(2, calls.get(), "a new batch size is asked about");
      }
    }
  }

  @Test
  void anOutputAnEngineMakesStaysOnTheDeviceUntilAsked() {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph);
        HybridExecutor ex = new HybridExecutor(m.graph, List.of(SmallCnnGraph.INPUT), List.of(RELU),
            convAndPoolOnEnginesDenseInTensorFlow(rec, 4).subList(0, 1), rec)) {
      TensorValue x = SmallCnnGraph.input(2, 5);
      TensorValue expected = ex.run(Map.of(SmallCnnGraph.INPUT, x)).get(RELU);
      try (HybridExecutor.Bound b = ex.bind(Map.of(SmallCnnGraph.INPUT, x))) {
        b.run();
        assertTrue(b.onDevice(RELU));
        TensorValue relu = b.output(RELU);
        assertEquals(expected, relu);
        assertFalse(b.onDevice(RELU), "copied once");
        assertTrue(relu == b.output(RELU), "the same value until the next run");
        b.run();
        assertTrue(b.onDevice(RELU), "a new run leaves its output on the device again");
        assertEquals(expected, b.output(RELU));
      }
    }
  }

  @Test
  void shapesOutsideTheProfileAndFailingEnginesRunInTensorFlowFromTheHostValues() {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph);
        HybridExecutor ex = m.executor(convAndPoolOnEnginesDenseInTensorFlow(rec, 2), rec)) {
      TensorValue big = SmallCnnGraph.input(5, 8);
      try (HybridExecutor.Bound b = ex.bind(Map.of(SmallCnnGraph.INPUT, big))) {
        b.run();
        assertClose(m.reference(big).get(SmallCnnGraph.PROBS), b.output(SmallCnnGraph.PROBS), 1e-6);
        assertEquals(0, rec.engineRuns.get());
        assertEquals(FallbackReason.SHAPE_OUTSIDE_PROFILE, ex.fallbacks().get(0).reason());
      }
      TensorValue x = SmallCnnGraph.input(2, 8);
      rec.failExecution = true;
      try (HybridExecutor.Bound b = ex.bind(Map.of(SmallCnnGraph.INPUT, x))) {
        b.run();
        assertClose(m.reference(x).get(SmallCnnGraph.PROBS), b.output(SmallCnnGraph.PROBS), 1e-6);
        assertTrue(ex.fallbacks().stream().anyMatch(f -> f.reason() == FallbackReason.EXECUTION_FAILED),
            ex.fallbacks().toString());
      }
    }
  }

  @Test
  void withoutTensorRtNothingGoesToADevice() {
    try (SmallCnnGraph m = new SmallCnnGraph();
        HybridExecutor ex = m.executor(List.of(SegmentEngines.nativeOnly(SmallCnnGraph.CONV,
            FallbackReason.TENSORRT_UNAVAILABLE, "no GPU")), new UnavailableBackend("no GPU in this test"))) {
      TensorValue x = SmallCnnGraph.input(2, 3);
      try (HybridExecutor.Bound b = ex.bind(Map.of(SmallCnnGraph.INPUT, x))) {
        assertEquals(0, b.inputsOnDevice());
        b.run();
        assertFalse(b.onDevice(SmallCnnGraph.PROBS));
        assertClose(m.reference(x).get(SmallCnnGraph.PROBS), b.output(SmallCnnGraph.PROBS), 1e-6);
      }
    }
  }

  @Test
  void manyThreadsOnOneBindingAndOnSeveralGetWhatOneThreadGets() throws Exception {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph);
        HybridExecutor ex = m.executor(convAndPoolOnEnginesDenseInTensorFlow(rec, 4), rec)) {
      List<TensorValue> inputs = new ArrayList<>();
      List<TensorValue> expected = new ArrayList<>();
      List<HybridExecutor.Bound> bindings = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        inputs.add(SmallCnnGraph.input(1 + i, 30 + i));
        expected.add(ex.run(Map.of(SmallCnnGraph.INPUT, inputs.get(i))).get(SmallCnnGraph.PROBS));
        bindings.add(ex.bind(Map.of(SmallCnnGraph.INPUT, inputs.get(i))));
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<TensorValue>> futures = new ArrayList<>();
        for (int k = 0; k < 64; k++) {
          HybridExecutor.Bound b = bindings.get(k % 4);
          futures.add(pool.submit(() -> {
            b.run();
            return b.output(SmallCnnGraph.PROBS);
          }));
        }
        for (int k = 0; k < futures.size(); k++) {
          assertEquals(expected.get(k % 4), futures.get(k).get(60, TimeUnit.SECONDS), "call " + k);
        }
      } finally {
        pool.shutdownNow();
        bindings.forEach(HybridExecutor.Bound::close);
      }
    }
  }

  /**
   * Two bindings on two threads are inside the same engine at once, on its two contexts (two optimization
   * profiles): the engine's computation waits until both runs have reached it.
   */
  @Test
  void twoBindingsRunAtOnceOnAnEngineWithTwoContexts() throws Exception {
    java.util.concurrent.CyclicBarrier bothInside = new java.util.concurrent.CyclicBarrier(2);
    RecordingTensorRtBackend backend = new RecordingTensorRtBackend(TensorFlowSegmentRunner::shapeBuilder)
        .withRunner((engine, in) -> {
          try {
            bothInside.await(30, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new IllegalStateException("the other binding's run never reached the engine", e);
          }
          long batch = in.get(SegmentSpec.inputBinding(0)).shape().dim(0);
          float[] relu = new float[(int) batch * 256];
          java.util.Arrays.fill(relu, batch);
          return Map.of(SegmentSpec.outputBinding(0), TensorValue.ofFloats(Shape.of(batch, 8, 8, 4), relu));
        });
    try (SmallCnnGraph m = new SmallCnnGraph();
        HybridExecutor ex = convOnAnEngineWithTwoContexts(m, backend);
        HybridExecutor.Bound one = ex.bind(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(1, 1)));
        HybridExecutor.Bound two = ex.bind(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(2, 2)))) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<TensorValue> first = pool.submit(() -> {
          one.run();
          return one.output(RELU);
        });
        Future<TensorValue> second = pool.submit(() -> {
          two.run();
          return two.output(RELU);
        });
        assertEquals(1f, first.get(60, TimeUnit.SECONDS).toFloats()[0]);
        assertEquals(2f, second.get(60, TimeUnit.SECONDS).toFloats()[255]);
      } finally {
        pool.shutdownNow();
      }
      assertEquals(List.of(0, 1), backend.contexts().stream().map(RecordingTensorRtBackend.ContextRecord::profile)
          .sorted().toList());
      assertEquals(List.of(), ex.fallbacks());
    }
  }

  /** A context replays its CUDA graph only while the tensors stay the same: bindings must not take turns on one. */
  @Test
  void eachBindingKeepsAContextOfItsOwnWhileTheEngineHasOne() {
    RecordingTensorRtBackend backend = new RecordingTensorRtBackend(TensorFlowSegmentRunner::shapeBuilder)
        .withRunner((engine, in) -> {
          long batch = in.get(SegmentSpec.inputBinding(0)).shape().dim(0);
          return Map.of(SegmentSpec.outputBinding(0),
              TensorValue.ofFloats(Shape.of(batch, 8, 8, 4), new float[(int) batch * 256]));
        });
    try (SmallCnnGraph m = new SmallCnnGraph();
        HybridExecutor ex = convOnAnEngineWithTwoContexts(m, backend);
        HybridExecutor.Bound one = ex.bind(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(1, 1)));
        HybridExecutor.Bound two = ex.bind(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(2, 2)))) {
      for (int i = 0; i < 3; i++) {
        one.run();
        two.run();
      }
      assertEquals(List.of(0, 1, 0, 1, 0, 1), backend.runContexts());
      assertEquals(2, backend.contexts().size());
    }
  }

  /**
   * An executor of {@code m} up to its ReLU whose conv segment runs on an engine of the recording backend with two
   * optimization profiles, so two contexts.
   */
  private static HybridExecutor convOnAnEngineWithTwoContexts(SmallCnnGraph m, RecordingTensorRtBackend backend) {
    BuildResult plan;
    try (NetworkDefinition n = backend.newNetwork()) {
      TrtTensor in = n.addInput(SegmentSpec.inputBinding(0), DataType.FLOAT, Shape.of(-1, 8, 8, 1));
      n.markOutput(n.shuffle(TensorFlowSegmentRunner.layerName("conv_segment", "0"), in, null,
          Shape.of(-1, 8, 8, 4).dims(), null), SegmentSpec.outputBinding(0));
      plan = backend.build(n, EngineConfig.builder().executionContexts(2)
          .profile(SegmentSpec.inputBinding(0), ShapeRange.batch(Shape.of(-1, 8, 8, 1), 4)).build(),
          BuildListener.NONE);
    }
    SegmentEngine conv = new SegmentEngine(backend.deserialize(plan.plan()), plan.plan());
    return new HybridExecutor(m.graph, List.of(SmallCnnGraph.INPUT), List.of(RELU),
        List.of(new SegmentEngines(SmallCnnGraph.CONV, List.of(conv), null, true, 1, null, backend)), backend);
  }

  @Test
  void misuseGetsOneClearMessage() {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph)) {
      HybridExecutor ex = m.executor(convAndPoolOnEnginesDenseInTensorFlow(rec, 4), rec);
      HybridExecutor.Bound b = ex.bind(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(1, 1)));
      assertEquals("no output yet: call run() first (a run that failed leaves none)",
          assertThrows(TftrtException.class, () -> b.output(SmallCnnGraph.PROBS)).getMessage());
      b.run();
      assertEquals("no model output logits; the outputs are [probs, pool]", assertThrows(
          IllegalArgumentException.class, () -> b.output(TensorRef.of("logits"))).getMessage());
      b.close();
      b.close();
      assertEquals("this bound run is closed; bind the inputs again to run them",
          assertThrows(TftrtException.class, b::run).getMessage());
      assertEquals("this bound run is closed; bind the inputs again to run them",
          assertThrows(TftrtException.class, () -> b.output(SmallCnnGraph.PROBS)).getMessage());

      HybridExecutor.Bound open = ex.bind(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(1, 1)));
      ex.close();
      assertTrue(open.isClosed(), "closing the executor closes its bindings");
      assertEquals("this model is closed; load it again to run it",
          assertThrows(TftrtException.class, open::run).getMessage());
      assertEquals("this model is closed; load it again to run it", assertThrows(TftrtException.class,
          () -> ex.bind(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(1, 1)))).getMessage());
    }
  }

  // ---- through ConvertedModel ----

  @Test
  void aConvertedModelBindsByKeyAndGivesWhatRunGives() {
    TrtConversionParams params = TrtConversionParams.builder().maxBatchSize(4).cudaGraphs(true).build();
    try (TensorFlowEngines engines = TensorFlowEngines.withConverters();
        ConvertedModel model = ConverterFixtures.converter(GeneratedModels.smallCnn(), params,
            ConverterFixtures.SMALL_CNN_OPS).withBackend(engines.backend()).withNetworks(engines)
            .build(List.of(smallCnnBatch(1, 1)))) {
      Map<String, TensorValue> batch = smallCnnBatch(3, 7);
      TensorValue expected = model.run(batch).get(ModelZoo.OUTPUT_KEY);
      int runsBefore = engines.engineRuns.get();
      try (BoundRun bound = model.bind(batch)) {
        assertEquals(1, bound.inputsOnDevice());
        for (int i = 0; i < 3; i++) {
          assertEquals(expected, bound.run().output(ModelZoo.OUTPUT_KEY), "run " + i);
        }
        assertTrue(engines.engineRuns.get() > runsBefore, "the bound runs ran the engines");
        assertEquals(Map.of(ModelZoo.OUTPUT_KEY, expected), bound.outputs());
        assertEquals("the model has no output 'logits'; it has [" + ModelZoo.OUTPUT_KEY + "]",
            assertThrows(TftrtException.class, () -> bound.output("logits")).getMessage());
      }
      assertEquals(List.of(), model.fallbacks());
    }
  }

  @Test
  void aConvertedModelRefusesWhatRunRefusesWithTheSameMessage() {
    try (ConvertedModel model = ConverterFixtures.converter(GeneratedModels.smallCnn(),
        TrtConversionParams.defaults(), ConverterFixtures.SMALL_CNN_OPS)
        .withBackend(new UnavailableBackend("no GPU in this test")).build(null)) {
      for (Map<String, ?> bad : List.<Map<String, ?>>of(Map.of(), Map.of("input", TensorValue.ofFloats(Shape.of(1, 28, 28, 3),
          new float[28 * 28 * 3])), Map.of("input", TensorValue.ofInts(Shape.of(1, 32, 32, 3),
          new int[32 * 32 * 3])))) {
        String byRun = assertThrows(TftrtException.class, () -> model.run(bad)).getMessage();
        assertEquals(byRun, assertThrows(TftrtException.class, () -> model.bind(bad)).getMessage());
      }
      BoundRun bound = model.bind(smallCnnBatch(2, 4));
      assertEquals(0, bound.inputsOnDevice(), "no TensorRT: the inputs stay on the host");
      assertEquals(model.run(smallCnnBatch(2, 4)), bound.run().outputs());
      model.close();
      assertTrue(bound.isClosed());
      assertEquals("this model is closed; load it again to run it",
          assertThrows(TftrtException.class, () -> bound.output(ModelZoo.OUTPUT_KEY)).getMessage());
      assertEquals("this model is closed; load it again to run it",
          assertThrows(TftrtException.class, () -> model.bind(smallCnnBatch(1, 1))).getMessage());
    }
  }
}
