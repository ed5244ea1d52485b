package dev.tftrt.convert.ops;

import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.List;

/**
 * TEMPORARY stand-in for h3a's RecordingNetworkBuilder (not landed yet): records layers and infers shapes for
 * the layers this package's converters emit. Deleted once the real one lands.
 */
final class StandInRecordingBuilder implements NetworkBuilder {
  record Tensor(String name, DataType type, Shape shape) implements TrtTensor {}

  record Layer(String name, String kind) {}

  private final List<Layer> layers = new ArrayList<>();

  List<Layer> layers() {
    return layers;
  }

  private TrtTensor add(String name, String kind, DataType type, long[] dims) {
    layers.add(new Layer(name, kind));
    return new Tensor(name, type, Shape.of(dims));
  }

  @Override
  public TrtTensor addInput(String name, DataType type, Shape shape) {
    return new Tensor(name, type, shape);
  }

  @Override
  public void markOutput(TrtTensor tensor, String name) {}

  @Override
  public TrtTensor constant(String name, TensorValue value) {
    return add(name, "Constant", value.dtype(), value.shape().dims());
  }

  @Override
  public TrtTensor convolution(String name, TrtTensor input, int outputChannels, int[] kernelSize, TensorValue kernel,
      TensorValue bias, int[] stride, int[] prePadding, int[] postPadding, int[] dilation, int groups) {
    throw new UnsupportedOperationException();
  }

  @Override
  public TrtTensor deconvolution(String name, TrtTensor input, int outputChannels, int[] kernelSize,
      TensorValue kernel, TensorValue bias, int[] stride, int[] prePadding, int[] postPadding, int groups) {
    throw new UnsupportedOperationException();
  }

  @Override
  public TrtTensor activation(String name, TrtTensor input, Activation kind, float alpha, float beta) {
    return add(name, "Activation", input.type(), input.shape().dims());
  }

  @Override
  public TrtTensor pooling(String name, TrtTensor input, Pooling kind, int[] window, int[] stride, int[] prePadding,
      int[] postPadding, boolean averageCountExcludesPadding) {
    throw new UnsupportedOperationException();
  }

  @Override
  public TrtTensor elementwise(String name, TrtTensor a, TrtTensor b, ElementWise op) {
    long[] x = a.shape().dims();
    long[] y = b.shape().dims();
    if (x.length != y.length) {
      throw new IllegalArgumentException("ranks differ");
    }
    long[] out = new long[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] == 1 ? y[i] : x[i];
    }
    return add(name, "ElementWise", a.type(), out);
  }

  @Override
  public TrtTensor unary(String name, TrtTensor input, Unary op) {
    return add(name, "Unary", input.type(), input.shape().dims());
  }

  @Override
  public TrtTensor scale(String name, TrtTensor input, TensorValue shift, TensorValue scale, TensorValue power) {
    throw new UnsupportedOperationException();
  }

  @Override
  public TrtTensor matrixMultiply(String name, TrtTensor a, boolean transposeA, TrtTensor b, boolean transposeB) {
    long[] x = a.shape().dims();
    long[] y = b.shape().dims();
    int r = x.length;
    if (y.length != r) {
      throw new IllegalArgumentException("ranks differ: " + a.shape() + " " + b.shape());
    }
    long k1 = transposeA ? x[r - 2] : x[r - 1];
    long k2 = transposeB ? y[r - 1] : y[r - 2];
    if (k1 >= 0 && k2 >= 0 && k1 != k2) {
      throw new IllegalArgumentException("contracting dimensions differ: " + a.shape() + " " + b.shape());
    }
    long[] out = new long[r];
    for (int i = 0; i < r - 2; i++) {
      out[i] = x[i] == 1 ? y[i] : x[i];
    }
    out[r - 2] = transposeA ? x[r - 1] : x[r - 2];
    out[r - 1] = transposeB ? y[r - 2] : y[r - 1];
    return add(name, "MatrixMultiply", a.type(), out);
  }

  @Override
  public TrtTensor shuffle(String name, TrtTensor input, int[] firstTranspose, long[] reshape,
      int[] secondTranspose) {
    long[] d = permuted(input.shape().dims(), firstTranspose);
    if (reshape != null) {
      long[] r = reshape.clone();
      long known = 1;
      int inferred = -1;
      for (int i = 0; i < r.length; i++) {
        if (r[i] == 0) {
          r[i] = d[i];
        }
        if (r[i] == -1) {
          inferred = i;
        } else {
          known *= r[i];
        }
      }
      if (inferred >= 0) {
        long total = 1;
        for (long x : d) {
          total *= x;
        }
        r[inferred] = total < 0 || known < 0 ? -1 : total / known;
      }
      d = r;
    }
    return add(name, "Shuffle", input.type(), permuted(d, secondTranspose));
  }

  private static long[] permuted(long[] d, int[] perm) {
    if (perm == null) {
      return d;
    }
    long[] out = new long[d.length];
    for (int i = 0; i < d.length; i++) {
      out[i] = d[perm[i]];
    }
    return out;
  }

  @Override
  public TrtTensor concatenation(String name, List<TrtTensor> inputs, int axis) {
    long[] out = inputs.get(0).shape().dims();
    for (int i = 1; i < inputs.size(); i++) {
      out[axis] += inputs.get(i).shape().dim(axis);
    }
    return add(name, "Concatenation", inputs.get(0).type(), out);
  }

  @Override
  public TrtTensor softmax(String name, TrtTensor input, int axis) {
    return add(name, "SoftMax", input.type(), input.shape().dims());
  }

  @Override
  public TrtTensor reduce(String name, TrtTensor input, Reduce op, int[] axes, boolean keepDims) {
    long[] d = input.shape().dims();
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < d.length; i++) {
      final int dim = i;
      boolean reduced = java.util.Arrays.stream(axes).anyMatch(a -> a == dim);
      if (!reduced) {
        out.add(d[i]);
      } else if (keepDims) {
        out.add(1L);
      }
    }
    return add(name, "Reduce", input.type(), out.stream().mapToLong(Long::longValue).toArray());
  }

  @Override
  public TrtTensor padding(String name, TrtTensor input, int[] prePadding, int[] postPadding) {
    long[] d = input.shape().dims();
    d[d.length - 2] += prePadding[0] + postPadding[0];
    d[d.length - 1] += prePadding[1] + postPadding[1];
    return add(name, "Padding", input.type(), d);
  }

  @Override
  public TrtTensor slice(String name, TrtTensor input, long[] start, long[] size, long[] stride) {
    long[] d = input.shape().dims();
    long[] out = size.clone();
    for (int i = 0; i < out.length; i++) {
      if (out[i] < 0) {
        out[i] = d[i] < 0 ? -1 : (d[i] - start[i] + stride[i] - 1) / stride[i];
      }
    }
    return add(name, "Slice", input.type(), out);
  }

  @Override
  public TrtTensor resize(String name, TrtTensor input, Resize mode, long[] outputHW, boolean alignCorners,
      boolean halfPixelCenters) {
    long[] d = input.shape().dims();
    d[d.length - 2] = outputHW[0];
    d[d.length - 1] = outputHW[1];
    return add(name, "Resize", input.type(), d);
  }

  @Override
  public TrtTensor identity(String name, TrtTensor input, DataType outputType) {
    return add(name, "Identity", outputType, input.shape().dims());
  }
}
