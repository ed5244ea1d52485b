package dev.tftrt.bench;

/**
 * Where a benchmark is.
 *
 * @param target the target being measured
 * @param batchSize the batch size being measured
 * @param phase {@code warm-up}, {@code repeat 2/3}, {@code accuracy} or {@code done}
 * @param fraction of the target's whole run done, 0..1 (by iterations, or by time for timed phases)
 */
public record Progress(String target, int batchSize, String phase, double fraction) {

  /** {@code native TensorFlow, batch 32: repeat 2/3 (45%)}. */
  public String message() {
    return target + ", batch " + batchSize + ": " + phase + " (" + Math.round(fraction * 100) + "%)";
  }

  /** Receives progress; called on the benchmarking thread, so keep it quick. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = p -> { };

    void progress(Progress progress);
  }
}
