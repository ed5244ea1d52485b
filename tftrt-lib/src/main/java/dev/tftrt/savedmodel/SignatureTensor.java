package dev.tftrt.savedmodel;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;

/** One input or output of a signature: its key in the signature, the graph tensor, its dtype and shape. */
public record SignatureTensor(String key, TensorRef tensor, DataType dtype, Shape shape) {
  @Override
  public String toString() {
    return key + " (" + tensor + "): " + dtype.tfName() + shape;
  }
}
