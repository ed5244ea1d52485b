package dev.tftrt.engine;

import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.Map;
import java.util.Optional;

/**
 * Batches that INT8 calibration runs through the network, one tensor per network input. TensorRT asks for
 * batches until {@link #next()} is empty. Every batch of an input has the shape {@link #batchShapes()} gives
 * (the calibration profile); the source pads or drops a last partial batch.
 */
public interface CalibrationSource {

  /** The shape of every batch, per network input name. */
  Map<String, Shape> batchShapes();

  /** Number of batches, for progress; -1 when unknown. */
  default int batchCount() {
    return -1;
  }

  /** The next batch (float32 values per network input), or empty when done. */
  Optional<Map<String, TensorValue>> next();
}
