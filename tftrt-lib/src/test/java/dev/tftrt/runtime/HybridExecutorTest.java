package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.engine.UnavailableBackend;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HybridExecutorTest {
  private static final TensorRtBackend NO_TENSORRT = new UnavailableBackend("no GPU in this test");

  static void assertClose(TensorValue expected, TensorValue actual, double tolerance) {
    assertEquals(expected.shape(), actual.shape());
    assertArrayEquals(expected.toFloats(), actual.toFloats(), (float) tolerance);
  }

  private static SegmentEngines unavailable(SegmentSpec s) {
    return SegmentEngines.nativeOnly(s, FallbackReason.TENSORRT_UNAVAILABLE,
        "TensorRT not available: no GPU in this test");
  }

  @Test
  void withoutTensorRtEverySegmentFallsBackAndTheOutputsMatchTensorFlow() {
    try (SmallCnnGraph m = new SmallCnnGraph();
        HybridExecutor ex = m.executor(List.of(unavailable(SmallCnnGraph.CONV), unavailable(SmallCnnGraph.DENSE)),
            NO_TENSORRT)) {
      for (int batch : new int[] {1, 3}) {
        TensorValue x = SmallCnnGraph.input(batch, batch);
        Map<TensorRef, TensorValue> out = ex.run(Map.of(SmallCnnGraph.INPUT, x));
        Map<TensorRef, TensorValue> ref = m.reference(x);
        assertEquals(SmallCnnGraph.OUTPUTS, List.copyOf(out.keySet()));
        assertClose(ref.get(SmallCnnGraph.PROBS), out.get(SmallCnnGraph.PROBS), 1e-6);
        assertClose(ref.get(SmallCnnGraph.FEATURES), out.get(SmallCnnGraph.FEATURES), 1e-6);
      }
      List<FallbackCount> f = ex.fallbacks();
      assertEquals(2, f.size(), f.toString());
      assertEquals(new FallbackCount("conv_segment", FallbackReason.TENSORRT_UNAVAILABLE, 2,
          "TensorRT not available: no GPU in this test"), f.get(0));
      assertEquals("dense_segment", f.get(1).segment());
      assertEquals(2, f.get(1).count());
    }
  }

  @Test
  void enginesRunTheirSegmentsAndTensorsStayOnTheDeviceBetweenConsecutiveEngines() {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph)) {
      SegmentEngine conv = rec.build(SmallCnnGraph.CONV, List.of(Shape.of(-1, 8, 8, 1)),
          List.of(Shape.of(-1, 8, 8, 4)), 4);
      SegmentEngine pool = rec.build(SmallCnnGraph.POOL, List.of(Shape.of(-1, 8, 8, 4)),
          List.of(Shape.of(-1, 4, 4, 4)), 4);
      List<SegmentEngines> segments = List.of(
          new SegmentEngines(SmallCnnGraph.CONV, List.of(conv), null, true, 1, null, rec),
          new SegmentEngines(SmallCnnGraph.POOL, List.of(pool), null, true, 1, null, rec));
      try (HybridExecutor ex = m.executor(segments, rec)) {
        TensorValue x = SmallCnnGraph.input(2, 11);
        Map<TensorRef, TensorValue> out = ex.run(Map.of(SmallCnnGraph.INPUT, x));
        Map<TensorRef, TensorValue> ref = m.reference(x);
        assertClose(ref.get(SmallCnnGraph.PROBS), out.get(SmallCnnGraph.PROBS), 1e-6);
        assertClose(ref.get(SmallCnnGraph.FEATURES), out.get(SmallCnnGraph.FEATURES), 1e-6);
        assertEquals(2, rec.engineRuns.get());
        assertEquals(List.of(), ex.fallbacks());
        assertEquals(3, rec.allocations.get(),
            "x copied in, relu and pool allocated once each: relu never went back to the host");
      }
    }
  }

  @Test
  void aBatchLargerThanTheProfileRunsNativelyAndSaysWhy() {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph)) {
      SegmentEngine conv = rec.build(SmallCnnGraph.CONV, List.of(Shape.of(-1, 8, 8, 1)),
          List.of(Shape.of(-1, 8, 8, 4)), 2);
      try (HybridExecutor ex = m.executor(List.of(
          new SegmentEngines(SmallCnnGraph.CONV, List.of(conv), null, true, 1, null, rec)), rec)) {
        TensorValue x = SmallCnnGraph.input(5, 3);
        Map<TensorRef, TensorValue> out = ex.run(Map.of(SmallCnnGraph.INPUT, x));
        assertClose(m.reference(x).get(SmallCnnGraph.PROBS), out.get(SmallCnnGraph.PROBS), 1e-6);
        assertEquals(0, rec.engineRuns.get());
        FallbackCount f = ex.fallbacks().get(0);
        assertEquals(FallbackReason.SHAPE_OUTSIDE_PROFILE, f.reason());
        assertTrue(f.detail().contains("[[5,8,8,1]]") && f.detail().contains("[[1,8,8,1]..[2,8,8,1]]")
            && f.detail().contains("maximumCachedEngines=1"), f.detail());
        ex.run(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(2, 3)));
        assertEquals(1, rec.engineRuns.get(), "a batch inside the profile still runs on the engine");
      }
    }
  }

  @Test
  void aShapeOutsideTheProfileGetsANewEngineWhileTheCacheHasRoom() {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph)) {
      SegmentEngine conv = rec.build(SmallCnnGraph.CONV, List.of(Shape.of(-1, 8, 8, 1)),
          List.of(Shape.of(-1, 8, 8, 4)), 2);
      List<List<Shape>> asked = new ArrayList<>();
      SegmentBuilder builder = (spec, shapes) -> {
        asked.add(shapes);
        return rec.buildPlan(spec, List.of(Shape.of(-1, 8, 8, 1)), List.of(Shape.of(-1, 8, 8, 4)),
            (int) shapes.get(0).dim(0));
      };
      SegmentEngines engines = new SegmentEngines(SmallCnnGraph.CONV, List.of(conv), null, true, 2, builder, rec);
      try (HybridExecutor ex = m.executor(List.of(engines), rec)) {
        ex.run(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(6, 1)));
        ex.run(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(5, 1)));
        assertEquals(List.of(List.of(Shape.of(6, 8, 8, 1))), asked, "built once, for batch 6; batch 5 fits it");
        assertEquals(2, engines.engines().size());
        assertEquals(2, rec.engineRuns.get());
        ex.run(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(7, 1)));
        assertEquals(FallbackReason.SHAPE_OUTSIDE_PROFILE, ex.fallbacks().get(0).reason(), "cache full at 2");
      }
    }
  }

  @Test
  void withoutAnEngineAndNoBuildAtRuntimeTheSegmentRunsNatively() {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph)) {
      SegmentEngines none = new SegmentEngines(SmallCnnGraph.DENSE, List.of(), null, false, 1, null, rec);
      try (HybridExecutor ex = m.executor(List.of(none), rec)) {
        TensorValue x = SmallCnnGraph.input(1, 9);
        assertClose(m.reference(x).get(SmallCnnGraph.PROBS),
            ex.run(Map.of(SmallCnnGraph.INPUT, x)).get(SmallCnnGraph.PROBS), 1e-6);
        FallbackCount f = ex.fallbacks().get(0);
        assertEquals(FallbackReason.NO_ENGINE, f.reason());
        assertTrue(f.detail().contains("allowBuildAtRuntime is false"), f.detail());
      }
    }
  }

  @Test
  void anEngineThatFailsToExecuteIsRetriedNatively() {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph)) {
      SegmentEngine conv = rec.build(SmallCnnGraph.CONV, List.of(Shape.of(-1, 8, 8, 1)),
          List.of(Shape.of(-1, 8, 8, 4)), 4);
      try (HybridExecutor ex = m.executor(List.of(
          new SegmentEngines(SmallCnnGraph.CONV, List.of(conv), null, true, 1, null, rec)), rec)) {
        rec.failExecution = true;
        TensorValue x = SmallCnnGraph.input(2, 5);
        assertClose(m.reference(x).get(SmallCnnGraph.PROBS),
            ex.run(Map.of(SmallCnnGraph.INPUT, x)).get(SmallCnnGraph.PROBS), 1e-6);
        FallbackCount f = ex.fallbacks().get(0);
        assertEquals(FallbackReason.EXECUTION_FAILED, f.reason());
        assertTrue(f.detail().contains("injected engine failure"), f.detail());
      }
    }
  }

  @Test
  void runNativelyReturnsTheSegmentInputsForCalibration() {
    try (SmallCnnGraph m = new SmallCnnGraph();
        HybridExecutor ex = m.executor(List.of(unavailable(SmallCnnGraph.DENSE)), NO_TENSORRT)) {
      TensorValue x = SmallCnnGraph.input(2, 5);
      Map<TensorRef, TensorValue> out = ex.runNatively(Map.of(SmallCnnGraph.INPUT, x), List.of(TensorRef.of("flat")));
      assertEquals(Shape.of(2, 64), out.get(TensorRef.of("flat")).shape());
      assertEquals(List.of(), ex.fallbacks(), "native runs for calibration are not fallbacks");
    }
  }

  @Test
  void manyThreadsGetWhatOneThreadGets() throws Exception {
    try (SmallCnnGraph m = new SmallCnnGraph(); RecordedEngines rec = new RecordedEngines(m.graph)) {
      SegmentEngine conv = rec.build(SmallCnnGraph.CONV, List.of(Shape.of(-1, 8, 8, 1)),
          List.of(Shape.of(-1, 8, 8, 4)), 4);
      try (HybridExecutor ex = m.executor(List.of(
          new SegmentEngines(SmallCnnGraph.CONV, List.of(conv), null, true, 1, null, rec),
          unavailable(SmallCnnGraph.DENSE)), rec)) {
        List<TensorValue> inputs = new ArrayList<>();
        List<TensorValue> sequential = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          inputs.add(SmallCnnGraph.input(1 + i % 4, i));
          sequential.add(ex.run(Map.of(SmallCnnGraph.INPUT, inputs.get(i))).get(SmallCnnGraph.PROBS));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
          List<Future<TensorValue>> futures = new ArrayList<>();
          for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 16; i++) {
              TensorValue in = inputs.get(i);
              futures.add(pool.submit(() -> ex.run(Map.of(SmallCnnGraph.INPUT, in)).get(SmallCnnGraph.PROBS)));
            }
          }
          for (int k = 0; k < futures.size(); k++) {
            assertEquals(sequential.get(k % 16), futures.get(k).get(60, TimeUnit.SECONDS), "call " + k);
          }
        } finally {
          pool.shutdownNow();
        }
      }
    }
  }

  @Test
  void aClosedExecutorRefusesToRun() {
    try (SmallCnnGraph m = new SmallCnnGraph()) {
      HybridExecutor ex = m.executor(List.of(unavailable(SmallCnnGraph.CONV)), NO_TENSORRT);
      ex.close();
      ex.close();
      TftrtException e = assertThrows(TftrtException.class,
          () -> ex.run(Map.of(SmallCnnGraph.INPUT, SmallCnnGraph.input(1, 1))));
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
  }
}
