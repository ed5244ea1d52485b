package dev.tftrt.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.RecordingTensorRtBackend;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bare-engine target and the concurrent measurement, on the recording backend (a ReLU "engine"). */
class EngineTargetTest {
  record Tensor(String name, DataType type, Shape shape) implements TrtTensor {}

  static final AtomicInteger runs = new AtomicInteger();
  static RecordingTensorRtBackend backend;
  static Engine engine;

  @BeforeAll
  static void build() {
    backend = new RecordingTensorRtBackend(() -> (NetworkBuilder) Proxy.newProxyInstance(
        NetworkBuilder.class.getClassLoader(), new Class<?>[] {NetworkBuilder.class}, (proxy, m, args) ->
            switch (m.getName()) {
              case "addInput" -> new Tensor((String) args[0], (DataType) args[1], (Shape) args[2]);
              case "activation" -> new Tensor((String) args[0], DataType.FLOAT, ((TrtTensor) args[1]).shape());
              default -> null;
            })).withRunner((e, in) -> {
              runs.incrementAndGet();
              float[] x = in.get("input_0").toFloats();
              for (int i = 0; i < x.length; i++) {
                x[i] = Math.max(0, x[i]);
              }
              return Map.of("output_0", TensorValue.ofFloats(in.get("input_0").shape(), x));
            });
    try (NetworkDefinition n = backend.newNetwork()) {
      TrtTensor x = n.addInput("input_0", DataType.FLOAT, Shape.of(-1, 4));
      n.markOutput(n.activation("relu", x, NetworkBuilder.Activation.RELU, 0, 0), "output_0");
      engine = backend.deserialize(backend.build(n, EngineConfig.builder()
          .profile("input_0", ShapeRange.batch(Shape.of(-1, 4), 16)).executionContexts(3).build(),
          BuildListener.NONE).plan());
    }
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  static Map<String, TensorValue> batch() {
    return Map.of("input_0", TensorValue.ofFloats(Shape.of(2, 4), -1, 2, -3, 4, 5, -6, 7, -8));
  }

  @Test
  void bothModesRunTheEngineOnTheBatch() {
    for (EngineTarget.Mode mode : EngineTarget.Mode.values()) {
      try (EngineTarget t = new EngineTarget("relu " + mode, "FP32", backend, engine, mode)) {
        assertEquals(Map.of("input_0", new dev.tftrt.graph.TensorInfo(DataType.FLOAT, Shape.of(-1, 4))), t.inputs());
        try (PreparedRun run = t.prepare(batch())) {
          int before = runs.get();
          run.run();
          run.run();
          assertEquals(before + 2, runs.get(), mode + ": each run enqueues the engine once");
          assertArrayEquals(new float[] {0, 2, 0, 4, 5, 0, 7, 0}, run.outputs().get("output_0").toFloats());
          assertEquals(mode == EngineTarget.Mode.ENQUEUE_ONLY, run.lastDeviceMillis().isPresent(),
              "device time comes from events around the enqueue only");
        }
      }
    }
  }

  @Test
  void batchWithOtherInputsIsRefused() {
    EngineTarget t = new EngineTarget("relu", "FP32", backend, engine, EngineTarget.Mode.WITH_COPIES);
    TftrtException e = assertThrows(TftrtException.class, () -> t.prepare(Map.of("x",
        TensorValue.ofFloats(Shape.of(1, 4), new float[4]))));
    assertTrue(e.getMessage().contains("input_0"), e.getMessage());
  }

  @Test
  void concurrentThroughputCountsEveryThreadsRuns() {
    EngineTarget t = new EngineTarget("relu", "FP32", backend, engine, EngineTarget.Mode.WITH_COPIES);
    Concurrency.Result r = Concurrency.measure(t, batch(), 3, Duration.ofMillis(20), Duration.ofMillis(200));
    assertEquals(3, r.threads());
    assertEquals(2, r.batchSize());
    assertTrue(r.runs() > 0, "runs in the window: " + r.runs());
    assertEquals(r.runs() * 2 / r.seconds(), r.imagesPerSecond(), 1e-6);
    assertThrows(TftrtException.class, () -> Concurrency.measure(t, batch(), 0, Duration.ofMillis(1),
        Duration.ofMillis(1)));
  }

  /** The engine was built for 3 contexts (3 optimization profiles): a 4th thread cannot have one. */
  @Test
  void moreThreadsThanTheEngineHasContextsFailNamingTheProfiles() {
    EngineTarget t = new EngineTarget("relu", "FP32", backend, engine, EngineTarget.Mode.WITH_COPIES);
    TftrtException e = assertThrows(TftrtException.class, () -> Concurrency.measure(t, batch(), 4,
        Duration.ofMillis(20), Duration.ofMillis(50)));
    assertTrue(e.getMessage().contains("all 3 optimization profile(s) of the engine are held"), e.getMessage());
  }

  @Test
  void aFailingThreadStopsTheMeasurementAndEveryRunIsClosedFirst() {
    AtomicInteger open = new AtomicInteger();
    AtomicInteger prepared = new AtomicInteger();
    EngineTarget inner = new EngineTarget("relu", "FP32", backend, engine, EngineTarget.Mode.WITH_COPIES);
    InferenceTarget failingSecond = new InferenceTarget() {
      @Override
      public String name() {
        return "second thread fails";
      }

      @Override
      public String precision() {
        return "FP32";
      }

      @Override
      public Map<String, dev.tftrt.graph.TensorInfo> inputs() {
        return inner.inputs();
      }

      @Override
      public PreparedRun prepare(Map<String, TensorValue> batch) {
        PreparedRun run = inner.prepare(batch);
        open.incrementAndGet();
        boolean fail = prepared.incrementAndGet() == 2;
        return new PreparedRun() {
          @Override
          public void run() {
            if (fail) {
              throw new IllegalStateException("TensorRT could not enqueue the engine");
            }
            run.run();
          }

          @Override
          public Map<String, TensorValue> outputs() {
            return run.outputs();
          }

          @Override
          public void close() {
            run.close();
            open.decrementAndGet();
          }
        };
      }

      @Override
      public void close() {}
    };
    TftrtException e = assertThrows(TftrtException.class, () -> Concurrency.measure(failingSecond, batch(), 3,
        Duration.ofMillis(20), Duration.ofMillis(100)));
    assertTrue(e.getMessage().contains("could not enqueue"), e.getMessage());
    assertEquals(0, open.get(), "every thread closed its prepared run before measure returned");
  }
}
