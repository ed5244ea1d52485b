package dev.tftrt.convert;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.TensorValue;
import java.util.List;

/**
 * What op converters emit layers into: a narrow image of TensorRT's {@code INetworkDefinition}. Layers that
 * work on images take NCHW tensors (channels at dimension 1), as TensorRT's do; converters handle TF's NHWC.
 * Every layer is named after the TF node it comes from so that engine layers map back to TF nodes.
 *
 * <p>Implemented by {@code dev.tftrt.trt} with TensorRT, and by {@link RecordingNetworkBuilder} for tests and
 * dry runs without a GPU.
 */
public interface NetworkBuilder {

  enum Activation { RELU, SIGMOID, TANH, LEAKY_RELU, ELU, SELU, SOFTPLUS, CLIP, HARD_SIGMOID }

  enum Pooling { MAX, AVERAGE }

  enum ElementWise { SUM, PROD, MAX, MIN, SUB, DIV, POW }

  enum Unary { EXP, LOG, SQRT, RECIP, ABS, NEG, FLOOR, CEIL }

  enum Reduce { SUM, PROD, MAX, MIN, AVG }

  enum Resize { NEAREST, LINEAR }

  /** A network input; {@code -1} dimensions are dynamic (covered by the optimization profile). */
  TrtTensor addInput(String name, DataType type, dev.tftrt.graph.Shape shape);

  void markOutput(TrtTensor tensor, String name);

  /** A constant tensor (weights); its shape is the value's. */
  TrtTensor constant(String name, TensorValue value);

  /**
   * 2-D convolution over an NCHW input. {@code kernel} is float KCRS ({@code [outC, inC/groups, kH, kW]});
   * {@code bias} is {@code [outC]} or null. Two-element arrays are {height, width}.
   */
  TrtTensor convolution(String name, TrtTensor input, int outputChannels, int[] kernelSize, TensorValue kernel,
      TensorValue bias, int[] stride, int[] prePadding, int[] postPadding, int[] dilation, int groups);

  /** Transposed convolution; {@code kernel} is CKRS ({@code [inC, outC/groups, kH, kW]}). */
  TrtTensor deconvolution(String name, TrtTensor input, int outputChannels, int[] kernelSize, TensorValue kernel,
      TensorValue bias, int[] stride, int[] prePadding, int[] postPadding, int groups);

  /** {@code alpha}/{@code beta} as TensorRT defines them per activation (CLIP: min, max; LEAKY_RELU: slope). */
  TrtTensor activation(String name, TrtTensor input, Activation kind, float alpha, float beta);

  TrtTensor pooling(String name, TrtTensor input, Pooling kind, int[] window, int[] stride, int[] prePadding,
      int[] postPadding, boolean averageCountExcludesPadding);

  /** Both inputs of equal rank; dimensions of size 1 broadcast. */
  TrtTensor elementwise(String name, TrtTensor a, TrtTensor b, ElementWise op);

  TrtTensor unary(String name, TrtTensor input, Unary op);

  /** Per-channel {@code (x * scale + shift) ^ power} over dimension 1; any of the three may be null. */
  TrtTensor scale(String name, TrtTensor input, TensorValue shift, TensorValue scale, TensorValue power);

  TrtTensor matrixMultiply(String name, TrtTensor a, boolean transposeA, TrtTensor b, boolean transposeB);

  /**
   * Transpose, reshape, transpose (TensorRT's shuffle); null skips a step. In {@code reshape}, 0 copies the
   * input dimension and -1 is inferred.
   */
  TrtTensor shuffle(String name, TrtTensor input, int[] firstTranspose, long[] reshape, int[] secondTranspose);

  TrtTensor concatenation(String name, List<TrtTensor> inputs, int axis);

  TrtTensor softmax(String name, TrtTensor input, int axis);

  TrtTensor reduce(String name, TrtTensor input, Reduce op, int[] axes, boolean keepDims);

  /** Zero padding of the last two dimensions. */
  TrtTensor padding(String name, TrtTensor input, int[] prePadding, int[] postPadding);

  TrtTensor slice(String name, TrtTensor input, long[] start, long[] size, long[] stride);

  /** Resize of the last two dimensions to {@code outputHW}. */
  TrtTensor resize(String name, TrtTensor input, Resize mode, long[] outputHW, boolean alignCorners,
      boolean halfPixelCenters);

  /** Identity, converting to {@code outputType} (TensorRT's cast). */
  TrtTensor identity(String name, TrtTensor input, DataType outputType);
}
