package dev.tftrt.engine;

import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link RecordingTensorRtBackend}'s network: passes every call to a plain {@link NetworkBuilder} (which
 * infers shapes) and records layer names and kinds, inputs and outputs.
 */
final class RecordingNetwork implements NetworkDefinition {
  /** A layer as recorded: its name (the TF node's) and which builder method made it. */
  record Layer(String name, String kind) {}

  private final NetworkBuilder delegate;
  private final List<TrtTensor> inputs = new ArrayList<>();
  private final List<TrtTensor> outputs = new ArrayList<>();
  private final List<String> outputNames = new ArrayList<>();
  private final List<Layer> layers = new ArrayList<>();
  private boolean closed;

  RecordingNetwork(NetworkBuilder delegate) {
    this.delegate = delegate;
  }

  List<TrtTensor> inputs() {
    return inputs;
  }

  List<TrtTensor> outputs() {
    return outputs;
  }

  List<Layer> layers() {
    return layers;
  }

  boolean isClosed() {
    return closed;
  }

  private TrtTensor layer(String name, String kind, TrtTensor out) {
    if (closed) {
      throw new IllegalStateException("network is closed");
    }
    layers.add(new Layer(name, kind));
    return out;
  }

  @Override
  public List<String> inputNames() {
    return inputs.stream().map(TrtTensor::name).toList();
  }

  @Override
  public List<String> outputNames() {
    return List.copyOf(outputNames);
  }

  @Override
  public int layerCount() {
    return layers.size();
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public TrtTensor addInput(String name, DataType type, Shape shape) {
    TrtTensor t = delegate.addInput(name, type, shape);
    inputs.add(t);
    return t;
  }

  @Override
  public void markOutput(TrtTensor tensor, String name) {
    delegate.markOutput(tensor, name);
    outputs.add(tensor);
    outputNames.add(name);
  }

  @Override
  public TrtTensor constant(String name, TensorValue value) {
    return layer(name, "Constant", delegate.constant(name, value));
  }

  @Override
  public TrtTensor convolution(String name, TrtTensor input, int outputChannels, int[] kernelSize,
      TensorValue kernel, TensorValue bias, int[] stride, int[] prePadding, int[] postPadding, int[] dilation,
      int groups) {
    return layer(name, "Convolution", delegate.convolution(name, input, outputChannels, kernelSize, kernel, bias,
        stride, prePadding, postPadding, dilation, groups));
  }

  @Override
  public TrtTensor deconvolution(String name, TrtTensor input, int outputChannels, int[] kernelSize,
      TensorValue kernel, TensorValue bias, int[] stride, int[] prePadding, int[] postPadding, int groups) {
    return layer(name, "Deconvolution", delegate.deconvolution(name, input, outputChannels, kernelSize, kernel,
        bias, stride, prePadding, postPadding, groups));
  }

  @Override
  public TrtTensor activation(String name, TrtTensor input, Activation kind, float alpha, float beta) {
    return layer(name, "Activation", delegate.activation(name, input, kind, alpha, beta));
  }

  @Override
  public TrtTensor pooling(String name, TrtTensor input, Pooling kind, int[] window, int[] stride,
      int[] prePadding, int[] postPadding, boolean averageCountExcludesPadding) {
    return layer(name, "Pooling", delegate.pooling(name, input, kind, window, stride, prePadding, postPadding,
        averageCountExcludesPadding));
  }

  @Override
  public TrtTensor elementwise(String name, TrtTensor a, TrtTensor b, ElementWise op) {
    return layer(name, "ElementWise", delegate.elementwise(name, a, b, op));
  }

  @Override
  public TrtTensor unary(String name, TrtTensor input, Unary op) {
    return layer(name, "Unary", delegate.unary(name, input, op));
  }

  @Override
  public TrtTensor scale(String name, TrtTensor input, TensorValue shift, TensorValue scale, TensorValue power) {
    return layer(name, "Scale", delegate.scale(name, input, shift, scale, power));
  }

  @Override
  public TrtTensor matrixMultiply(String name, TrtTensor a, boolean transposeA, TrtTensor b,
      boolean transposeB) {
    return layer(name, "MatrixMultiply", delegate.matrixMultiply(name, a, transposeA, b, transposeB));
  }

  @Override
  public TrtTensor shuffle(String name, TrtTensor input, int[] firstTranspose, long[] reshape,
      int[] secondTranspose) {
    return layer(name, "Shuffle", delegate.shuffle(name, input, firstTranspose, reshape, secondTranspose));
  }

  @Override
  public TrtTensor concatenation(String name, List<TrtTensor> inputs, int axis) {
    return layer(name, "Concatenation", delegate.concatenation(name, inputs, axis));
  }

  @Override
  public TrtTensor softmax(String name, TrtTensor input, int axis) {
    return layer(name, "SoftMax", delegate.softmax(name, input, axis));
  }

  @Override
  public TrtTensor reduce(String name, TrtTensor input, Reduce op, int[] axes, boolean keepDims) {
    return layer(name, "Reduce", delegate.reduce(name, input, op, axes, keepDims));
  }

  @Override
  public TrtTensor padding(String name, TrtTensor input, int[] prePadding, int[] postPadding) {
    return layer(name, "Padding", delegate.padding(name, input, prePadding, postPadding));
  }

  @Override
  public TrtTensor slice(String name, TrtTensor input, long[] start, long[] size, long[] stride) {
    return layer(name, "Slice", delegate.slice(name, input, start, size, stride));
  }

  @Override
  public TrtTensor resize(String name, TrtTensor input, Resize mode, long[] outputHW, boolean alignCorners,
      boolean halfPixelCenters) {
    return layer(name, "Resize", delegate.resize(name, input, mode, outputHW, alignCorners, halfPixelCenters));
  }

  @Override
  public TrtTensor identity(String name, TrtTensor input, DataType outputType) {
    return layer(name, "Identity", delegate.identity(name, input, outputType));
  }
}
