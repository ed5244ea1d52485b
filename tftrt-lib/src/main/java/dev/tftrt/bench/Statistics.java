package dev.tftrt.bench;

import java.util.Arrays;

/** Summary statistics over samples, with percentiles by linear interpolation between order statistics. */
public final class Statistics {
  private Statistics() {}

  /**
   * The {@code p}-th percentile (0..100) of {@code sorted} (ascending), interpolating linearly between the
   * two nearest ranks: rank {@code p/100 * (n-1)}, as NumPy's default and R's type 7 do.
   */
  public static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    if (!(p >= 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile must be within 0..100, got " + p);
    }
    double rank = p / 100 * (sorted.length - 1);
    int below = (int) Math.floor(rank);
    int above = Math.min(below + 1, sorted.length - 1);
    double fraction = rank - below;
    return sorted[below] + fraction * (sorted[above] - sorted[below]);
  }

  public static double mean(double[] samples) {
    if (samples.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    double sum = 0;
    for (double s : samples) {
      sum += s;
    }
    return sum / samples.length;
  }

  /** Sample standard deviation (n - 1 in the denominator); 0 for a single sample. */
  public static double stddev(double[] samples) {
    if (samples.length < 2) {
      return 0;
    }
    double mean = mean(samples);
    double squares = 0;
    for (double s : samples) {
      squares += (s - mean) * (s - mean);
    }
    return Math.sqrt(squares / (samples.length - 1));
  }

  /**
   * Latencies of single runs, in milliseconds.
   *
   * @param count number of runs measured
   */
  public record Latency(int count, double meanMs, double p50Ms, double p90Ms, double p99Ms, double minMs,
      double maxMs, double stddevMs) {

    public static Latency ofMillis(double[] millis) {
      double[] sorted = millis.clone();
      Arrays.sort(sorted);
      return new Latency(sorted.length, mean(sorted), percentile(sorted, 50), percentile(sorted, 90),
          percentile(sorted, 99), sorted[0], sorted[sorted.length - 1], stddev(sorted));
    }
  }

  /** How a quantity (throughput) varied across repeated runs. */
  public record Spread(int repeats, double mean, double stddev, double min, double max) {

    public static Spread of(double[] values) {
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (double v : values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      return new Spread(values.length, Statistics.mean(values), Statistics.stddev(values), min, max);
    }

    /** Standard deviation relative to the mean, as a fraction. */
    public double relativeStddev() {
      return mean == 0 ? 0 : stddev / mean;
    }
  }
}
