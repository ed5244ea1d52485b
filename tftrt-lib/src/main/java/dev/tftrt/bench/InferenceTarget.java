package dev.tftrt.bench;

import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import java.util.Map;

/**
 * A model the benchmark can time: native TensorFlow, a converted model at some precision, a bare engine.
 * Inputs are prepared once ({@link #prepare}) so that the timed loop measures inference, not the copying of
 * Java arrays into the target's own tensors.
 */
public interface InferenceTarget extends AutoCloseable {

  /** What the table and charts call it, e.g. {@code native TensorFlow} or {@code TF-TRT FP16}. */
  String name();

  /** {@code native} for TensorFlow itself, else the TensorRT precision ({@code FP32}, {@code FP16}, {@code INT8}). */
  String precision();

  /** The inputs a batch must hold, by name; dimension 0 is the batch and may be -1. */
  Map<String, TensorInfo> inputs();

  /** Takes one batch (one value per input of {@link #inputs()}, same batch size) into the target's own form. */
  PreparedRun prepare(Map<String, TensorValue> batch);

  /** One untimed run: prepares, runs once and returns the outputs. */
  default Map<String, TensorValue> run(Map<String, TensorValue> batch) {
    try (PreparedRun run = prepare(batch)) {
      run.run();
      return run.outputs();
    }
  }

  @Override
  void close();
}
