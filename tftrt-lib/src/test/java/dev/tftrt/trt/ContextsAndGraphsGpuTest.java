package dev.tftrt.trt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two optimization profiles let two execution contexts of one engine run at once (TensorRT 8 gives each live
 * context its own profile), and a context with CUDA graphs replays its enqueue with the same results. The conv
 * chain of {@link TrtEngineGpuTest}, FP32 without TF32, checked against {@link Reference}.
 */
@Tag("gpu")
class ContextsAndGraphsGpuTest {
  static Engine engine;

  @BeforeAll
  static void build() {
    TrtEngineGpuTest.backend();
    try (NetworkDefinition n = TrtEngineGpuTest.convChain()) {
      BuildResult r = TrtEngineGpuTest.build(n, TrtEngineGpuTest.config(Precision.FP32).executionContexts(2).build());
      engine = TrtEngineGpuTest.backend.deserialize(r.plan());
    }
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  static float[] images(int batch, long seed) {
    return Reference.random(new Random(seed), batch * TrtEngineGpuTest.C * TrtEngineGpuTest.H * TrtEngineGpuTest.W,
        1f);
  }

  static Shape shape(int batch) {
    return Shape.of(batch, TrtEngineGpuTest.C, TrtEngineGpuTest.H, TrtEngineGpuTest.W);
  }

  @Test
  void twoProfilesServeTwoLiveContextsAtOnce() throws Exception {
    assertEquals(2, engine.maxContexts());
    try (ExecutionContext first = engine.createContext(); ExecutionContext second = engine.createContext()) {
      IllegalStateException third = assertThrows(IllegalStateException.class, engine::createContext);
      assertTrue(third.getMessage().contains("all 2 optimization profile(s)"), third.getMessage());
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<Double>> errors = new ArrayList<>();
        for (ExecutionContext c : List.of(first, second)) {
          int batch = c == first ? 3 : 8;
          errors.add(pool.submit(() -> {
            double worst = 0;
            for (int i = 0; i < 20; i++) {
              float[] x = images(batch, 100 * batch + i);
              float[] y = c.execute(Map.of("input_0", TensorValue.ofFloats(shape(batch), x))).get("output_0")
                  .toFloats();
              worst = Math.max(worst, Reference.relativeL2(y, TrtEngineGpuTest.convChainReference(x, batch)));
            }
            return worst;
          }));
        }
        double e0 = errors.get(0).get(120, TimeUnit.SECONDS);
        double e1 = errors.get(1).get(120, TimeUnit.SECONDS);
        System.out.printf("GPU-RESULT two contexts of one engine (profiles 0 and 1) on two threads, 20 runs each: "
            + "worst relative L2 error %.2e and %.2e%n", e0, e1);
        assertTrue(e0 < 1e-4 && e1 < 1e-4, e0 + ", " + e1);
      } finally {
        pool.shutdownNow();
      }
    }
    // Closed contexts gave their profiles back.
    try (ExecutionContext again = engine.createContext(); ExecutionContext andAgain = engine.createContext()) {
      assertEquals(engine, again.engine());
    }
  }

  @Test
  void cudaGraphReplayGivesWhatThePlainEnqueueGives() {
    int batch = 4;
    float[] x = images(batch, 9);
    float[] expected = TrtEngineGpuTest.convChainReference(x, batch);
    try (DeviceStream stream = TrtEngineGpuTest.backend.newStream();
        ExecutionContext context = engine.createContext(stream, true);
        DeviceTensor in = TrtEngineGpuTest.backend.allocate(DataType.FLOAT, shape(batch))) {
      in.copyFromHost(TensorValue.ofFloats(shape(batch), x).buffer(), stream);
      Shape outShape = context.outputShape("output_0", Map.of("input_0", shape(batch)));
      try (DeviceTensor out = TrtEngineGpuTest.backend.allocate(DataType.FLOAT, outShape)) {
        List<float[]> outputs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          context.enqueue(Map.of("input_0", in, "output_0", out));
          stream.synchronize();
          ByteBuffer host = ByteBuffer.allocate(Math.toIntExact(out.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
          out.copyToHost(host, stream);
          outputs.add(TensorValue.ofBytes(DataType.FLOAT, outShape, host.array()).toFloats());
        }
        System.out.printf("GPU-RESULT CUDA graphs: 4 enqueues of the same tensors, %d ran as the graph "
            + "(3 expected: plain, captured and launched, launched, launched); relative L2 error of the last %.2e%n",
            context.cudaGraphLaunches(), Reference.relativeL2(outputs.get(3), expected));
        assertEquals(3, context.cudaGraphLaunches());
        for (int i = 1; i < 4; i++) {
          assertArrayEquals(outputs.get(0), outputs.get(i), "enqueue " + i + " equals the plain one");
        }
        assertTrue(Reference.relativeL2(outputs.get(0), expected) < 1e-4);
      }
      // The host path through the context's own buffers replays too, with new shapes captured anew.
      int other = 2;
      float[] x2 = images(other, 10);
      for (int i = 0; i < 3; i++) {
        float[] y = context.execute(Map.of("input_0", TensorValue.ofFloats(shape(other), x2))).get("output_0")
            .toFloats();
        assertTrue(Reference.relativeL2(y, TrtEngineGpuTest.convChainReference(x2, other)) < 1e-4, "run " + i);
      }
      System.out.println("GPU-RESULT CUDA graphs after 3 host-path runs at batch 2: " + context.cudaGraphLaunches()
          + " graph launches in all (5 expected: the new shapes run plainly once, then as a new graph)");
      assertEquals(5, context.cudaGraphLaunches());
    }
  }
}
