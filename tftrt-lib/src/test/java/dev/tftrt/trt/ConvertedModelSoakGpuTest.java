package dev.tftrt.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.ProcessMemory;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.engine.TensorRtBackends;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.SizeTPointer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 10,000 inferences of a converted model: CUDA memory (the driver's free-memory query), the Java heap and the
 * process's native memory (resident outside the heap) stay flat, and closing the model gives back what its
 * engines and contexts took. Prints the growth as RESULT lines.
 */
@Tag("gpu")
class ConvertedModelSoakGpuTest {
  static final long MIB = 1 << 20;

  static long freeDeviceBytes() {
    try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
      Cuda.check(cudart.cudaMemGetInfo(free, total), "cudaMemGetInfo");
      return free.get();
    }
  }

  static long usedHeapBytes() {
    System.gc();
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  @Test
  void tenThousandInferencesKeepMemoryFlatAndCloseFreesTheEngines() {
    assertTrue(TensorRtBackends.system().availability().available());
    TrtGraphConverterV2 c = new TrtGraphConverterV2(GeneratedModels.smallCnn(), TrtConversionParams.builder()
        .precisionMode(Precision.FP16).maxBatchSize(8).build());
    c.convert();
    // The process's first build and run load TensorRT's and cuDNN's kernels onto the GPU (about 750 MiB on the
    // H200) for good: the baseline is after a first model was built, run and closed.
    try (ConvertedModel first = c.build(null)) {
      first.run(Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(1, 32, 32, 3), new float[32 * 32 * 3])));
    }
    long freeBeforeLoad = freeDeviceBytes();
    ConvertedModel m = c.build(null);
    Random r = new Random(1);
    Map<String, TensorValue>[] batches = new Map[8];
    for (int n = 1; n <= 8; n++) {
      float[] v = new float[n * 32 * 32 * 3];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextFloat();
      }
      batches[n - 1] = Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(n, 32, 32, 3), v));
    }
    long heapWarm = usedHeapBytes();
    // Native memory is sampled with no collection since the warm-up (a collection resizes the committed heap); a
    // leak shows as growth over the second half.
    for (int i = 0; i < 200; i++) {
      m.run(batches[i % 8]);
    }
    long freeWarm = freeDeviceBytes();
    long nativeWarm = ProcessMemory.nativeBytes();
    long nativeHalf = 0;
    long start = System.nanoTime();
    for (int i = 0; i < 10_000; i++) {
      m.run(batches[i % 8]);
      if (i == 4_999) {
        nativeHalf = ProcessMemory.nativeBytes();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long nativeAfter = ProcessMemory.nativeBytes();
    long freeAfter = freeDeviceBytes();
    long heapAfter = usedHeapBytes();
    assertEquals(List.of(), m.fallbacks());
    assertFalse(m.segments().isEmpty());
    m.close();
    long freeClosed = freeDeviceBytes();
    System.out.printf(Locale.ROOT, "RESULT soak small-cnn FP16: 10000 inferences in %.1f s; CUDA memory growth "
        + "%.1f MiB, heap growth %.1f MiB, native (resident outside the heap) growth %.1f MiB over the first 5000"
        + " and %.1f MiB over the second; after close() %.1f MiB of the model's %.1f MiB device memory not"
        + " returned%n", seconds, (freeWarm - freeAfter) / (double) MIB, (heapAfter - heapWarm) / (double) MIB,
        (nativeHalf - nativeWarm) / (double) MIB, (nativeAfter - nativeHalf) / (double) MIB,
        (freeBeforeLoad - freeClosed) / (double) MIB, (freeBeforeLoad - freeWarm) / (double) MIB);
    assertTrue(freeWarm - freeAfter <= 4 * MIB, "CUDA memory grew by " + (freeWarm - freeAfter) + " bytes");
    assertTrue(heapAfter - heapWarm <= 64 * MIB, "heap grew by " + (heapAfter - heapWarm) + " bytes");
    assertTrue(nativeAfter - nativeHalf <= 16 * MIB, "native memory grew by " + (nativeAfter - nativeHalf)
        + " bytes over the second 5000 inferences");
    assertTrue(freeBeforeLoad - freeClosed <= 16 * MIB, "close() left "
        + (freeBeforeLoad - freeClosed) + " bytes of device memory taken");
  }
}
