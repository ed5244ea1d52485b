package dev.tftrt.bench;

import java.util.List;

/**
 * What {@link Benchmark#run} measured for one target.
 *
 * @param input how the batches were made
 * @param warmup the warm-up budget per batch size, as {@code 10 iterations} or {@code 2.0 s}
 * @param measure the timed budget per repeat
 */
public record BenchmarkResult(String target, String precision, String input, String warmup, String measure,
    List<BatchResult> batches) {

  public BenchmarkResult {
    batches = List.copyOf(batches);
  }

  public BatchResult batch(int batchSize) {
    return batches.stream().filter(b -> b.batchSize() == batchSize).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("batch " + batchSize + " was not measured; measured "
            + batches.stream().map(BatchResult::batchSize).toList()));
  }

  /**
   * One batch size.
   *
   * @param throughput images per second across repeats
   * @param latency host wall time of single runs, all repeats pooled
   * @param deviceLatency GPU time of single runs from CUDA events; null when the target has no device timing
   */
  public record BatchResult(int batchSize, int warmupIterations, List<Repeat> repeats,
      Statistics.Spread throughput, Statistics.Latency latency, Statistics.Latency deviceLatency) {

    public BatchResult {
      repeats = List.copyOf(repeats);
    }
  }

  /** One timed repeat: runs, wall seconds, and images per second. */
  public record Repeat(int iterations, double seconds, double imagesPerSecond) {}
}
