package dev.tftrt.convert;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;

/**
 * A tensor inside a network being built. Opaque: the TensorRT implementation wraps its native tensor behind
 * this, the recording implementation is a plain record. Dimension 0 is {@code -1} for a dynamic batch.
 */
public interface TrtTensor {
  String name();

  DataType type();

  Shape shape();
}
