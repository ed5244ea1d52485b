package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.ConverterFixtures;
import dev.tftrt.ProcessMemory;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.ForwardingTensorRtBackend;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 8's soak on a CPU: 10,000 inferences of the small CNN through its engine path (engines of the recording
 * backend that compute in TensorFlow, device tensors, contexts) keep the heap and the native memory (resident
 * outside the Java heap) flat, and close() closes every engine and context the model opened. Prints the growth
 * as a RESULT line. The GPU version (CUDA memory) is dev.tftrt.trt.ConvertedModelSoakGpuTest.
 */
class ConvertedModelSoakTest {
  static final int INFERENCES = 10_000;

  /** Counts engines and execution contexts opened and not yet closed; wraps another backend. */
  private record Counting(TensorRtBackend delegate, AtomicInteger liveEngines, AtomicInteger liveContexts)
      implements ForwardingTensorRtBackend {
    @Override
    public Engine deserialize(byte[] plan) {
      return counted(Engine.class, delegate.deserialize(plan), liveEngines);
    }

    /** {@code target} seen through {@code type}, counted in {@code live} until its first close(). */
    private <T> T counted(Class<T> type, T target, AtomicInteger live) {
      live.incrementAndGet();
      AtomicBoolean closed = new AtomicBoolean();
      return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
        if (method.getName().equals("close") && !closed.getAndSet(true)) {
          live.decrementAndGet();
        }
        Object result;
        try {
          result = method.invoke(target, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
        return result instanceof ExecutionContext c ? counted(ExecutionContext.class, c, liveContexts) : result;
      }));
    }
  }

  static double mib(long bytes) {
    return bytes / (double) ProcessMemory.MIB;
  }

  static Map<String, TensorValue> batch(int n, Random r) {
    float[] v = new float[n * 32 * 32 * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat();
    }
    return Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(n, 32, 32, 3), v));
  }

  @Test
  void tenThousandInferencesKeepHeapAndNativeMemoryFlatAndCloseClosesEveryEngineAndContext() {
    Random r = new Random(8);
    List<Map<String, TensorValue>> batches = new ArrayList<>();
    for (int n = 1; n <= 4; n++) {
      batches.add(batch(n, r));
    }
    AtomicInteger liveEngines = new AtomicInteger();
    AtomicInteger liveContexts = new AtomicInteger();
    try (TensorFlowEngines engines = new TensorFlowEngines()) {
      ConvertedModel m = ConverterFixtures.converter(GeneratedModels.smallCnn(), TrtConversionParams.builder()
          .maxBatchSize(4).build(), ConverterFixtures.SMALL_CNN_OPS)
          .withBackend(new Counting(engines.backend(), liveEngines, liveContexts)).withNetworks(engines)
          .build(List.of(batches.get(3)));
      List<TensorValue> first = new ArrayList<>();
      for (Map<String, TensorValue> b : batches) {
        first.add(m.run(b).get(ModelZoo.OUTPUT_KEY));
      }
      long heapStart = ProcessMemory.usedHeapBytes();
      // Native memory is sampled with no collection since the warm-up: a collection resizes the committed heap,
      // which the resident set follows only slowly. A leak shows as growth over the second half.
      for (int i = 0; i < 500; i++) {
        m.run(batches.get(i % 4));
      }
      long nativeStart = ProcessMemory.nativeBytes();
      long nativeHalf = 0;
      for (int i = 0; i < INFERENCES; i++) {
        m.run(batches.get(i % 4));
        if (i == INFERENCES / 2 - 1) {
          nativeHalf = ProcessMemory.nativeBytes();
        }
      }
      long nativeEnd = ProcessMemory.nativeBytes();
      long heapEnd = ProcessMemory.usedHeapBytes();
      assertEquals(first.get(2), m.run(batches.get(2)).get(ModelZoo.OUTPUT_KEY), "the same input, the same output");
      assertEquals(List.of(), m.fallbacks(), "every inference ran on the engines");
      assertEquals(2, liveEngines.get(), "one engine per segment");
      assertTrue(liveContexts.get() >= 2, "contexts while open: " + liveContexts.get());
      int contextsOpen = liveContexts.get();
      m.close();
      System.out.printf(Locale.ROOT, "RESULT soak small-cnn on the CPU (recording engines): %d inferences; heap "
          + "growth %.1f MiB; native (resident outside the heap) %.0f MiB after warm-up, growth %.1f MiB over the "
          + "first half, %.1f MiB over the second; close() left %d of 2 engines and %d of %d contexts open%n",
          INFERENCES, mib(heapEnd - heapStart), mib(nativeStart), mib(nativeHalf - nativeStart),
          mib(nativeEnd - nativeHalf), liveEngines.get(), liveContexts.get(), contextsOpen);
      assertTrue(heapEnd - heapStart <= 16 * ProcessMemory.MIB, "heap grew by " + mib(heapEnd - heapStart) + " MiB");
      assertTrue(nativeEnd - nativeHalf <= 16 * ProcessMemory.MIB,
          "native memory grew by " + mib(nativeEnd - nativeHalf) + " MiB over the second half");
      assertEquals(0, liveEngines.get(), "close() closes every engine");
      assertEquals(0, liveContexts.get(), "close() closes every context");
    }
  }
}
