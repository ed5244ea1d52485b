package dev.tftrt.convert;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * A {@link NetworkBuilder} that records layers as plain records and computes each output's type and shape by
 * TensorRT's rules (explicit batch, {@code -1} for dimensions only known at run time). What TensorRT would refuse
 * (mismatched ranks or channels, weights of the wrong size, a repeated layer name) it refuses with an
 * {@link IllegalArgumentException} naming the layer. For tests and dry runs without a GPU.
 */
public final class RecordingNetworkBuilder implements NetworkBuilder {

  /** A tensor of the recorded network: a network input or a layer's output. */
  public record Tensor(String name, DataType type, Shape shape) implements TrtTensor {
    @Override
    public String toString() {
      return name + ":" + type.tfName() + shape;
    }
  }

  /**
   * One layer: its name (the TF node's), its kind as TensorRT calls it ({@code Convolution}, {@code Shuffle},
   * ...), the names of the tensors it reads, its parameters (arrays as lists, weights as {@link TensorValue})
   * and its output.
   */
  public record Layer(String name, String kind, List<String> inputs, Map<String, Object> params, Tensor output) {
    public Layer {
      inputs = List.copyOf(inputs);
      params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }
  }

  private final List<Tensor> inputs = new ArrayList<>();
  private final Map<String, Tensor> outputs = new LinkedHashMap<>();
  private final List<Layer> layers = new ArrayList<>();
  private final Set<String> layerNames = new HashSet<>();
  private final Map<Tensor, Boolean> owned = new IdentityHashMap<>();

  public RecordingNetworkBuilder() {}

  /** The layers in the order they were added. */
  public List<Layer> layers() {
    return Collections.unmodifiableList(layers);
  }

  /** The layer named {@code name}. */
  public Layer layer(String name) {
    return layers.stream().filter(l -> l.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no layer named '" + name + "'"));
  }

  /** The layers' kinds in order: what a test compares a conversion with. */
  public List<String> kinds() {
    return layers.stream().map(Layer::kind).toList();
  }

  public List<Tensor> inputs() {
    return Collections.unmodifiableList(inputs);
  }

  /** The marked outputs by name, in the order they were marked. */
  public Map<String, Tensor> outputs() {
    return Collections.unmodifiableMap(outputs);
  }

  // ---- bookkeeping ----

  private Tensor own(Tensor t) {
    owned.put(t, Boolean.TRUE);
    return t;
  }

  private Tensor in(TrtTensor t, String layer) {
    if (!(t instanceof Tensor r) || !owned.containsKey(r)) {
      throw new IllegalArgumentException("layer '" + layer + "' reads " + t + ", which is not a tensor of this network");
    }
    return r;
  }

  private Tensor add(String name, String kind, List<Tensor> reads, Map<String, Object> params, DataType type,
      Shape shape) {
    if (!layerNames.add(name)) {
      throw new IllegalArgumentException("repeated layer name '" + name + "': TensorRT needs distinct names");
    }
    Tensor out = own(new Tensor(name + ":0", type, shape));
    layers.add(new Layer(name, kind, reads.stream().map(Tensor::name).toList(), params, out));
    return out;
  }

  private static IllegalArgumentException refuse(String layer, String why) {
    return new IllegalArgumentException("TensorRT would refuse layer '" + layer + "': " + why);
  }

  private static Map<String, Object> params(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      Object v = keyValues[i + 1];
      if (v instanceof int[] a) {
        v = IntStream.of(a).boxed().toList();
      } else if (v instanceof long[] a) {
        v = LongStream.of(a).boxed().toList();
      }
      if (v != null) {
        m.put((String) keyValues[i], v);
      }
    }
    return m;
  }

  private static void requireFloat(String layer, Tensor t) {
    if (t.type() != DataType.FLOAT && t.type() != DataType.HALF) {
      throw refuse(layer, "it needs float32 or float16 input, got " + t.type().tfName());
    }
  }

  private static void requireRank(String layer, Tensor t, int min) {
    if (t.shape().rank() < min) {
      throw refuse(layer, "it needs an input of rank >= " + min + ", got " + t.shape());
    }
  }

  private static void requireLength(String layer, String what, int[] a, int n) {
    if (a == null || a.length != n) {
      throw refuse(layer, what + " needs " + n + " values, got " + (a == null ? "none" : Arrays.toString(a)));
    }
  }

  // ---- NetworkBuilder ----

  @Override
  public TrtTensor addInput(String name, DataType type, Shape shape) {
    if (!shape.hasRank()) {
      throw new IllegalArgumentException("TensorRT would refuse input '" + name + "': it needs a known rank");
    }
    if (inputs.stream().anyMatch(t -> t.name().equals(name))) {
      throw new IllegalArgumentException("TensorRT would refuse input '" + name + "': the name is taken");
    }
    Tensor t = own(new Tensor(name, type, shape));
    inputs.add(t);
    return t;
  }

  @Override
  public void markOutput(TrtTensor tensor, String name) {
    if (outputs.containsKey(name)) {
      throw new IllegalArgumentException("output '" + name + "' marked twice");
    }
    outputs.put(name, in(tensor, name));
  }

  /** TensorRT 8.6 has no 64-bit types: int64 weights become int32, float64 ones float32 (as the backend does). */
  @Override
  public TrtTensor constant(String name, TensorValue value) {
    DataType type = switch (value.dtype()) {
      case INT64 -> DataType.INT32;
      case DOUBLE -> DataType.FLOAT;
      case FLOAT, HALF, INT32, INT8, UINT8, BOOL -> value.dtype();
      default -> throw refuse(name, "TensorRT has no " + value.dtype().tfName() + " weights");
    };
    return add(name, "Constant", List.of(), params("value", value), type, value.shape());
  }

  @Override
  public TrtTensor convolution(String name, TrtTensor input, int outputChannels, int[] kernelSize,
      TensorValue kernel, TensorValue bias, int[] stride, int[] prePadding, int[] postPadding, int[] dilation,
      int groups) {
    Tensor x = in(input, name);
    requireFloat(name, x);
    long channels = imageChannels(name, x);
    requireWindow(name, kernelSize, stride, prePadding, postPadding);
    requireLength(name, "dilation", dilation, 2);
    if (groups < 1 || channels % groups != 0 || outputChannels % groups != 0) {
      throw refuse(name, groups + " groups do not divide " + channels + " input and " + outputChannels
          + " output channels");
    }
    long weights = (long) outputChannels * (channels / groups) * kernelSize[0] * kernelSize[1];
    requireWeights(name, "kernel", kernel, weights);
    requireWeights(name, "bias", bias, outputChannels);
    long[] out = x.shape().dims();
    out[1] = outputChannels;
    for (int i = 0; i < 2; i++) {
      long effective = (long) (kernelSize[i] - 1) * dilation[i] + 1;
      out[2 + i] = window(name, out[2 + i], effective, stride[i], prePadding[i], postPadding[i]);
    }
    return add(name, "Convolution", List.of(x), params("outputChannels", outputChannels, "kernelSize", kernelSize,
        "kernel", kernel, "bias", bias, "stride", stride, "prePadding", prePadding, "postPadding", postPadding,
        "dilation", dilation, "groups", groups), x.type(), Shape.of(out));
  }

  @Override
  public TrtTensor deconvolution(String name, TrtTensor input, int outputChannels, int[] kernelSize,
      TensorValue kernel, TensorValue bias, int[] stride, int[] prePadding, int[] postPadding, int groups) {
    Tensor x = in(input, name);
    requireFloat(name, x);
    long channels = imageChannels(name, x);
    requireWindow(name, kernelSize, stride, prePadding, postPadding);
    if (groups < 1 || channels % groups != 0 || outputChannels % groups != 0) {
      throw refuse(name, groups + " groups do not divide " + channels + " input and " + outputChannels
          + " output channels");
    }
    requireWeights(name, "kernel", kernel, channels * (outputChannels / groups) * kernelSize[0] * kernelSize[1]);
    requireWeights(name, "bias", bias, outputChannels);
    long[] out = x.shape().dims();
    out[1] = outputChannels;
    for (int i = 0; i < 2; i++) {
      out[2 + i] = out[2 + i] < 0 ? -1
          : (out[2 + i] - 1) * stride[i] + kernelSize[i] - prePadding[i] - postPadding[i];
    }
    return add(name, "Deconvolution", List.of(x), params("outputChannels", outputChannels, "kernelSize",
        kernelSize, "kernel", kernel, "bias", bias, "stride", stride, "prePadding", prePadding, "postPadding",
        postPadding, "groups", groups), x.type(), Shape.of(out));
  }

  /** Channels of an NCHW input, which TensorRT needs known when it builds. */
  private static long imageChannels(String layer, Tensor x) {
    if (x.shape().rank() != 4) {
      throw refuse(layer, "it needs an NCHW input of rank 4, got " + x.shape());
    }
    long channels = x.shape().dim(1);
    if (channels < 0) {
      throw refuse(layer, "the channel dimension (1) of " + x.shape() + " must be known when building");
    }
    return channels;
  }

  private static void requireWindow(String layer, int[] window, int[] stride, int[] pre, int[] post) {
    requireLength(layer, "window", window, 2);
    requireLength(layer, "stride", stride, 2);
    requireLength(layer, "pre-padding", pre, 2);
    requireLength(layer, "post-padding", post, 2);
    for (int i = 0; i < 2; i++) {
      if (window[i] < 1 || stride[i] < 1) {
        throw refuse(layer, "window " + Arrays.toString(window) + " and stride " + Arrays.toString(stride)
            + " must be positive");
      }
    }
  }

  private static void requireWeights(String layer, String what, TensorValue w, long count) {
    if (w == null) {
      if (what.equals("kernel")) {
        throw refuse(layer, "it needs kernel weights");
      }
      return;
    }
    if (w.numElements() != count) {
      throw refuse(layer, what + " has " + w.numElements() + " values, expected " + count);
    }
  }

  /** TensorRT's default output size (explicit padding, rounding down). */
  private static long window(String layer, long in, long effectiveWindow, long stride, long pre, long post) {
    if (in < 0) {
      return -1;
    }
    long padded = in + pre + post;
    if (padded < effectiveWindow) {
      throw refuse(layer, "window " + effectiveWindow + " is larger than the padded input " + padded);
    }
    return (padded - effectiveWindow) / stride + 1;
  }

  @Override
  public TrtTensor activation(String name, TrtTensor input, Activation kind, float alpha, float beta) {
    Tensor x = in(input, name);
    requireFloat(name, x);
    return add(name, "Activation", List.of(x), params("activation", kind, "alpha", alpha, "beta", beta), x.type(),
        x.shape());
  }

  @Override
  public TrtTensor pooling(String name, TrtTensor input, Pooling kind, int[] window, int[] stride,
      int[] prePadding, int[] postPadding, boolean averageCountExcludesPadding) {
    Tensor x = in(input, name);
    requireFloat(name, x);
    if (x.shape().rank() != 4) {
      throw refuse(name, "it needs an NCHW input of rank 4, got " + x.shape());
    }
    requireWindow(name, window, stride, prePadding, postPadding);
    long[] out = x.shape().dims();
    for (int i = 0; i < 2; i++) {
      out[2 + i] = window(name, out[2 + i], window[i], stride[i], prePadding[i], postPadding[i]);
    }
    return add(name, "Pooling", List.of(x), params("pooling", kind, "window", window, "stride", stride,
        "prePadding", prePadding, "postPadding", postPadding, "averageCountExcludesPadding",
        averageCountExcludesPadding), x.type(), Shape.of(out));
  }

  @Override
  public TrtTensor elementwise(String name, TrtTensor a, TrtTensor b, ElementWise op) {
    Tensor x = in(a, name);
    Tensor y = in(b, name);
    if (x.type() != y.type()) {
      throw refuse(name, "its inputs differ in type: " + x.type().tfName() + " and " + y.type().tfName());
    }
    if (x.shape().rank() != y.shape().rank()) {
      throw refuse(name, "its inputs differ in rank: " + x.shape() + " and " + y.shape());
    }
    return add(name, "ElementWise", List.of(x, y), params("operation", op), x.type(),
        broadcast(name, x.shape(), y.shape()));
  }

  /** Equal ranks; per dimension equal sizes or one of them 1; an unknown size broadcasts with 1 unknown. */
  private static Shape broadcast(String layer, Shape a, Shape b) {
    long[] out = new long[a.rank()];
    for (int i = 0; i < out.length; i++) {
      long x = a.dim(i);
      long y = b.dim(i);
      if (x == y || y == 1) {
        out[i] = x;
      } else if (x == 1) {
        out[i] = y;
      } else if (x < 0 || y < 0) {
        out[i] = Math.max(x, y);
      } else {
        throw refuse(layer, "shapes " + a + " and " + b + " do not broadcast in dimension " + i);
      }
    }
    return Shape.of(out);
  }

  @Override
  public TrtTensor unary(String name, TrtTensor input, Unary op) {
    Tensor x = in(input, name);
    requireFloat(name, x);
    return add(name, "Unary", List.of(x), params("operation", op), x.type(), x.shape());
  }

  @Override
  public TrtTensor scale(String name, TrtTensor input, TensorValue shift, TensorValue scale, TensorValue power) {
    Tensor x = in(input, name);
    requireFloat(name, x);
    requireRank(name, x, 4);
    long count = shift != null ? shift.numElements() : scale != null ? scale.numElements()
        : power != null ? power.numElements() : 1;
    long channels = x.shape().dim(1);
    if (count != 1 && count != channels) {
      throw refuse(name, count + " per-channel values for " + (channels < 0 ? "an unknown number of" : channels)
          + " channels (dimension 1 of " + x.shape() + ")");
    }
    for (TensorValue v : Arrays.asList(shift, scale, power)) {
      if (v != null && v.numElements() != count) {
        throw refuse(name, "shift, scale and power differ in size");
      }
    }
    return add(name, "Scale", List.of(x), params("shift", shift, "scale", scale, "power", power), x.type(),
        x.shape());
  }

  @Override
  public TrtTensor matrixMultiply(String name, TrtTensor a, boolean transposeA, TrtTensor b, boolean transposeB) {
    Tensor x = in(a, name);
    Tensor y = in(b, name);
    requireFloat(name, x);
    if (x.type() != y.type()) {
      throw refuse(name, "its inputs differ in type: " + x.type().tfName() + " and " + y.type().tfName());
    }
    int rank = x.shape().rank();
    if (rank < 2 || y.shape().rank() != rank) {
      throw refuse(name, "it needs two inputs of equal rank >= 2, got " + x.shape() + " and " + y.shape());
    }
    long m = x.shape().dim(transposeA ? rank - 1 : rank - 2);
    long k1 = x.shape().dim(transposeA ? rank - 2 : rank - 1);
    long k2 = y.shape().dim(transposeB ? rank - 1 : rank - 2);
    long n = y.shape().dim(transposeB ? rank - 2 : rank - 1);
    if (k1 >= 0 && k2 >= 0 && k1 != k2) {
      throw refuse(name, "inner dimensions differ: " + x.shape() + (transposeA ? "^T" : "") + " times "
          + y.shape() + (transposeB ? "^T" : ""));
    }
    long[] batch = broadcast(name, Shape.of(Arrays.copyOf(x.shape().dims(), rank - 2)),
        Shape.of(Arrays.copyOf(y.shape().dims(), rank - 2))).dims();
    long[] out = Arrays.copyOf(batch, rank);
    out[rank - 2] = m;
    out[rank - 1] = n;
    return add(name, "MatrixMultiply", List.of(x, y), params("transposeA", transposeA, "transposeB", transposeB),
        x.type(), Shape.of(out));
  }

  @Override
  public TrtTensor shuffle(String name, TrtTensor input, int[] firstTranspose, long[] reshape,
      int[] secondTranspose) {
    Tensor x = in(input, name);
    long[] dims = permute(name, x.shape().dims(), firstTranspose);
    if (reshape != null) {
      dims = reshape(name, dims, reshape);
    }
    dims = permute(name, dims, secondTranspose);
    return add(name, "Shuffle", List.of(x), params("firstTranspose", firstTranspose, "reshape", reshape,
        "secondTranspose", secondTranspose), x.type(), Shape.of(dims));
  }

  private static long[] permute(String layer, long[] dims, int[] order) {
    if (order == null) {
      return dims;
    }
    boolean isPermutation = order.length == dims.length && IntStream.of(order).sorted().boxed().toList()
        .equals(IntStream.range(0, dims.length).boxed().toList());
    if (!isPermutation) {
      throw refuse(layer, Arrays.toString(order) + " is not a permutation of " + dims.length + " dimensions");
    }
    long[] out = new long[dims.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = dims[order[i]];
    }
    return out;
  }

  /**
   * 0 copies the input dimension, -1 is what remains: known when every unknown input dimension is copied by a 0
   * (they cancel, as in TensorRT's symbolic shapes), unknown otherwise.
   */
  private static long[] reshape(String layer, long[] in, long[] target) {
    long[] out = target.clone();
    boolean[] copied = new boolean[in.length];
    int inferred = -1;
    for (int i = 0; i < out.length; i++) {
      if (out[i] == 0) {
        if (i >= in.length) {
          throw refuse(layer, "reshape dimension " + i + " copies a dimension the input does not have");
        }
        out[i] = in[i];
        copied[i] = true;
      } else if (out[i] == -1) {
        if (inferred >= 0) {
          throw refuse(layer, "reshape " + Arrays.toString(target) + " has more than one -1");
        }
        inferred = i;
      } else if (out[i] < -1) {
        throw refuse(layer, "reshape " + Arrays.toString(target) + " has a negative size");
      }
    }
    // Volumes without the copied dimensions, which are the same on both sides.
    long inVolume = 1;
    long outVolume = 1;
    boolean known = true;
    for (int i = 0; i < in.length; i++) {
      if (!copied[i]) {
        known &= in[i] >= 0;
        inVolume *= Math.max(in[i], 0);
      }
    }
    for (int i = 0; i < out.length; i++) {
      if (i != inferred && !(i < copied.length && copied[i])) {
        known &= out[i] >= 0;
        outVolume *= Math.max(out[i], 0);
      }
    }
    if (known && inferred >= 0) {
      if (outVolume == 0 || inVolume % outVolume != 0) {
        throw refuse(layer, "cannot reshape " + Shape.of(in) + " to " + Arrays.toString(target));
      }
      out[inferred] = inVolume / outVolume;
    } else if (known && inVolume != outVolume) {
      throw refuse(layer, "cannot reshape " + Shape.of(in) + " to " + Shape.of(out));
    }
    return out;
  }

  @Override
  public TrtTensor concatenation(String name, List<TrtTensor> parts, int axis) {
    if (parts.isEmpty()) {
      throw refuse(name, "it needs at least one input");
    }
    List<Tensor> xs = parts.stream().map(t -> in(t, name)).toList();
    Tensor first = xs.get(0);
    int rank = first.shape().rank();
    if (axis < 0 || axis >= rank) {
      throw refuse(name, "axis " + axis + " is outside rank " + rank);
    }
    long[] out = first.shape().dims();
    for (Tensor t : xs.subList(1, xs.size())) {
      if (t.type() != first.type() || t.shape().rank() != rank) {
        throw refuse(name, "inputs " + first + " and " + t + " differ in type or rank");
      }
      for (int d = 0; d < rank; d++) {
        long v = t.shape().dim(d);
        if (d == axis) {
          out[d] = out[d] < 0 || v < 0 ? -1 : out[d] + v;
        } else if (out[d] >= 0 && v >= 0 && out[d] != v) {
          throw refuse(name, "inputs " + first + " and " + t + " differ outside axis " + axis);
        } else if (out[d] < 0) {
          out[d] = v;
        }
      }
    }
    return add(name, "Concatenation", xs, params("axis", axis), first.type(), Shape.of(out));
  }

  @Override
  public TrtTensor softmax(String name, TrtTensor input, int axis) {
    Tensor x = in(input, name);
    requireFloat(name, x);
    if (axis < 0 || axis >= x.shape().rank()) {
      throw refuse(name, "axis " + axis + " is outside rank " + x.shape().rank());
    }
    return add(name, "SoftMax", List.of(x), params("axis", axis), x.type(), x.shape());
  }

  @Override
  public TrtTensor reduce(String name, TrtTensor input, Reduce op, int[] axes, boolean keepDims) {
    Tensor x = in(input, name);
    int rank = x.shape().rank();
    boolean[] reduced = new boolean[rank];
    for (int a : axes) {
      if (a < 0 || a >= rank) {
        throw refuse(name, "axis " + a + " is outside rank " + rank);
      }
      reduced[a] = true;
    }
    List<Long> out = new ArrayList<>();
    for (int d = 0; d < rank; d++) {
      if (!reduced[d]) {
        out.add(x.shape().dim(d));
      } else if (keepDims) {
        out.add(1L);
      }
    }
    return add(name, "Reduce", List.of(x), params("operation", op, "axes", axes, "keepDims", keepDims), x.type(),
        Shape.of(out.stream().mapToLong(Long::longValue).toArray()));
  }

  @Override
  public TrtTensor padding(String name, TrtTensor input, int[] prePadding, int[] postPadding) {
    Tensor x = in(input, name);
    requireRank(name, x, 4);
    requireLength(name, "pre-padding", prePadding, 2);
    requireLength(name, "post-padding", postPadding, 2);
    long[] out = x.shape().dims();
    int rank = out.length;
    for (int i = 0; i < 2; i++) {
      int d = rank - 2 + i;
      out[d] = out[d] < 0 ? -1 : out[d] + prePadding[i] + postPadding[i];
      if (out[d] == 0 || out[d] < -1) {
        throw refuse(name, "padding leaves dimension " + d + " of " + x.shape() + " empty");
      }
    }
    return add(name, "Padding", List.of(x), params("prePadding", prePadding, "postPadding", postPadding), x.type(),
        Shape.of(out));
  }

  /** A size of -1 takes the rest of the dimension ({@code ceil((dim - start) / stride)}). */
  @Override
  public TrtTensor slice(String name, TrtTensor input, long[] start, long[] size, long[] stride) {
    Tensor x = in(input, name);
    int rank = x.shape().rank();
    if (start.length != rank || size.length != rank || stride.length != rank) {
      throw refuse(name, "start, size and stride need " + rank + " values each");
    }
    long[] out = new long[rank];
    for (int d = 0; d < rank; d++) {
      long dim = x.shape().dim(d);
      if (stride[d] < 1 || start[d] < 0 || (dim >= 0 && start[d] >= dim && size[d] != 0)) {
        throw refuse(name, "slice start " + start[d] + " stride " + stride[d] + " of dimension " + d + " of "
            + x.shape());
      }
      out[d] = size[d] >= 0 ? size[d] : dim < 0 ? -1 : (dim - start[d] + stride[d] - 1) / stride[d];
      if (dim >= 0 && size[d] > 0 && start[d] + (size[d] - 1) * stride[d] >= dim) {
        throw refuse(name, "slice of dimension " + d + " of " + x.shape() + " runs past its end");
      }
    }
    return add(name, "Slice", List.of(x), params("start", start, "size", size, "stride", stride), x.type(),
        Shape.of(out));
  }

  @Override
  public TrtTensor resize(String name, TrtTensor input, Resize mode, long[] outputHW, boolean alignCorners,
      boolean halfPixelCenters) {
    Tensor x = in(input, name);
    requireRank(name, x, 3);
    if (outputHW.length != 2 || outputHW[0] < 1 || outputHW[1] < 1) {
      throw refuse(name, "output size " + Arrays.toString(outputHW) + " needs two positive values");
    }
    long[] out = x.shape().dims();
    out[out.length - 2] = outputHW[0];
    out[out.length - 1] = outputHW[1];
    return add(name, "Resize", List.of(x), params("mode", mode, "outputHW", outputHW, "alignCorners", alignCorners,
        "halfPixelCenters", halfPixelCenters), x.type(), Shape.of(out));
  }

  @Override
  public TrtTensor identity(String name, TrtTensor input, DataType outputType) {
    Tensor x = in(input, name);
    return add(name, "Identity", List.of(x), params("outputType", outputType), outputType, x.shape());
  }
}
