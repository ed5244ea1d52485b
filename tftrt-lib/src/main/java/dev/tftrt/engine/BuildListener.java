package dev.tftrt.engine;

/** Receives progress while an engine builds ("calibrating: batch 3/16", TensorRT's own info messages). */
@FunctionalInterface
public interface BuildListener {
  BuildListener NONE = message -> { };

  void progress(String message);
}
