package dev.tftrt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BenchmarkTest {
  static final Path KWS = Path.of("src/test/resources/models/mlperf_tiny_kws_dscnn_tf2");
  static SavedModelTarget kws;

  @BeforeAll
  static void load() {
    kws = SavedModelTarget.load(KWS);
  }

  @AfterAll
  static void close() {
    kws.close();
  }

  @Test
  void measuresEveryBatchSizeAndRepeatOnTheRealKeywordSpottingModel() {
    List<Progress> events = new ArrayList<>();
    BenchmarkResult r = Benchmark.builder().batchSizes(1, 4).warmupIterations(2).iterations(5).repeats(2)
        .input(InputSource.random(7)).progress(events::add).build().run(kws);

    assertEquals("native TensorFlow", r.target());
    assertEquals("native", r.precision());
    assertEquals(List.of(1, 4), r.batches().stream().map(BenchmarkResult.BatchResult::batchSize).toList());
    for (BenchmarkResult.BatchResult b : r.batches()) {
      assertEquals(2, b.warmupIterations());
      assertEquals(2, b.repeats().size());
      for (BenchmarkResult.Repeat rep : b.repeats()) {
        assertEquals(5, rep.iterations());
        assertTrue(rep.seconds() > 0);
        assertEquals(b.batchSize() * 5 / rep.seconds(), rep.imagesPerSecond(), 1e-6 * rep.imagesPerSecond());
      }
      assertEquals(10, b.latency().count(), "latencies of both repeats are pooled");
      Statistics.Latency l = b.latency();
      assertTrue(l.minMs() > 0 && l.minMs() <= l.p50Ms() && l.p50Ms() <= l.p90Ms() && l.p90Ms() <= l.p99Ms()
          && l.p99Ms() <= l.maxMs(), l.toString());
      assertTrue(b.throughput().min() <= b.throughput().mean() && b.throughput().mean() <= b.throughput().max());
      assertNull(b.deviceLatency(), "TensorFlow on the CPU has no device timing");
    }
    assertFalse(events.isEmpty());
    for (int i = 1; i < events.size(); i++) {
      assertTrue(events.get(i).fraction() >= events.get(i - 1).fraction(), "progress never goes back");
    }
    Progress last = events.get(events.size() - 1);
    assertEquals("done", last.phase());
    assertEquals(1.0, last.fraction());
    assertTrue(events.stream().anyMatch(e -> e.phase().equals("warm-up") && e.batchSize() == 4));
  }

  /** The interrupt arrives while the first timed run is under way, as a notebook's interrupt would. */
  @Test
  void anInterruptEndsTheBenchmarkAfterTheCurrentRunAndSaysWhere() {
    Benchmark endless = Benchmark.builder().warmupIterations(2).iterations(Integer.MAX_VALUE).repeats(1)
        .progress(p -> {
          if (p.phase().startsWith("repeat")) {
            Thread.currentThread().interrupt();
          }
        }).build();
    try {
      CancellationException e = assertThrows(CancellationException.class, () -> endless.run(kws));
      assertEquals("the benchmark was interrupted: native TensorFlow, batch 1, repeat 1/1, after 1 run",
          e.getMessage());
      assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
    } finally {
      Thread.interrupted();
    }
    assertEquals(1, Benchmark.builder().warmupIterations(0).iterations(1).repeats(1).build().run(kws).batch(1)
        .repeats().get(0).iterations(), "the target runs again after the interrupt");
  }

  @Test
  void aTimedBudgetRunsAtLeastOnce() {
    BenchmarkResult r = Benchmark.builder().warmupDuration(Duration.ofMillis(1)).duration(Duration.ofMillis(30))
        .repeats(1).build().run(kws);
    BenchmarkResult.Repeat rep = r.batch(1).repeats().get(0);
    assertTrue(rep.iterations() >= 1);
    assertTrue(rep.seconds() >= 0.030, "a timed repeat lasts at least its duration: " + rep.seconds());
  }

  @Test
  void theNativeTargetComputesTheModelsOutputsForTheSeededInput() {
    Map<String, TensorInfo> inputs = kws.inputs();
    assertEquals(1, inputs.size());
    TensorInfo in = inputs.values().iterator().next();
    assertEquals(-1, in.shape().dim(0));
    Map<String, TensorValue> batch = InputSource.random(3).batch(inputs, 2);
    Map<String, TensorValue> out = kws.run(batch);
    assertEquals(1, out.size());
    float[] scores = out.values().iterator().next().toFloats();
    assertEquals(2 * 12, scores.length, "12 keyword classes per clip");
    assertEquals(List.copyOf(batch.values()), List.copyOf(InputSource.random(3).batch(inputs, 2).values()),
        "the same seed gives the same batch");
    assertFalse(batch.equals(InputSource.random(4).batch(inputs, 2)));
  }

  @Test
  void badBuilderValuesAreRefusedWithTheirReason() {
    assertTrue(assertThrows(TftrtException.class, () -> Benchmark.builder().batchSizes(1, 8, 1))
        .getMessage().contains("given twice"));
    assertTrue(assertThrows(TftrtException.class, () -> Benchmark.builder().batchSizes(0))
        .getMessage().contains(">= 1"));
    assertTrue(assertThrows(TftrtException.class, () -> Benchmark.builder().iterations(0))
        .getMessage().contains("> 0"));
    assertTrue(assertThrows(TftrtException.class, () -> Benchmark.builder().repeats(0))
        .getMessage().contains("repeats"));
  }

  @Test
  void aMissingModelDirectorySaysWhatItExpected() {
    TftrtException e = assertThrows(TftrtException.class, () -> SavedModelTarget.load(Path.of("no/such/dir")));
    assertTrue(e.getMessage().contains("saved_model.pb"), e.getMessage());
  }
}
