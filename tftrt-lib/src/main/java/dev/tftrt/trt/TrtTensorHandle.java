package dev.tftrt.trt;

import dev.tftrt.convert.TrtTensor;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import org.bytedeco.tensorrt.nvinfer.ITensor;

/** A tensor of a TensorRT network; its shape and type are what TensorRT inferred. */
record TrtTensorHandle(ITensor tensor) implements TrtTensor {
  @Override
  public String name() {
    return tensor.getName();
  }

  @Override
  public DataType type() {
    return Cuda.fromTrt(tensor.getType());
  }

  @Override
  public Shape shape() {
    return Cuda.shape(tensor.getDimensions());
  }
}
