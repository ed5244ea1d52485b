package dev.tftrt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StatisticsTest {

  @Test
  void percentilesInterpolateBetweenRanksAsNumPyDoes() {
    // numpy.percentile([1..10], [0, 50, 90, 99, 100]) = [1, 5.5, 9.1, 9.91, 10]
    double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertEquals(1.0, Statistics.percentile(sorted, 0), 1e-12);
    assertEquals(5.5, Statistics.percentile(sorted, 50), 1e-12);
    assertEquals(9.1, Statistics.percentile(sorted, 90), 1e-12);
    assertEquals(9.91, Statistics.percentile(sorted, 99), 1e-12);
    assertEquals(10.0, Statistics.percentile(sorted, 100), 1e-12);
  }

  @Test
  void aSingleSampleIsEveryPercentile() {
    double[] one = {3.25};
    assertEquals(3.25, Statistics.percentile(one, 0));
    assertEquals(3.25, Statistics.percentile(one, 99));
  }

  @Test
  void latencySortsItsSamplesAndSummarizesThem() {
    // 100 samples 100, 99, ..., 1 in reverse order: p50 = 50.5, p90 = 90.1, p99 = 99.01
    double[] samples = new double[100];
    for (int i = 0; i < 100; i++) {
      samples[i] = 100 - i;
    }
    Statistics.Latency l = Statistics.Latency.ofMillis(samples);
    assertEquals(100, l.count());
    assertEquals(50.5, l.meanMs(), 1e-12);
    assertEquals(50.5, l.p50Ms(), 1e-12);
    assertEquals(90.1, l.p90Ms(), 1e-9);
    assertEquals(99.01, l.p99Ms(), 1e-9);
    assertEquals(1, l.minMs());
    assertEquals(100, l.maxMs());
    assertEquals(29.011491975882016, l.stddevMs(), 1e-9);
    assertEquals(100.0, samples[0], "the caller's array is left as it was");
  }

  @Test
  void spreadUsesTheSampleStandardDeviation() {
    Statistics.Spread s = Statistics.Spread.of(new double[] {2, 4, 4, 4, 5, 5, 7, 9});
    assertEquals(5.0, s.mean(), 1e-12);
    assertEquals(2.138089935299395, s.stddev(), 1e-12);
    assertEquals(2, s.min());
    assertEquals(9, s.max());
    assertEquals(8, s.repeats());
    assertEquals(0.427617987059879, s.relativeStddev(), 1e-12);
    assertEquals(0, Statistics.Spread.of(new double[] {7}).stddev());
  }

  @Test
  void refusesEmptySamplesAndPercentilesOutOfRange() {
    assertThrows(IllegalArgumentException.class, () -> Statistics.percentile(new double[0], 50));
    assertThrows(IllegalArgumentException.class, () -> Statistics.percentile(new double[] {1}, 101));
    assertThrows(IllegalArgumentException.class, () -> Statistics.percentile(new double[] {1}, Double.NaN));
  }
}
