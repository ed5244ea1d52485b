package dev.tftrt;

import static dev.tftrt.ConverterFixtures.smallCnnBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.engine.EngineBuildCancelledException;
import dev.tftrt.engine.RecordingTensorRtBackend;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.runtime.TensorFlowEngines;
import dev.tftrt.zoo.GeneratedModels;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 8: an interrupt during an engine build (a notebook's interrupt of the cell) stops the conversion there,
 * as a cancel, not as a failed segment that falls back while the other segments go on building. The recording
 * backend's builds take time per layer and, like TensorRT's, ignore interrupts: only the build's monitor stops them.
 */
class TrtGraphConverterV2CancelTest {
  /** What one build() on its own thread did: the exception, the messages, and its interrupt status after. */
  private record Outcome(Throwable thrown, List<String> progress, boolean interruptedAfter, double secondsAfterInterrupt) {}

  private static Outcome buildAndInterrupt(TrtGraphConverterV2 converter, List<String> progress) throws Exception {
    CountDownLatch tacticsStarted = new CountDownLatch(1);
    converter.withProgress(m -> {
      progress.add(m);
      if (m.startsWith("tactic selection started")) {
        tacticsStarted.countDown();
      }
    });
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> interrupted = new AtomicReference<>();
    Thread cell = new Thread(() -> {
      try (ConvertedModel m = converter.build(List.of(smallCnnBatch(1, 1)))) {
        thrown.set(null);
      } catch (Throwable t) {
        thrown.set(t);
      }
      interrupted.set(Thread.currentThread().isInterrupted());
    }, "cell");
    cell.start();
    assertTrue(tacticsStarted.await(30, TimeUnit.SECONDS), "no build started: " + progress);
    long t0 = System.nanoTime();
    cell.interrupt();
    cell.join(10_000);
    assertFalse(cell.isAlive(), "build() did not return");
    return new Outcome(thrown.get(), progress, interrupted.get(), (System.nanoTime() - t0) / 1e9);
  }

  @Test
  void anInterruptedBuildStopsTheConversionAtThatSegmentAndBuildingAgainGoesOn() throws Exception {
    try (TensorFlowEngines engines = TensorFlowEngines.withConverters()) {
      RecordingTensorRtBackend slow = engines.backend().withBuildTime(Duration.ofMillis(150));
      TrtGraphConverterV2 c = ConverterFixtures.converter(GeneratedModels.smallCnn(), TrtConversionParams.defaults(),
          ConverterFixtures.SMALL_CNN_OPS).withBackend(slow).withNetworks(engines);
      List<String> progress = new CopyOnWriteArrayList<>();

      Outcome o = buildAndInterrupt(c, progress);

      assertTrue(o.thrown() instanceof EngineBuildCancelledException, String.valueOf(o.thrown()));
      String message = o.thrown().getMessage();
      assertTrue(message.startsWith("segment 'TRTEngineOp_000': engine build cancelled during tactic selection"),
          message);
      assertTrue(message.contains("(the thread was interrupted); no further engines were built (those built before"
          + " are kept: build again to go on)"), message);
      assertTrue(o.interruptedAfter(), "the interrupt status was cleared");
      assertTrue(o.secondsAfterInterrupt() < 1.5, o.secondsAfterInterrupt() + " s");
      assertEquals(0, slow.builds().size(), "a build completed: " + slow.builds());
      assertTrue(progress.stream().noneMatch(p -> p.startsWith("segment 2/2")), "went on to segment 2: " + progress);
      assertTrue(progress.stream().noneMatch(p -> p.contains("will run in TensorFlow")), progress.toString());

      // The next cell: building again builds both segments, and the model runs on its engines.
      List<String> again = new CopyOnWriteArrayList<>();
      c.withProgress(again::add);
      try (ConvertedModel m = c.build(List.of(smallCnnBatch(1, 1)))) {
        assertEquals(2, slow.builds().size(), again.toString());
        assertEquals(List.of(), m.fallbacks());
        assertEquals(10, m.run(smallCnnBatch(2, 3)).get(dev.tftrt.zoo.ModelZoo.OUTPUT_KEY).shape().dim(1));
      }
      assertTrue(again.stream().anyMatch(p -> p.matches("tactic selection \\d+/\\d+: .+")), again.toString());
    }
  }

  @Test
  void aProgressListenerCanCancelTheBuildWithoutAnInterrupt() {
    try (TensorFlowEngines engines = new TensorFlowEngines()) {
      RecordingTensorRtBackend slow = engines.backend().withBuildTime(Duration.ofMillis(200));
      List<String> progress = new CopyOnWriteArrayList<>();
      TrtGraphConverterV2 c = ConverterFixtures.converter(GeneratedModels.smallCnn(), TrtConversionParams.defaults(),
          ConverterFixtures.SMALL_CNN_OPS).withBackend(slow).withNetworks(engines)
          .withProgress(new dev.tftrt.engine.BuildListener() {
            @Override
            public void progress(String message) {
              progress.add(message);
            }

            @Override
            public boolean cancelRequested() {
              return progress.stream().anyMatch(p -> p.startsWith("tactic selection started"));
            }
          });

      EngineBuildCancelledException e = org.junit.jupiter.api.Assertions.assertThrows(
          EngineBuildCancelledException.class, () -> c.build(List.of(smallCnnBatch(1, 1))));
      assertTrue(e.getMessage().contains("(cancel requested)"), e.getMessage());
      assertFalse(Thread.currentThread().isInterrupted());
      assertEquals(0, slow.builds().size());
    }
  }
}
