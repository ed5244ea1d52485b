package dev.tftrt.graph;

/** What is statically known of a tensor: its element type and shape. */
public record TensorInfo(DataType dtype, Shape shape) {
  @Override
  public String toString() {
    return dtype.tfName() + shape;
  }
}
