package dev.tftrt.runtime;

/**
 * How often one segment ran in TensorFlow for one reason, with the latest detail (e.g. the shapes that did not
 * fit, or what TensorRT said).
 */
public record FallbackCount(String segment, FallbackReason reason, long count, String detail) {
  @Override
  public String toString() {
    return segment + ": " + count + " x " + reason + " (" + detail + ")";
  }
}
