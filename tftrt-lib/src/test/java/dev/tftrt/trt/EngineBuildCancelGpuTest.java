package dev.tftrt.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.engine.EngineBuildCancelledException;
import dev.tftrt.engine.RequiredTensorRt;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 on the GPU: a ResNet-50 FP16 build at builder optimization level 3 (tens of seconds) is interrupted 3 s
 * into TensorRT's build, as a notebook interrupts a cell. The converter must end within a few seconds with the
 * segment cancelled; TensorRT 8.6 cannot be stopped, so the cancelled build finishes in the background and the
 * next build waits for it; then the GPU memory the build held must have come back and the next build must
 * succeed. Prints the phases seen as GPU-RESULT lines. The same for an INT8 conversion interrupted during
 * calibration, where TensorRT's build thread pulls batches through the native graph that the caller closes.
 */
@Tag("gpu")
class EngineBuildCancelGpuTest {
  private static final long MIB = 1 << 20;

  @Test
  void anInterruptedResNet50BuildStopsPromptlyFreesItsMemoryAndTheNextBuildWorks() throws Exception {
    TensorRtBackend backend = RequiredTensorRt.backend();
    Path resnet = GeneratedModels.resnet50();
    // A first small build loads the builder and TensorRT's kernel libraries, which stay: the baseline is after it.
    buildAndRunSmallCnn("warm-up");
    long baseline = backend.deviceMemoryInUse().orElseThrow();

    TrtGraphConverterV2 c = new TrtGraphConverterV2(resnet, TrtConversionParams.builder()
        .precisionMode(Precision.FP16).maxBatchSize(8).builderOptimizationLevel(3).build());
    c.convert();
    List<String> progress = new CopyOnWriteArrayList<>();
    List<Long> at = new CopyOnWriteArrayList<>();
    CountDownLatch building = new CountDownLatch(1);
    long t0 = System.nanoTime();
    c.withProgress(m -> {
      progress.add(m);
      at.add(System.nanoTime() - t0);
      // ResNet-50's big segment (a small one first would build before the 3 s are up).
      if (m.matches("building FP16 engine of \\d{3,} layers.*")) {
        building.countDown();
      }
    });
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
    Thread cell = new Thread(() -> {
      try (ConvertedModel m = c.build(null)) {
        thrown.set(null);
      } catch (Throwable t) {
        thrown.set(t);
      }
      interruptedAfter.set(Thread.currentThread().isInterrupted());
    }, "cell");
    cell.start();
    assertTrue(building.await(120, TimeUnit.SECONDS), "the TensorRT build never began: " + progress);
    Thread.sleep(3_000);
    long during = backend.deviceMemoryInUse().orElseThrow();
    String lastBefore = progress.get(progress.size() - 1);
    double returnedAfter = interruptAndWait(cell, "build()");

    // The next build takes the builder's lock, which the cancelled build holds until TensorRT has stopped.
    long next = System.nanoTime();
    buildAndRunSmallCnn("after the cancel");
    double nextBuildSeconds = (System.nanoTime() - next) / 1e9;
    long after = backend.deviceMemoryInUse().orElseThrow();

    StringBuilder phases = new StringBuilder();
    for (int i = 0; i < progress.size(); i++) {
      phases.append(String.format(Locale.ROOT, "%n  %6.1f s  %s", at.get(i) / 1e9, progress.get(i)));
    }
    System.out.println("GPU-RESULT resnet50 FP16 level 3 build, progress as the listener saw it:" + phases);
    System.out.printf(Locale.ROOT, "GPU-RESULT resnet50 build interrupted 3 s into TensorRT's build (last message "
        + "'%s'): build() returned %.2f s later with %s; interrupt status kept: %s; the next small-cnn build and "
        + "run took %.1f s; GPU memory in use: %d MiB before, %d MiB during the build, %d MiB after (growth %d MiB)%n",
        lastBefore, returnedAfter, thrown.get(), interruptedAfter.get(), nextBuildSeconds, baseline / MIB,
        during / MIB, after / MIB, (after - baseline) / MIB);

    assertTrue(thrown.get() instanceof EngineBuildCancelledException, String.valueOf(thrown.get()));
    String message = thrown.get().getMessage();
    assertTrue(message.contains("engine build cancelled during ") && message.contains("(the thread was interrupted)"),
        message);
    assertTrue(returnedAfter < 3, returnedAfter + " s");
    assertTrue(interruptedAfter.get());
    assertTrue(progress.stream().anyMatch(p -> p.startsWith("tactic selection")), progress.toString());
    // It waits for the cancelled build to end in the background.
    assertTrue(nextBuildSeconds < 600, nextBuildSeconds + " s");
    assertTrue(after - baseline < 256 * MIB, "GPU memory grew by " + (after - baseline) / MIB + " MiB");
  }

  @Test
  void anInt8ConversionInterruptedDuringCalibrationStopsDrawingBatchesAndTheNextBuildWorks() throws Exception {
    TensorRtBackend backend = RequiredTensorRt.backend();
    Path resnet = GeneratedModels.resnet50();
    buildAndRunSmallCnn("warm-up");
    long baseline = backend.deviceMemoryInUse().orElseThrow();

    int batches = 64;
    AtomicInteger drawn = new AtomicInteger();
    Iterable<Map<String, TensorValue>> calibration = () -> new Iterator<>() {
      private int i;

      @Override
      public boolean hasNext() {
        return i < batches;
      }

      @Override
      public Map<String, TensorValue> next() {
        drawn.incrementAndGet();
        Random random = new Random(i++);
        float[] images = new float[8 * 224 * 224 * 3];
        for (int k = 0; k < images.length; k++) {
          images[k] = random.nextFloat();
        }
        return Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(8, 224, 224, 3), images));
      }
    };
    TrtGraphConverterV2 c = new TrtGraphConverterV2(resnet, TrtConversionParams.builder()
        .precisionMode(Precision.INT8).maxBatchSize(8).builderOptimizationLevel(1).build());
    List<String> progress = new CopyOnWriteArrayList<>();
    CountDownLatch calibrating = new CountDownLatch(1);
    Pattern batch = Pattern.compile("calibration: batch (\\d+).*");
    c.withProgress(m -> {
      progress.add(m);
      Matcher k = batch.matcher(m);
      if (k.matches() && Integer.parseInt(k.group(1)) >= 3) {
        calibrating.countDown();
      }
    });
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread cell = new Thread(() -> {
      try {
        c.convert(calibration);
      } catch (Throwable t) {
        thrown.set(t);
      }
    }, "cell");
    cell.start();
    assertTrue(calibrating.await(300, TimeUnit.SECONDS), "calibration never reached batch 3: " + progress);
    String lastBefore = progress.get(progress.size() - 1);
    double returnedAfter = interruptAndWait(cell, "convert()");
    // TensorRT's build thread may still be inside one batch; after that it must ask for no more.
    Thread.sleep(2_000);
    int drawnSoonAfter = drawn.get();
    Thread.sleep(5_000);
    int drawnLater = drawn.get();

    long next = System.nanoTime();
    buildAndRunSmallCnn("after the cancelled calibration");
    double nextBuildSeconds = (System.nanoTime() - next) / 1e9;
    long after = backend.deviceMemoryInUse().orElseThrow();
    System.out.printf(Locale.ROOT, "GPU-RESULT resnet50 INT8 conversion interrupted during calibration (last message "
        + "'%s'): convert() returned %.2f s later with %s; batches drawn %d two seconds later, %d seven seconds "
        + "later (of %d: %d for the input check, %d for the one segment's calibration); the next small-cnn build and "
        + "run took %.1f s; GPU memory in use: %d MiB before, %d MiB after (growth %d MiB)%n", lastBefore,
        returnedAfter, thrown.get(), drawnSoonAfter, drawnLater, 2 * batches, batches, batches, nextBuildSeconds,
        baseline / MIB, after / MIB, (after - baseline) / MIB);

    assertTrue(thrown.get() instanceof EngineBuildCancelledException, String.valueOf(thrown.get()));
    assertTrue(returnedAfter < 3, returnedAfter + " s");
    assertEquals(drawnSoonAfter, drawnLater, "calibration went on drawing batches after the cancel");
    // ResNet-50 converts into one segment: the input check draws every batch, calibration the first few.
    assertTrue(drawnLater < 2 * batches, drawnLater + " batches drawn: calibration was not cut short");
    assertTrue(after - baseline < 256 * MIB, "GPU memory grew by " + (after - baseline) / MIB + " MiB");
  }

  /** Interrupts the cell's thread as a notebook's interrupt does; the seconds until {@code call} returned. */
  private static double interruptAndWait(Thread cell, String call) throws InterruptedException {
    long interrupt = System.nanoTime();
    cell.interrupt();
    cell.join(30_000);
    assertFalse(cell.isAlive(), call + " did not return 30 s after the interrupt");
    return (System.nanoTime() - interrupt) / 1e9;
  }

  private static void buildAndRunSmallCnn(String when) {
    TrtGraphConverterV2 small = new TrtGraphConverterV2(GeneratedModels.smallCnn(), TrtConversionParams.builder()
        .precisionMode(Precision.FP16).maxBatchSize(2).build());
    small.convert();
    try (ConvertedModel m = small.build(null)) {
      TensorValue out = m.run(Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(2, 32, 32, 3),
          new float[2 * 32 * 32 * 3]))).get(ModelZoo.OUTPUT_KEY);
      assertEquals(List.of(), m.fallbacks(), when);
      assertEquals(Shape.of(2, 10), out.shape(), when);
    }
  }
}
