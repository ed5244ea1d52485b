package dev.tftrt.convert;

import dev.tftrt.convert.NetworkBuilder.Activation;
import dev.tftrt.convert.NetworkBuilder.ElementWise;
import dev.tftrt.convert.NetworkBuilder.Pooling;
import dev.tftrt.convert.NetworkBuilder.Reduce;
import dev.tftrt.convert.NetworkBuilder.Resize;
import dev.tftrt.convert.NetworkBuilder.Unary;
import dev.tftrt.convert.RecordingNetworkBuilder.Layer;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Half;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Runs a network recorded by {@link RecordingNetworkBuilder} on the CPU in plain Java: every layer as TensorRT 8.6
 * documents it (NCHW images, explicit padding, shuffle = transpose, reshape, transpose, ...) and as the TensorRT
 * backend configures it ({@code dev.tftrt.trt.TrtNetwork}: per-channel scale over dimension 1, nearest resize
 * rounding down). It follows TensorRT, not the converters, so that a converter's wrong assumption shows up as a
 * difference from TensorFlow without a GPU.
 *
 * <p>Values are held as doubles and rounded to the tensor's type after every layer (float32, float16 or int32),
 * so int32 tensors stay exact and float ones carry float32 rounding as TensorRT's FP32 kernels do.
 */
public final class RecordedNetworkEvaluator {

  /** A tensor's runtime value: its type, its dimensions (all known) and its elements in row-major order. */
  private record Value(DataType type, long[] dims, double[] data) {
    int size() {
      return data.length;
    }
  }

  private RecordedNetworkEvaluator() {}

  /**
   * An FP16 engine's rounding, emulated: the float layers whose outputs are held in half precision (TensorRT runs
   * a layer in FP32 where it finds no faster FP16 kernel or is told to), and whether those layers' weights are
   * rounded to half too, as TensorRT converts them for FP16 kernels. Products are still summed in double.
   */
  public record HalfPrecision(Predicate<Layer> layers, boolean weights) {
    /** Every layer as recorded: FP32 engines. */
    public static final HalfPrecision NONE = new HalfPrecision(l -> false, false);
  }

  /** {@link #run(RecordingNetworkBuilder, Map, HalfPrecision)} with every layer as recorded. */
  public static Map<String, TensorValue> run(RecordingNetworkBuilder network, Map<String, TensorValue> inputs) {
    return run(network, inputs, HalfPrecision.NONE);
  }

  /**
   * The network's marked outputs, by name, computed from {@code inputs} (a value for every network input, by
   * name, its known dimensions as recorded). Every recorded dimension that is known must match the computed one.
   */
  public static Map<String, TensorValue> run(RecordingNetworkBuilder network, Map<String, TensorValue> inputs,
      HalfPrecision half) {
    Map<String, Value> values = new HashMap<>();
    for (RecordingNetworkBuilder.Tensor in : network.inputs()) {
      TensorValue v = inputs.get(in.name());
      if (v == null) {
        throw new IllegalArgumentException("no value for network input " + in + " (TensorRT binds every input)");
      }
      requireShape(in.name(), in.shape(), v.shape().dims());
      values.put(in.name(), rounded(in.type(), v.shape().dims(), read(v)));
    }
    for (Layer layer : network.layers()) {
      List<Value> reads = layer.inputs().stream().map(values::get).toList();
      boolean inHalf = half.layers().test(layer) && layer.output().type() == DataType.FLOAT;
      Value out;
      try {
        out = evaluate(inHalf && half.weights() ? withHalfWeights(layer) : layer, reads);
      } catch (RuntimeException e) {
        throw new IllegalStateException("evaluating layer '" + layer.name() + "' (" + layer.kind() + "): "
            + e.getMessage(), e);
      }
      requireShape(layer.name(), layer.output().shape(), out.dims());
      Value kept = rounded(layer.output().type(), out.dims(), out.data());
      if (inHalf) { // still a float tensor to the layers that read it, holding half values
        kept = new Value(kept.type(), kept.dims(), rounded(DataType.HALF, kept.dims(), kept.data()).data());
      }
      values.put(layer.output().name(), kept);
    }
    Map<String, TensorValue> outputs = new LinkedHashMap<>();
    network.outputs().forEach((name, t) -> outputs.put(name, toTensorValue(values.get(t.name()))));
    return outputs;
  }

  /** The layer with every float weight (kernel, bias, scale, constant) rounded to half precision. */
  private static Layer withHalfWeights(Layer l) {
    Map<String, Object> params = new LinkedHashMap<>(l.params());
    params.replaceAll((key, v) -> {
      if (!(v instanceof TensorValue) || ((TensorValue) v).dtype() != DataType.FLOAT) {
        return v;
      }
      float[] f = ((TensorValue) v).toFloats();
      for (int i = 0; i < f.length; i++) {
        f[i] = Half.toFloat(Half.fromFloat(f[i]));
      }
      return TensorValue.ofFloats(((TensorValue) v).shape(), f);
    });
    return new Layer(l.name(), l.kind(), l.inputs(), params, l.output());
  }

  private static void requireShape(String what, Shape recorded, long[] actual) {
    boolean matches = recorded.rank() == actual.length;
    for (int i = 0; matches && i < actual.length; i++) {
      matches = recorded.dim(i) < 0 || recorded.dim(i) == actual[i];
    }
    if (!matches) {
      throw new IllegalStateException(what + " was recorded with shape " + recorded + " but is "
          + Shape.of(actual) + " at run time");
    }
  }

  private static double[] read(TensorValue v) {
    if (v.dtype() == DataType.INT32 || v.dtype() == DataType.INT64 || v.dtype() == DataType.BOOL
        || v.dtype() == DataType.INT8 || v.dtype() == DataType.UINT8) {
      return Arrays.stream(v.toLongs()).asDoubleStream().toArray();
    }
    float[] f = v.toFloats();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  /** The elements as {@code type} holds them: float32 or float16 rounding, int32 truncation and wrap-around. */
  private static Value rounded(DataType type, long[] dims, double[] data) {
    double[] out = new double[data.length];
    for (int i = 0; i < data.length; i++) {
      double v = data[i];
      out[i] = switch (type) {
        case FLOAT -> (float) v;
        case HALF -> Half.toFloat(Half.fromFloat((float) v));
        case INT32 -> (int) (long) v;
        case INT8 -> (byte) (long) v;
        case UINT8 -> ((long) v) & 0xff;
        case BOOL -> v != 0 ? 1 : 0;
        default -> throw new IllegalStateException("no TensorRT tensors of type " + type.tfName());
      };
    }
    return new Value(type, dims.clone(), out);
  }

  private static TensorValue toTensorValue(Value v) {
    Shape shape = Shape.of(v.dims());
    int n = v.size();
    switch (v.type()) {
      case FLOAT: {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
          f[i] = (float) v.data()[i];
        }
        return TensorValue.ofFloats(shape, f);
      }
      case INT32:
        return TensorValue.ofInts(shape, Arrays.stream(v.data()).mapToInt(d -> (int) d).toArray());
      case HALF: {
        ByteBuffer b = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v.data()) {
          b.putShort(Half.fromFloat((float) d));
        }
        return TensorValue.ofBytes(DataType.HALF, shape, b.array());
      }
      default: {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
          bytes[i] = (byte) v.data()[i];
        }
        return TensorValue.ofBytes(v.type(), shape, bytes);
      }
    }
  }

  // ---- parameters as RecordingNetworkBuilder records them (arrays as lists of numbers) ----

  private static int[] ints(Layer l, String key) {
    Object v = l.params().get(key);
    return v == null ? null : ((List<?>) v).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
  }

  private static long[] longs(Layer l, String key) {
    Object v = l.params().get(key);
    return v == null ? null : ((List<?>) v).stream().mapToLong(o -> ((Number) o).longValue()).toArray();
  }

  private static int integer(Layer l, String key) {
    return ((Number) l.params().get(key)).intValue();
  }

  private static boolean flag(Layer l, String key) {
    return (Boolean) l.params().get(key);
  }

  private static double[] weights(Layer l, String key) {
    TensorValue v = (TensorValue) l.params().get(key);
    return v == null ? null : read(v);
  }

  // ---- layers ----

  private static Value evaluate(Layer l, List<Value> in) {
    switch (l.kind()) {
      case "Constant": {
        TensorValue v = (TensorValue) l.params().get("value");
        return new Value(l.output().type(), v.shape().dims(), read(v));
      }
      case "Convolution":
        return FilterLayer.of(l, in.get(0)).convolution(ints(l, "dilation"));
      case "Deconvolution":
        return FilterLayer.of(l, in.get(0)).deconvolution();
      case "Activation":
        return activation(l, in.get(0));
      case "Pooling":
        return pooling(l, in.get(0));
      case "ElementWise":
        return elementwise((ElementWise) l.params().get("operation"), in.get(0), in.get(1));
      case "Unary":
        return unary((Unary) l.params().get("operation"), in.get(0));
      case "Scale":
        return scale(in.get(0), weights(l, "shift"), weights(l, "scale"), weights(l, "power"));
      case "MatrixMultiply":
        return matrixMultiply(in.get(0), flag(l, "transposeA"), in.get(1), flag(l, "transposeB"));
      case "Shuffle":
        return shuffle(in.get(0), ints(l, "firstTranspose"), longs(l, "reshape"), ints(l, "secondTranspose"));
      case "Concatenation":
        return concatenation(in, integer(l, "axis"));
      case "SoftMax":
        return softmax(in.get(0), integer(l, "axis"));
      case "Reduce":
        return reduce(in.get(0), (Reduce) l.params().get("operation"), ints(l, "axes"), flag(l, "keepDims"));
      case "Padding":
        return padding(in.get(0), ints(l, "prePadding"), ints(l, "postPadding"));
      case "Slice":
        return slice(in.get(0), longs(l, "start"), longs(l, "size"), longs(l, "stride"));
      case "Resize":
        return resize(in.get(0), (Resize) l.params().get("mode"), longs(l, "outputHW"), flag(l, "alignCorners"),
            flag(l, "halfPixelCenters"));
      case "Identity": // a cast too: run rounds to the new type (int32 truncating toward zero)
        return new Value((DataType) l.params().get("outputType"), in.get(0).dims(), in.get(0).data());
      default:
        throw new IllegalStateException("no evaluation for layer kind " + l.kind());
    }
  }

  /** Row-major strides of {@code dims}. */
  private static long[] strides(long[] dims) {
    long[] s = new long[dims.length];
    long step = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = step;
      step *= dims[i];
    }
    return s;
  }

  private static int volume(long[] dims) {
    long v = 1;
    for (long d : dims) {
      v *= d;
    }
    return Math.toIntExact(v);
  }

  /**
   * For each element of a tensor of {@code dims} in row-major order, the index {@code offset + sum(i_d *
   * strides[d])}: the source of a transpose, slice or broadcast, or the target of a reduction.
   */
  private static int[] stridedIndices(long[] dims, long[] strides, long offset) {
    int n = volume(dims);
    int[] out = new int[n];
    int rank = dims.length;
    long[] counter = new long[rank];
    long index = offset;
    for (int i = 0; i < n; i++) {
      out[i] = Math.toIntExact(index);
      for (int d = rank - 1; d >= 0; d--) {
        counter[d]++;
        index += strides[d];
        if (counter[d] < dims[d]) {
          break;
        }
        index -= strides[d] * counter[d];
        counter[d] = 0;
      }
    }
    return out;
  }

  private static double[] gather(double[] data, int[] indices) {
    double[] out = new double[indices.length];
    for (int i = 0; i < indices.length; i++) {
      out[i] = data[indices[i]];
    }
    return out;
  }

  /**
   * A convolution or deconvolution layer's recorded parameters with its NCHW input {@code in} ({@code n} images of
   * {@code c} channels, {@code h} by {@code w}); {@code k} output channels, kernel {@code window}, padding
   * {@code pre} and {@code post}.
   */
  private record FilterLayer(Value in, int n, int c, int h, int w, int k, int[] window, int[] stride, int[] pre,
      int[] post, int groups, double[] kernel, double[] bias) {
    static FilterLayer of(Layer l, Value in) {
      return new FilterLayer(in, (int) in.dims()[0], (int) in.dims()[1], (int) in.dims()[2], (int) in.dims()[3],
          integer(l, "outputChannels"), ints(l, "kernelSize"), ints(l, "stride"), ints(l, "prePadding"),
          ints(l, "postPadding"), integer(l, "groups"), weights(l, "kernel"), weights(l, "bias"));
    }

    /**
     * TensorRT's convolution: {@code out[n][k][y][x] = bias[k] + sum over the group's channels c and the kernel
     * (r, s) of in[n][c][y*strideH - preH + r*dilationH][x*strideW - preW + s*dilationW] * kernel[k][c][r][s]},
     * positions outside the input reading zero. Computed as a product of the kernel with the gathered input
     * patches, whose inner loop runs over contiguous output positions.
     */
    Value convolution(int[] dilation) {
      int oh = (h + pre[0] + post[0] - ((window[0] - 1) * dilation[0] + 1)) / stride[0] + 1;
      int ow = (w + pre[1] + post[1] - ((window[1] - 1) * dilation[1] + 1)) / stride[1] + 1;
      int cg = c / groups;
      int kg = k / groups;
      int positions = oh * ow;
      int patch = cg * window[0] * window[1];
      double[] y = new double[n * k * positions];
      double[] patches = new double[patch * positions];
      for (int b = 0; b < n; b++) {
        for (int g = 0; g < groups; g++) {
          // patches[(ci, r, s)][(oy, ox)]: the input element each kernel weight meets at each output position.
          for (int ci = 0; ci < cg; ci++) {
            int inBase = (b * c + g * cg + ci) * h * w;
            for (int r = 0; r < window[0]; r++) {
              for (int s = 0; s < window[1]; s++) {
                int row = ((ci * window[0] + r) * window[1] + s) * positions;
                for (int oy = 0; oy < oh; oy++) {
                  int iy = oy * stride[0] - pre[0] + r * dilation[0];
                  for (int ox = 0; ox < ow; ox++) {
                    int ix = ox * stride[1] - pre[1] + s * dilation[1];
                    patches[row + oy * ow + ox] = iy >= 0 && iy < h && ix >= 0 && ix < w
                        ? in.data()[inBase + iy * w + ix] : 0;
                  }
                }
              }
            }
          }
          for (int ko = 0; ko < kg; ko++) {
            int o = g * kg + ko;
            int outBase = (b * k + o) * positions;
            if (bias != null) {
              Arrays.fill(y, outBase, outBase + positions, bias[o]);
            }
            for (int q = 0; q < patch; q++) {
              double weight = kernel[o * patch + q];
              int row = q * positions;
              for (int p = 0; p < positions; p++) {
                y[outBase + p] += weight * patches[row + p];
              }
            }
          }
        }
      }
      return new Value(in.type(), new long[] {n, k, oh, ow}, y);
    }

    /**
     * TensorRT's deconvolution (transposed convolution): each input element {@code in[n][c][y][x]} adds
     * {@code in * kernel[c][k][r][s]} (kernel CKRS, k within c's group) to output position
     * {@code (y*strideH + r - preH, x*strideW + s - preW)}; the output is {@code (in - 1) * stride + kernel - pre -
     * post} per spatial dimension.
     */
    Value deconvolution() {
      int oh = (h - 1) * stride[0] + window[0] - pre[0] - post[0];
      int ow = (w - 1) * stride[1] + window[1] - pre[1] - post[1];
      int cg = c / groups;
      int kg = k / groups;
      double[] y = new double[n * k * oh * ow];
      for (int b = 0; b < n; b++) {
        for (int ci = 0; ci < c; ci++) {
          int g = ci / cg;
          for (int ko = 0; ko < kg; ko++) {
            int o = g * kg + ko;
            for (int iy = 0; iy < h; iy++) {
              for (int ix = 0; ix < w; ix++) {
                double v = in.data()[((b * c + ci) * h + iy) * w + ix];
                for (int r = 0; r < window[0]; r++) {
                  int oy = iy * stride[0] + r - pre[0];
                  if (oy < 0 || oy >= oh) {
                    continue;
                  }
                  for (int s = 0; s < window[1]; s++) {
                    int ox = ix * stride[1] + s - pre[1];
                    if (ox >= 0 && ox < ow) {
                      y[((b * k + o) * oh + oy) * ow + ox] +=
                          v * kernel[((ci * kg + ko) * window[0] + r) * window[1] + s];
                    }
                  }
                }
              }
            }
          }
        }
        if (bias != null) {
          for (int o = 0; o < k; o++) {
            int base = (b * k + o) * oh * ow;
            for (int i = 0; i < oh * ow; i++) {
              y[base + i] += bias[o];
            }
          }
        }
      }
      return new Value(in.type(), new long[] {n, k, oh, ow}, y);
    }
  }

  /** TensorRT's activations with its meanings of alpha and beta. */
  private static Value activation(Layer l, Value in) {
    Activation kind = (Activation) l.params().get("activation");
    double alpha = ((Number) l.params().get("alpha")).doubleValue();
    double beta = ((Number) l.params().get("beta")).doubleValue();
    double[] out = new double[in.size()];
    for (int i = 0; i < out.length; i++) {
      double x = in.data()[i];
      out[i] = switch (kind) {
        case RELU -> Math.max(x, 0);
        case SIGMOID -> 1 / (1 + Math.exp(-x));
        case TANH -> Math.tanh(x);
        case LEAKY_RELU -> x >= 0 ? x : alpha * x;
        case ELU -> x >= 0 ? x : alpha * (Math.exp(x) - 1);
        case SELU -> x >= 0 ? beta * x : beta * alpha * (Math.exp(x) - 1);
        case SOFTPLUS -> alpha * Math.log(Math.exp(beta * x) + 1);
        case CLIP -> Math.max(alpha, Math.min(beta, x));
        case HARD_SIGMOID -> Math.max(0, Math.min(1, alpha * x + beta));
      };
    }
    return new Value(in.type(), in.dims(), out);
  }

  /**
   * Max or average over each window of the explicitly padded input; padding never wins a max, and an average
   * divides by the whole window unless {@code averageCountExcludesPadding}, then by the positions inside the input.
   */
  private static Value pooling(Layer l, Value in) {
    boolean max = l.params().get("pooling") == Pooling.MAX;
    int[] window = ints(l, "window");
    int[] stride = ints(l, "stride");
    int[] pre = ints(l, "prePadding");
    int[] post = ints(l, "postPadding");
    boolean excludePadding = flag(l, "averageCountExcludesPadding");
    int planes = (int) (in.dims()[0] * in.dims()[1]);
    int h = (int) in.dims()[2];
    int w = (int) in.dims()[3];
    int oh = (h + pre[0] + post[0] - window[0]) / stride[0] + 1;
    int ow = (w + pre[1] + post[1] - window[1]) / stride[1] + 1;
    double[] out = new double[planes * oh * ow];
    for (int p = 0; p < planes; p++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double acc = max ? Double.NEGATIVE_INFINITY : 0;
          int inside = 0;
          for (int r = 0; r < window[0]; r++) {
            int iy = oy * stride[0] - pre[0] + r;
            for (int s = 0; s < window[1]; s++) {
              int ix = ox * stride[1] - pre[1] + s;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                continue;
              }
              double v = in.data()[(p * h + iy) * w + ix];
              acc = max ? Math.max(acc, v) : acc + v;
              inside++;
            }
          }
          out[(p * oh + oy) * ow + ox] = max ? acc : acc / (excludePadding ? inside : window[0] * window[1]);
        }
      }
    }
    return new Value(in.type(), new long[] {in.dims()[0], in.dims()[1], oh, ow}, out);
  }

  /** Equal ranks; a dimension of size 1 broadcasts. Integer division truncates toward zero. */
  private static Value elementwise(ElementWise op, Value a, Value b) {
    int rank = a.dims().length;
    long[] dims = new long[rank];
    for (int d = 0; d < rank; d++) {
      long x = a.dims()[d];
      long y = b.dims()[d];
      if (x != y && x != 1 && y != 1) {
        throw new IllegalStateException(Arrays.toString(a.dims()) + " and " + Arrays.toString(b.dims())
            + " do not broadcast");
      }
      dims[d] = x == 1 ? y : x;
    }
    double[] x = gather(a.data(), stridedIndices(dims, broadcastStrides(a.dims()), 0));
    double[] y = gather(b.data(), stridedIndices(dims, broadcastStrides(b.dims()), 0));
    boolean integer = a.type() == DataType.INT32;
    double[] out = new double[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = switch (op) {
        case SUM -> x[i] + y[i];
        case PROD -> x[i] * y[i];
        case MAX -> Math.max(x[i], y[i]);
        case MIN -> Math.min(x[i], y[i]);
        case SUB -> x[i] - y[i];
        case DIV -> integer ? (double) ((long) x[i] / (long) y[i]) : x[i] / y[i];
        case POW -> Math.pow(x[i], y[i]);
      };
    }
    return new Value(a.type(), dims, out);
  }

  /** Row-major strides with 0 for dimensions of size 1, which then repeat along a broadcast dimension. */
  private static long[] broadcastStrides(long[] dims) {
    long[] s = strides(dims);
    for (int d = 0; d < dims.length; d++) {
      if (dims[d] == 1) {
        s[d] = 0;
      }
    }
    return s;
  }

  private static Value unary(Unary op, Value in) {
    double[] out = new double[in.size()];
    for (int i = 0; i < out.length; i++) {
      double x = in.data()[i];
      out[i] = switch (op) {
        case EXP -> Math.exp(x);
        case LOG -> Math.log(x);
        case SQRT -> Math.sqrt(x);
        case RECIP -> 1 / x;
        case ABS -> Math.abs(x);
        case NEG -> -x;
        case FLOOR -> Math.floor(x);
        case CEIL -> Math.ceil(x);
      };
    }
    return new Value(in.type(), in.dims(), out);
  }

  /**
   * {@code (x * scale + shift) ^ power}, each per channel (dimension 1) or, with one value, uniform; a missing
   * one is the identity (scale 1, shift 0, power 1).
   */
  private static Value scale(Value in, double[] shift, double[] scale, double[] power) {
    long[] dims = in.dims();
    int channels = (int) dims[1];
    int inner = volume(Arrays.copyOfRange(dims, 2, dims.length));
    double[] out = new double[in.size()];
    for (int i = 0; i < out.length; i++) {
      int c = (i / inner) % channels;
      double v = in.data()[i];
      if (scale != null) {
        v *= scale[scale.length == 1 ? 0 : c];
      }
      if (shift != null) {
        v += shift[shift.length == 1 ? 0 : c];
      }
      if (power != null) {
        v = Math.pow(v, power[power.length == 1 ? 0 : c]);
      }
      out[i] = v;
    }
    return new Value(in.type(), dims, out);
  }

  /** A product of the last two dimensions (each optionally transposed); the leading ones broadcast as batches. */
  private static Value matrixMultiply(Value a, boolean transposeA, Value b, boolean transposeB) {
    int rank = a.dims().length;
    long[] aBatch = Arrays.copyOf(a.dims(), rank - 2);
    long[] bBatch = Arrays.copyOf(b.dims(), rank - 2);
    long[] batch = new long[rank - 2];
    for (int d = 0; d < batch.length; d++) {
      batch[d] = aBatch[d] == 1 ? bBatch[d] : aBatch[d];
    }
    int ar = (int) a.dims()[rank - 2];
    int ac = (int) a.dims()[rank - 1];
    int br = (int) b.dims()[rank - 2];
    int bc = (int) b.dims()[rank - 1];
    int m = transposeA ? ac : ar;
    int k = transposeA ? ar : ac;
    int n = transposeB ? br : bc;
    if ((transposeB ? bc : br) != k) {
      throw new IllegalStateException("inner dimensions differ: " + Arrays.toString(a.dims()) + " and "
          + Arrays.toString(b.dims()));
    }
    int[] aMatrix = stridedIndices(batch, broadcastStrides(aBatch), 0);
    int[] bMatrix = stridedIndices(batch, broadcastStrides(bBatch), 0);
    double[] out = new double[aMatrix.length * m * n];
    for (int p = 0; p < aMatrix.length; p++) {
      int aBase = aMatrix[p] * ar * ac;
      int bBase = bMatrix[p] * br * bc;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double sum = 0;
          for (int q = 0; q < k; q++) {
            double x = a.data()[aBase + (transposeA ? q * ac + i : i * ac + q)];
            double y = b.data()[bBase + (transposeB ? j * bc + q : q * bc + j)];
            sum += x * y;
          }
          out[(p * m + i) * n + j] = sum;
        }
      }
    }
    long[] dims = Arrays.copyOf(batch, rank);
    dims[rank - 2] = m;
    dims[rank - 1] = n;
    return new Value(a.type(), dims, out);
  }

  /** First transpose, reshape (0 copies the dimension, -1 takes the rest), second transpose. */
  private static Value shuffle(Value in, int[] firstTranspose, long[] reshape, int[] secondTranspose) {
    Value v = transpose(in, firstTranspose);
    if (reshape != null) {
      long[] dims = reshape.clone();
      int inferred = -1;
      long known = 1;
      for (int d = 0; d < dims.length; d++) {
        if (dims[d] == 0) {
          dims[d] = v.dims()[d];
        }
        if (dims[d] == -1) {
          inferred = d;
        } else {
          known *= dims[d];
        }
      }
      if (inferred >= 0) {
        dims[inferred] = v.size() / known;
      }
      if (volume(dims) != v.size()) {
        throw new IllegalStateException("cannot reshape " + Arrays.toString(v.dims()) + " to "
            + Arrays.toString(reshape));
      }
      v = new Value(v.type(), dims, v.data());
    }
    return transpose(v, secondTranspose);
  }

  /** Output dimension {@code i} is input dimension {@code order[i]}. */
  private static Value transpose(Value in, int[] order) {
    if (order == null) {
      return in;
    }
    long[] inStrides = strides(in.dims());
    long[] dims = new long[order.length];
    long[] s = new long[order.length];
    for (int i = 0; i < order.length; i++) {
      dims[i] = in.dims()[order[i]];
      s[i] = inStrides[order[i]];
    }
    return new Value(in.type(), dims, gather(in.data(), stridedIndices(dims, s, 0)));
  }

  private static Value concatenation(List<Value> parts, int axis) {
    long[] dims = parts.get(0).dims().clone();
    dims[axis] = parts.stream().mapToLong(p -> p.dims()[axis]).sum();
    int outer = volume(Arrays.copyOf(dims, axis));
    int inner = volume(Arrays.copyOfRange(dims, axis + 1, dims.length));
    double[] out = new double[volume(dims)];
    int row = (int) dims[axis] * inner;
    int offset = 0;
    for (Value p : parts) {
      int block = (int) p.dims()[axis] * inner;
      for (int o = 0; o < outer; o++) {
        System.arraycopy(p.data(), o * block, out, o * row + offset, block);
      }
      offset += block;
    }
    return new Value(parts.get(0).type(), dims, out);
  }

  private static Value softmax(Value in, int axis) {
    long[] dims = in.dims();
    int outer = volume(Arrays.copyOf(dims, axis));
    int inner = volume(Arrays.copyOfRange(dims, axis + 1, dims.length));
    int length = (int) dims[axis];
    double[] out = new double[in.size()];
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        int base = o * length * inner + i;
        double max = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < length; a++) {
          max = Math.max(max, in.data()[base + a * inner]);
        }
        double sum = 0;
        for (int a = 0; a < length; a++) {
          out[base + a * inner] = Math.exp(in.data()[base + a * inner] - max);
          sum += out[base + a * inner];
        }
        for (int a = 0; a < length; a++) {
          out[base + a * inner] /= sum;
        }
      }
    }
    return new Value(in.type(), dims, out);
  }

  private static Value reduce(Value in, Reduce op, int[] axes, boolean keepDims) {
    long[] dims = in.dims();
    long[] kept = dims.clone();
    for (int a : axes) {
      kept[a] = 1;
    }
    // Each input element's target: the reduced dimensions do not move it.
    long[] target = strides(kept);
    for (int a : axes) {
      target[a] = 0;
    }
    int[] into = stridedIndices(dims, target, 0);
    int size = volume(kept);
    double[] out = new double[size];
    Arrays.fill(out, switch (op) {
      case SUM, AVG -> 0;
      case PROD -> 1;
      case MAX -> Double.NEGATIVE_INFINITY;
      case MIN -> Double.POSITIVE_INFINITY;
    });
    for (int i = 0; i < into.length; i++) {
      double v = in.data()[i];
      int t = into[i];
      out[t] = switch (op) {
        case SUM, AVG -> out[t] + v;
        case PROD -> out[t] * v;
        case MAX -> Math.max(out[t], v);
        case MIN -> Math.min(out[t], v);
      };
    }
    if (op == Reduce.AVG) {
      int count = in.size() / Math.max(size, 1);
      for (int i = 0; i < size; i++) {
        out[i] = in.type() == DataType.INT32 ? (double) ((long) out[i] / count) : out[i] / count;
      }
    }
    long[] outDims = keepDims ? kept : java.util.stream.IntStream.range(0, dims.length)
        .filter(d -> Arrays.stream(axes).noneMatch(a -> a == d)).mapToLong(d -> dims[d]).toArray();
    return new Value(in.type(), outDims, out);
  }

  /** Zeros before and after the last two dimensions; negative padding crops. */
  private static Value padding(Value in, int[] pre, int[] post) {
    long[] dims = in.dims();
    int rank = dims.length;
    int h = (int) dims[rank - 2];
    int w = (int) dims[rank - 1];
    int oh = h + pre[0] + post[0];
    int ow = w + pre[1] + post[1];
    int planes = volume(Arrays.copyOf(dims, rank - 2));
    double[] out = new double[planes * oh * ow];
    for (int p = 0; p < planes; p++) {
      for (int oy = 0; oy < oh; oy++) {
        int iy = oy - pre[0];
        for (int ox = 0; ox < ow; ox++) {
          int ix = ox - pre[1];
          if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
            out[(p * oh + oy) * ow + ox] = in.data()[(p * h + iy) * w + ix];
          }
        }
      }
    }
    long[] outDims = dims.clone();
    outDims[rank - 2] = oh;
    outDims[rank - 1] = ow;
    return new Value(in.type(), outDims, out);
  }

  /** Elements {@code start + i * stride} per dimension; a size of -1 takes the rest of the dimension. */
  private static Value slice(Value in, long[] start, long[] size, long[] stride) {
    long[] dims = in.dims();
    long[] inStrides = strides(dims);
    long[] outDims = new long[dims.length];
    long[] s = new long[dims.length];
    long offset = 0;
    for (int d = 0; d < dims.length; d++) {
      outDims[d] = size[d] >= 0 ? size[d] : (dims[d] - start[d] + stride[d] - 1) / stride[d];
      if (outDims[d] > 0 && (start[d] < 0 || start[d] + (outDims[d] - 1) * stride[d] >= dims[d])) {
        throw new IllegalStateException("slice of dimension " + d + " runs outside " + Arrays.toString(dims));
      }
      s[d] = inStrides[d] * stride[d];
      offset += start[d] * inStrides[d];
    }
    return new Value(in.type(), outDims, gather(in.data(), stridedIndices(outDims, s, offset)));
  }

  /**
   * Resize of the last two dimensions. Output coordinate {@code o} maps to input coordinate {@code o * (in-1) /
   * (out-1)} (align corners), {@code (o + 0.5) * in / out - 0.5} (half pixel) or {@code o * in / out}
   * (asymmetric), in float as TensorRT computes it; nearest rounds it down, linear interpolates between the two
   * neighbouring pixels, both clamped to the image.
   */
  private static Value resize(Value in, Resize mode, long[] outputHW, boolean alignCorners,
      boolean halfPixelCenters) {
    long[] dims = in.dims();
    int rank = dims.length;
    int h = (int) dims[rank - 2];
    int w = (int) dims[rank - 1];
    int oh = (int) outputHW[0];
    int ow = (int) outputHW[1];
    float[] ys = coordinates(h, oh, alignCorners, halfPixelCenters);
    float[] xs = coordinates(w, ow, alignCorners, halfPixelCenters);
    int planes = volume(Arrays.copyOf(dims, rank - 2));
    double[] out = new double[planes * oh * ow];
    for (int p = 0; p < planes; p++) {
      int base = p * h * w;
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double v;
          if (mode == Resize.NEAREST) {
            v = in.data()[base + nearest(ys[oy], h) * w + nearest(xs[ox], w)];
          } else {
            float y = clamp(ys[oy], h);
            float x = clamp(xs[ox], w);
            int y0 = (int) Math.floor(y);
            int x0 = (int) Math.floor(x);
            int y1 = Math.min(y0 + 1, h - 1);
            int x1 = Math.min(x0 + 1, w - 1);
            double dy = y - y0;
            double dx = x - x0;
            double top = in.data()[base + y0 * w + x0] * (1 - dx) + in.data()[base + y0 * w + x1] * dx;
            double bottom = in.data()[base + y1 * w + x0] * (1 - dx) + in.data()[base + y1 * w + x1] * dx;
            v = top * (1 - dy) + bottom * dy;
          }
          out[(p * oh + oy) * ow + ox] = v;
        }
      }
    }
    long[] outDims = dims.clone();
    outDims[rank - 2] = oh;
    outDims[rank - 1] = ow;
    return new Value(in.type(), outDims, out);
  }

  private static float[] coordinates(int in, int out, boolean alignCorners, boolean halfPixelCenters) {
    float[] c = new float[out];
    for (int o = 0; o < out; o++) {
      if (alignCorners) {
        c[o] = out > 1 ? o * ((float) (in - 1) / (out - 1)) : 0f;
      } else if (halfPixelCenters) {
        c[o] = (o + 0.5f) * ((float) in / out) - 0.5f;
      } else {
        c[o] = o * ((float) in / out);
      }
    }
    return c;
  }

  private static int nearest(float coordinate, int size) {
    return Math.max(0, Math.min(size - 1, (int) Math.floor(coordinate)));
  }

  private static float clamp(float coordinate, int size) {
    return Math.max(0f, Math.min(size - 1f, coordinate));
  }
}
