package dev.tftrt.convert;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Static element type and shape of every tensor a graph computes, as TensorFlow's shape functions give them
 * for the ops the converters cover (and the shape arithmetic around them). A dimension TensorFlow cannot know
 * before running, such as the batch, is {@code -1}; tensors of ops it does not know are simply absent.
 *
 * <p>Like TensorFlow's shape refiner it evaluates small integer tensors partially, so Keras' flatten
 * ({@code Reshape(x, Pack(StridedSlice(Shape(x)), -1))}) gets its static shape: an element of such a value is
 * known, or unknown but known to be dimension {@code d} of tensor {@code t}.
 */
public final class ShapeInference {
  /** Longest integer tensor evaluated partially (shape vectors, axes, paddings). */
  private static final int MAX_PARTIAL_ELEMENTS = 64;

  private final Graph graph;
  private final Map<TensorRef, TensorInfo> infos = new HashMap<>();
  private final Map<TensorRef, Partial> partials = new HashMap<>();

  private ShapeInference(Graph graph) {
    this.graph = graph;
  }

  /** The static type and shape of each tensor of {@code graph} that the covered ops produce. */
  public static Map<TensorRef, TensorInfo> infer(Graph graph) {
    ShapeInference s = new ShapeInference(graph);
    for (Node n : graph.topologicalOrder()) {
      List<TensorInfo> outs = s.outputs(n);
      for (int i = 0; i < outs.size(); i++) {
        if (outs.get(i) != null) {
          s.infos.put(n.output(i), outs.get(i));
        }
      }
    }
    return Map.copyOf(s.infos);
  }

  /**
   * A partially known integer tensor of rank 0 or 1: {@code values[i]} is the element when {@code known[i]},
   * otherwise, when {@code source[i]} is set, the element equals dimension {@code sourceDim[i]} of that tensor.
   */
  private record Partial(Shape shape, long[] values, boolean[] known, TensorRef[] source, int[] sourceDim) {
    static Partial of(Shape shape, long[] values) {
      boolean[] known = new boolean[values.length];
      Arrays.fill(known, true);
      return new Partial(shape, values, known, new TensorRef[values.length], new int[values.length]);
    }

    int size() {
      return values.length;
    }

    boolean fullyKnown() {
      for (boolean k : known) {
        if (!k) {
          return false;
        }
      }
      return true;
    }
  }

  // ---- dispatch ----

  private List<TensorInfo> outputs(Node n) {
    List<TensorInfo> in = new ArrayList<>();
    for (TensorRef r : n.inputs()) {
      in.add(infos.get(r));
    }
    switch (n.op()) {
      case "Placeholder":
      case "PlaceholderWithDefault":
        return one(n.typeAttr("dtype"), n.hasAttr("shape") ? n.shapeAttr("shape") : Shape.unknown());
      case "Const": {
        TensorValue v = n.tensorAttr("value");
        if (isSmallInteger(v.dtype(), v.shape())) {
          partials.put(n.output(0), Partial.of(v.shape(), v.toLongs()));
        }
        return one(v.dtype(), v.shape());
      }
      case "Shape":
        return shapeOp(n, in.get(0));
      case "Identity":
      case "Snapshot":
      case "StopGradient": {
        Partial p = partials.get(n.input(0));
        if (p != null) {
          partials.put(n.output(0), p);
        }
        return in.get(0) == null ? List.of() : List.of(in.get(0));
      }
      case "Cast": {
        Partial p = partials.get(n.input(0));
        DataType to = n.typeAttr("DstT");
        if (p != null && isSmallInteger(to, p.shape())) {
          partials.put(n.output(0), p);
        }
        return in.get(0) == null ? List.of() : one(to, in.get(0).shape());
      }
      case "Relu": case "Relu6": case "Sigmoid": case "Tanh": case "LeakyRelu": case "Elu": case "Selu":
      case "Softplus": case "Softsign": case "Rsqrt": case "Sqrt": case "Exp": case "Log": case "Square":
      case "Neg": case "Abs": case "Reciprocal": case "Floor": case "Ceil": case "Erf": case "Softmax":
      case "LogSoftmax": case "ClipByValue": case "BiasAdd":
        return in.get(0) == null ? List.of() : List.of(in.get(0));
      case "Add": case "AddV2": case "Sub": case "Mul": case "RealDiv": case "Div": case "Maximum":
      case "Minimum": case "Pow": case "SquaredDifference": case "FloorDiv": case "FloorMod":
        return broadcastOp(in);
      case "Conv2D":
        return conv2d(n, in, false);
      case "DepthwiseConv2dNative":
        return conv2d(n, in, true);
      case "Conv2DBackpropInput":
        return conv2dBackpropInput(n, in);
      case "MaxPool":
      case "AvgPool":
        return pool(n, in.get(0), n.intsAttr("ksize"), n.intsAttr("strides"));
      case "MaxPoolV2":
        return pool(n, in.get(0), constantInts(n.input(1)), constantInts(n.input(2)));
      case "FusedBatchNorm": case "FusedBatchNormV2": case "FusedBatchNormV3":
        return fusedBatchNorm(n, in);
      case "MatMul":
        return matMul(n, in);
      case "BatchMatMul": case "BatchMatMulV2": case "BatchMatMulV3":
        return batchMatMul(n, in);
      case "Reshape":
        return reshape(n, in);
      case "Squeeze":
        return squeeze(n, in.get(0));
      case "ExpandDims":
        return expandDims(n, in.get(0));
      case "Transpose":
        return transpose(n, in.get(0));
      case "ConcatV2":
        return concat(n, in);
      case "Pack":
        return pack(n, in);
      case "Mean": case "Sum": case "Max": case "Min": case "Prod":
        return reduce(n, in.get(0));
      case "Pad": case "PadV2": case "MirrorPad":
        return pad(n, in.get(0));
      case "ResizeBilinear": case "ResizeNearestNeighbor":
        return resize(n, in.get(0));
      case "StridedSlice":
        return stridedSlice(n, in.get(0));
      default:
        return List.of();
    }
  }

  private static List<TensorInfo> one(DataType type, Shape shape) {
    return List.of(new TensorInfo(type, shape));
  }

  private static boolean isSmallInteger(DataType type, Shape shape) {
    return (type == DataType.INT32 || type == DataType.INT64) && shape.hasRank() && shape.rank() <= 1
        && shape.isFullyDefined() && shape.numElements() <= MAX_PARTIAL_ELEMENTS;
  }

  /** The elements of an integer tensor known before running (a {@code Const}, or shape arithmetic), or null. */
  private long[] constantInts(TensorRef ref) {
    Partial p = partials.get(ref);
    if (p != null) {
      return p.fullyKnown() ? p.values() : null;
    }
    Node producer = graph.nodeOrNull(ref.node());
    if (producer != null && producer.op().equals("Const") && ref.index() == 0) {
      TensorValue v = producer.tensorAttr("value");
      if (v.dtype() == DataType.INT32 || v.dtype() == DataType.INT64) {
        return v.toLongs();
      }
    }
    return null;
  }

  private static DataType type(Node n) {
    return n.typeAttr("T");
  }

  /** {@code axis} in {@code [-rank, rank)} made non-negative, or -1 when out of range. */
  private static int axis(long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    return a < 0 || a >= rank ? -1 : (int) a;
  }

  // ---- shape ops ----

  private List<TensorInfo> shapeOp(Node n, TensorInfo x) {
    DataType out = n.optionalTypeAttr("out_type").orElse(DataType.INT32);
    if (x == null || !x.shape().hasRank()) {
      return one(out, Shape.unknownDims(1));
    }
    int rank = x.shape().rank();
    long[] dims = x.shape().dims();
    boolean[] known = new boolean[rank];
    TensorRef[] source = new TensorRef[rank];
    int[] sourceDim = new int[rank];
    for (int i = 0; i < rank; i++) {
      known[i] = dims[i] >= 0;
      if (!known[i]) {
        source[i] = n.input(0);
        sourceDim[i] = i;
      }
    }
    if (rank <= MAX_PARTIAL_ELEMENTS) {
      partials.put(n.output(0), new Partial(Shape.of(rank), dims, known, source, sourceDim));
    }
    return one(out, Shape.of(rank));
  }

  /** TensorFlow's broadcasting of two shapes (aligned at the last dimension), or unknown when they clash. */
  private static Shape broadcast(Shape a, Shape b) {
    if (!a.hasRank() || !b.hasRank()) {
      return Shape.unknown();
    }
    int rank = Math.max(a.rank(), b.rank());
    long[] out = new long[rank];
    for (int i = 0; i < rank; i++) {
      int ia = i - (rank - a.rank());
      int ib = i - (rank - b.rank());
      long da = ia >= 0 ? a.dim(ia) : 1;
      long db = ib >= 0 ? b.dim(ib) : 1;
      if (da == 1) {
        out[i] = db;
      } else if (db == 1) {
        out[i] = da;
      } else if (da == -1 || db == -1) {
        out[i] = Math.max(da, db);
      } else if (da == db) {
        out[i] = da;
      } else {
        return Shape.unknown();
      }
    }
    return Shape.of(out);
  }

  private static List<TensorInfo> broadcastOp(List<TensorInfo> in) {
    if (in.size() != 2 || in.get(0) == null || in.get(1) == null) {
      return List.of();
    }
    return one(in.get(0).dtype(), broadcast(in.get(0).shape(), in.get(1).shape()));
  }

  // ---- convolution and pooling ----

  /** Output size of one spatial dimension, as TensorFlow's {@code GetWindowedOutputSize}. */
  private static long windowedOutput(long in, long window, long stride, long dilation, String padding, long padBefore,
      long padAfter) {
    if (in < 0) {
      return -1;
    }
    long effective = (window - 1) * dilation + 1;
    switch (padding) {
      case "VALID":
        return in < effective ? 0 : (in - effective + stride) / stride;
      case "SAME":
        return (in + stride - 1) / stride;
      default:
        long padded = in + padBefore + padAfter;
        return padded < effective ? 0 : (padded - effective) / stride + 1;
    }
  }

  /** Indices of (batch, height, width, channels) for a 4-D {@code data_format}. */
  private static int[] layout(String dataFormat) {
    return dataFormat.equals("NCHW") ? new int[] {0, 2, 3, 1} : new int[] {0, 1, 2, 3};
  }

  private List<TensorInfo> conv2d(Node n, List<TensorInfo> in, boolean depthwise) {
    TensorInfo x = in.get(0);
    TensorInfo f = in.get(1);
    if (x == null || f == null || !x.shape().hasRank() || x.shape().rank() != 4 || !f.shape().hasRank()
        || f.shape().rank() != 4) {
      return List.of();
    }
    int[] l = layout(n.stringAttr("data_format", "NHWC"));
    long[] strides = n.intsAttr("strides");
    long[] dilations = n.intsAttr("dilations");
    long[] explicit = n.intsAttr("explicit_paddings");
    String padding = n.stringAttr("padding", "VALID");
    long[] out = new long[4];
    out[l[0]] = x.shape().dim(l[0]);
    for (int s = 1; s <= 2; s++) {
      int d = l[s];
      long dilation = dilations.length == 4 ? dilations[d] : 1;
      long before = explicit.length == 8 ? explicit[2 * d] : 0;
      long after = explicit.length == 8 ? explicit[2 * d + 1] : 0;
      out[d] = windowedOutput(x.shape().dim(d), f.shape().dim(s - 1), strides[d], dilation, padding, before, after);
    }
    if (depthwise) {
      long c = x.shape().dim(l[3]) >= 0 ? x.shape().dim(l[3]) : f.shape().dim(2);
      long m = f.shape().dim(3);
      out[l[3]] = c < 0 || m < 0 ? -1 : c * m;
    } else {
      out[l[3]] = f.shape().dim(3);
    }
    return one(type(n), Shape.of(out));
  }

  /** Sizes from the {@code input_sizes} value; the batch, as TensorFlow has it, from {@code out_backprop}. */
  private List<TensorInfo> conv2dBackpropInput(Node n, List<TensorInfo> in) {
    Partial sizes = partials.get(n.input(0));
    TensorInfo f = in.get(1);
    TensorInfo dy = in.get(2);
    long[] out = {-1, -1, -1, -1};
    if (sizes != null && sizes.size() == 4) {
      for (int i = 0; i < 4; i++) {
        out[i] = sizes.known()[i] ? sizes.values()[i] : -1;
      }
    }
    int[] l = layout(n.stringAttr("data_format", "NHWC"));
    out[l[0]] = dy != null && dy.shape().rank() == 4 ? dy.shape().dim(l[0]) : -1;
    if (f != null && f.shape().rank() == 4 && out[l[3]] < 0) {
      out[l[3]] = f.shape().dim(2);
    }
    return one(type(n), Shape.of(out));
  }

  private List<TensorInfo> pool(Node n, TensorInfo x, long[] ksize, long[] strides) {
    if (x == null || x.shape().rank() != 4 || ksize == null || strides == null || ksize.length != 4
        || strides.length != 4) {
      return List.of();
    }
    int[] l = layout(n.stringAttr("data_format", "NHWC"));
    String padding = n.stringAttr("padding", "VALID");
    long[] explicit = n.intsAttr("explicit_paddings");
    long[] out = x.shape().dims();
    for (int s = 1; s <= 2; s++) {
      int d = l[s];
      long before = explicit.length == 8 ? explicit[2 * d] : 0;
      long after = explicit.length == 8 ? explicit[2 * d + 1] : 0;
      out[d] = windowedOutput(out[d], ksize[d], strides[d], 1, padding, before, after);
    }
    return one(type(n), Shape.of(out));
  }

  private List<TensorInfo> fusedBatchNorm(Node n, List<TensorInfo> in) {
    TensorInfo x = in.get(0);
    if (x == null || !x.shape().hasRank()) {
      return List.of();
    }
    long channels = -1;
    if (x.shape().rank() == 4) {
      channels = x.shape().dim(layout(n.stringAttr("data_format", "NHWC"))[3]);
    }
    for (int i = 1; i < 5 && channels < 0 && i < in.size(); i++) {
      if (in.get(i) != null && in.get(i).shape().rank() == 1) {
        channels = in.get(i).shape().dim(0);
      }
    }
    DataType statistics = n.optionalTypeAttr("U").orElse(type(n));
    List<TensorInfo> out = new ArrayList<>();
    out.add(new TensorInfo(type(n), x.shape()));
    for (int i = 1; i < 5; i++) {
      out.add(new TensorInfo(statistics, Shape.of(channels)));
    }
    if (n.op().equals("FusedBatchNormV3")) {
      out.add(new TensorInfo(statistics, Shape.unknown()));
    }
    return out;
  }

  // ---- matrix products ----

  private static List<TensorInfo> matMul(Node n, List<TensorInfo> in) {
    TensorInfo a = in.get(0);
    TensorInfo b = in.get(1);
    if (a == null || b == null || a.shape().rank() != 2 || b.shape().rank() != 2) {
      return List.of();
    }
    long m = a.shape().dim(n.boolAttr("transpose_a", false) ? 1 : 0);
    long k = b.shape().dim(n.boolAttr("transpose_b", false) ? 0 : 1);
    return one(type(n), Shape.of(m, k));
  }

  private static List<TensorInfo> batchMatMul(Node n, List<TensorInfo> in) {
    TensorInfo a = in.get(0);
    TensorInfo b = in.get(1);
    if (a == null || b == null || a.shape().rank() < 2 || b.shape().rank() < 2) {
      return List.of();
    }
    long[] da = a.shape().dims();
    long[] db = b.shape().dims();
    Shape batch = broadcast(Shape.of(Arrays.copyOf(da, da.length - 2)), Shape.of(Arrays.copyOf(db, db.length - 2)));
    if (!batch.hasRank()) {
      return List.of();
    }
    long m = n.boolAttr("adj_x", false) ? da[da.length - 1] : da[da.length - 2];
    long k = n.boolAttr("adj_y", false) ? db[db.length - 2] : db[db.length - 1];
    long[] out = Arrays.copyOf(batch.dims(), batch.rank() + 2);
    out[batch.rank()] = m;
    out[batch.rank() + 1] = k;
    DataType t = n.optionalTypeAttr("Tout").orElseGet(() -> n.optionalTypeAttr("Ta").orElseGet(() -> type(n)));
    return one(t, Shape.of(out));
  }

  // ---- reshaping ----

  private List<TensorInfo> reshape(Node n, List<TensorInfo> in) {
    TensorInfo x = in.get(0);
    if (x == null) {
      return List.of();
    }
    Partial target = partials.get(n.input(1));
    if (target == null) {
      TensorInfo t = in.get(1);
      return one(x.dtype(), t != null && t.shape().rank() == 1 && t.shape().dim(0) >= 0
          ? Shape.unknownDims((int) t.shape().dim(0)) : Shape.unknown());
    }
    int rank = target.size();
    long[] out = new long[rank];
    int inferred = -1;
    long knownProduct = 1;
    // Unknown input dimensions that reappear, by name, in the target cancel out of the element count.
    List<Integer> matchedInputDims = new ArrayList<>();
    boolean unmatchedUnknown = false;
    for (int i = 0; i < rank; i++) {
      if (target.known()[i]) {
        out[i] = target.values()[i];
        if (out[i] == -1) {
          inferred = i;
        } else {
          knownProduct *= out[i];
        }
      } else {
        out[i] = -1;
        if (n.input(0).equals(target.source()[i])) {
          matchedInputDims.add(target.sourceDim()[i]);
        } else {
          unmatchedUnknown = true;
        }
      }
    }
    if (inferred >= 0 && !unmatchedUnknown && x.shape().hasRank()) {
      long inputProduct = 1;
      boolean known = true;
      for (int d = 0; d < x.shape().rank(); d++) {
        long dim = x.shape().dim(d);
        if (matchedInputDims.contains(d)) {
          continue;
        }
        if (dim < 0) {
          known = false;
        } else {
          inputProduct *= dim;
        }
      }
      if (known && knownProduct > 0 && inputProduct % knownProduct == 0) {
        out[inferred] = inputProduct / knownProduct;
      }
    }
    return one(x.dtype(), Shape.of(out));
  }

  private List<TensorInfo> squeeze(Node n, TensorInfo x) {
    if (x == null || !x.shape().hasRank()) {
      return List.of();
    }
    int rank = x.shape().rank();
    long[] squeezeDims = n.intsAttr("squeeze_dims");
    if (squeezeDims.length == 0) {
      squeezeDims = n.intsAttr("axis");
    }
    boolean[] drop = new boolean[rank];
    if (squeezeDims.length == 0) {
      for (int i = 0; i < rank; i++) {
        if (x.shape().dim(i) < 0) {
          return one(x.dtype(), Shape.unknown());
        }
        drop[i] = x.shape().dim(i) == 1;
      }
    } else {
      for (long s : squeezeDims) {
        int a = axis(s, rank);
        if (a < 0) {
          return List.of();
        }
        drop[a] = true;
      }
    }
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      if (!drop[i]) {
        out.add(x.shape().dim(i));
      }
    }
    return one(x.dtype(), Shape.of(out.stream().mapToLong(Long::longValue).toArray()));
  }

  private List<TensorInfo> expandDims(Node n, TensorInfo x) {
    long[] ax = constantInts(n.input(1));
    if (x == null || !x.shape().hasRank() || ax == null || ax.length != 1) {
      return List.of();
    }
    int rank = x.shape().rank();
    int a = axis(ax[0], rank + 1);
    if (a < 0) {
      return List.of();
    }
    long[] out = new long[rank + 1];
    for (int i = 0, j = 0; i <= rank; i++) {
      out[i] = i == a ? 1 : x.shape().dim(j++);
    }
    return one(x.dtype(), Shape.of(out));
  }

  private List<TensorInfo> transpose(Node n, TensorInfo x) {
    long[] perm = constantInts(n.input(1));
    if (x == null) {
      return List.of();
    }
    if (perm == null || !x.shape().hasRank() || perm.length != x.shape().rank()) {
      return one(x.dtype(), x.shape().hasRank() ? Shape.unknownDims(x.shape().rank()) : Shape.unknown());
    }
    long[] out = new long[perm.length];
    for (int i = 0; i < perm.length; i++) {
      int p = axis(perm[i], perm.length);
      if (p < 0) {
        return List.of();
      }
      out[i] = x.shape().dim(p);
    }
    return one(x.dtype(), Shape.of(out));
  }

  private List<TensorInfo> concat(Node n, List<TensorInfo> in) {
    int count = in.size() - 1;
    long[] axisValue = constantInts(n.input(count));
    List<TensorInfo> parts = in.subList(0, count);
    if (parts.isEmpty() || parts.contains(null)) {
      return List.of();
    }
    concatPartials(n, count);
    int rank = -1;
    for (TensorInfo p : parts) {
      rank = Math.max(rank, p.shape().rank());
    }
    if (rank < 0) {
      return one(parts.get(0).dtype(), Shape.unknown());
    }
    if (axisValue == null || axisValue.length != 1) {
      return one(parts.get(0).dtype(), Shape.unknownDims(rank));
    }
    int a = axis(axisValue[0], rank);
    if (a < 0) {
      return List.of();
    }
    long[] out = new long[rank];
    Arrays.fill(out, -1);
    long sum = 0;
    for (TensorInfo p : parts) {
      if (!p.shape().hasRank()) {
        sum = -1;
        continue;
      }
      if (p.shape().rank() != rank) {
        return List.of();
      }
      for (int d = 0; d < rank; d++) {
        long dim = p.shape().dim(d);
        if (d == a) {
          sum = sum < 0 || dim < 0 ? -1 : sum + dim;
        } else if (dim >= 0) {
          out[d] = dim;
        }
      }
    }
    out[a] = sum;
    return one(parts.get(0).dtype(), Shape.of(out));
  }

  /** Concatenated shape vectors stay partially known. */
  private void concatPartials(Node n, int count) {
    List<Partial> ps = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Partial p = partials.get(n.input(i));
      if (p == null || p.shape().rank() != 1) {
        return;
      }
      ps.add(p);
    }
    int total = ps.stream().mapToInt(Partial::size).sum();
    if (total > MAX_PARTIAL_ELEMENTS) {
      return;
    }
    Partial out = new Partial(Shape.of(total), new long[total], new boolean[total], new TensorRef[total],
        new int[total]);
    int at = 0;
    for (Partial p : ps) {
      copy(p, 0, out, at, p.size());
      at += p.size();
    }
    partials.put(n.output(0), out);
  }

  private static void copy(Partial from, int fromIndex, Partial to, int toIndex, int length) {
    System.arraycopy(from.values(), fromIndex, to.values(), toIndex, length);
    System.arraycopy(from.known(), fromIndex, to.known(), toIndex, length);
    System.arraycopy(from.source(), fromIndex, to.source(), toIndex, length);
    System.arraycopy(from.sourceDim(), fromIndex, to.sourceDim(), toIndex, length);
  }

  private List<TensorInfo> pack(Node n, List<TensorInfo> in) {
    if (in.isEmpty() || in.contains(null)) {
      return List.of();
    }
    Shape element = in.get(0).shape();
    for (TensorInfo t : in) {
      element = merge(element, t.shape());
      if (element == null) {
        return List.of();
      }
    }
    if (!element.hasRank()) {
      return one(in.get(0).dtype(), Shape.unknown());
    }
    int rank = element.rank() + 1;
    int a = axis(n.intAttr("axis", 0), rank);
    if (a < 0) {
      return List.of();
    }
    long[] out = new long[rank];
    for (int i = 0, j = 0; i < rank; i++) {
      out[i] = i == a ? in.size() : element.dim(j++);
    }
    if (element.rank() == 0 && in.size() <= MAX_PARTIAL_ELEMENTS) {
      int size = in.size();
      Partial p = new Partial(Shape.of(size), new long[size], new boolean[size], new TensorRef[size], new int[size]);
      for (int i = 0; i < size; i++) {
        Partial e = partials.get(n.input(i));
        if (e != null && e.size() == 1) {
          copy(e, 0, p, i, 1);
        }
      }
      partials.put(n.output(0), p);
    }
    return one(in.get(0).dtype(), Shape.of(out));
  }

  /** The more specific of two compatible shapes, or null when they clash. */
  private static Shape merge(Shape a, Shape b) {
    if (!a.hasRank()) {
      return b;
    }
    if (!b.hasRank()) {
      return a;
    }
    if (a.rank() != b.rank()) {
      return null;
    }
    long[] out = a.dims();
    for (int i = 0; i < out.length; i++) {
      long d = b.dim(i);
      if (out[i] < 0) {
        out[i] = d;
      } else if (d >= 0 && d != out[i]) {
        return null;
      }
    }
    return Shape.of(out);
  }

  private List<TensorInfo> reduce(Node n, TensorInfo x) {
    if (x == null) {
      return List.of();
    }
    boolean keep = n.boolAttr("keep_dims", false);
    long[] axes = constantInts(n.input(1));
    if (!x.shape().hasRank()) {
      return one(x.dtype(), Shape.unknown());
    }
    int rank = x.shape().rank();
    if (axes == null) {
      return one(x.dtype(), keep ? Shape.unknownDims(rank) : Shape.unknown());
    }
    boolean[] reduced = new boolean[rank];
    for (long a : axes) {
      int r = axis(a, rank);
      if (r < 0) {
        return List.of();
      }
      reduced[r] = true;
    }
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      if (!reduced[i]) {
        out.add(x.shape().dim(i));
      } else if (keep) {
        out.add(1L);
      }
    }
    return one(x.dtype(), Shape.of(out.stream().mapToLong(Long::longValue).toArray()));
  }

  private List<TensorInfo> pad(Node n, TensorInfo x) {
    long[] paddings = constantInts(n.input(1));
    if (x == null || !x.shape().hasRank()) {
      return List.of();
    }
    int rank = x.shape().rank();
    if (paddings == null || paddings.length != 2 * rank) {
      return one(x.dtype(), Shape.unknownDims(rank));
    }
    long[] out = x.shape().dims();
    for (int i = 0; i < rank; i++) {
      out[i] = out[i] < 0 ? -1 : out[i] + paddings[2 * i] + paddings[2 * i + 1];
    }
    return one(x.dtype(), Shape.of(out));
  }

  private List<TensorInfo> resize(Node n, TensorInfo x) {
    if (x == null || x.shape().rank() != 4) {
      return List.of();
    }
    long[] size = constantInts(n.input(1));
    long[] out = x.shape().dims();
    out[1] = size != null && size.length == 2 ? size[0] : -1;
    out[2] = size != null && size.length == 2 ? size[1] : -1;
    DataType t = n.op().equals("ResizeBilinear") ? DataType.FLOAT : x.dtype();
    return one(t, Shape.of(out));
  }

  // ---- strided slice ----

  private List<TensorInfo> stridedSlice(Node n, TensorInfo x) {
    long[] begin = constantInts(n.input(1));
    long[] end = constantInts(n.input(2));
    long[] strides = constantInts(n.input(3));
    if (x == null || !x.shape().hasRank() || begin == null || end == null || strides == null
        || begin.length != end.length || begin.length != strides.length) {
      return List.of();
    }
    Optional<long[]> out = stridedSliceShape(x.shape().dims(), begin, end, strides, (int) n.intAttr("begin_mask", 0),
        (int) n.intAttr("end_mask", 0), (int) n.intAttr("ellipsis_mask", 0), (int) n.intAttr("new_axis_mask", 0),
        (int) n.intAttr("shrink_axis_mask", 0), sliceValues(n, begin, end, strides));
    return out.map(dims -> one(x.dtype(), Shape.of(dims))).orElse(List.of());
  }

  /** Slices of a partially known vector (a shape) stay partially known. */
  private Consumer<long[]> sliceValues(Node n, long[] begin, long[] end, long[] strides) {
    Partial p = partials.get(n.input(0));
    if (p == null || p.shape().rank() != 1) {
      return selected -> {};
    }
    return selected -> {
      Partial out = new Partial(selected.length == 1 && (n.intAttr("shrink_axis_mask", 0) & 1) != 0
          ? Shape.scalar() : Shape.of(selected.length), new long[selected.length], new boolean[selected.length],
          new TensorRef[selected.length], new int[selected.length]);
      for (int i = 0; i < selected.length; i++) {
        copy(p, (int) selected[i], out, i, 1);
      }
      partials.put(n.output(0), out);
    };
  }

  /**
   * The output dimensions of a strided slice of {@code dims} (TensorFlow's semantics with all five masks), or
   * empty when it is out of range. For a 1-D input, {@code selectedIndices} receives the indices taken.
   */
  private static Optional<long[]> stridedSliceShape(long[] dims, long[] begin, long[] end, long[] strides, int beginMask,
      int endMask, int ellipsisMask, int newAxisMask, int shrinkMask,
      Consumer<long[]> selectedIndices) {
    int rank = dims.length;
    int specs = begin.length;
    // Dimensions the ellipsis stands for: every input dimension no other spec names.
    int named = 0;
    for (int i = 0; i < specs; i++) {
      if ((ellipsisMask & (1 << i)) == 0 && (newAxisMask & (1 << i)) == 0) {
        named++;
      }
    }
    boolean hasEllipsis = ellipsisMask != 0;
    List<Long> out = new ArrayList<>();
    int d = 0;
    long[] selected = null;
    for (int i = 0; i < specs; i++) {
      int bit = 1 << i;
      if ((ellipsisMask & bit) != 0) {
        int covered = rank - named;
        for (int k = 0; k < covered; k++) {
          out.add(dims[d++]);
        }
        continue;
      }
      if ((newAxisMask & bit) != 0) {
        out.add(1L);
        continue;
      }
      if (d >= rank) {
        return Optional.empty();
      }
      long size = dims[d];
      long stride = strides[i];
      if (stride == 0) {
        return Optional.empty();
      }
      if ((shrinkMask & bit) != 0) {
        if (size >= 0) {
          long index = begin[i] < 0 ? begin[i] + size : begin[i];
          if (index < 0 || index >= size) {
            return Optional.empty();
          }
          if (rank == 1) {
            selected = new long[] {index};
          }
        }
        d++;
        continue;
      }
      if (size < 0) {
        out.add(-1L);
        d++;
        continue;
      }
      long lo = stride > 0 ? 0 : -1;
      long hi = stride > 0 ? size : size - 1;
      long b = (beginMask & bit) != 0 ? (stride > 0 ? lo : hi) : clamp(begin[i] < 0 ? begin[i] + size : begin[i], lo, hi);
      long e = (endMask & bit) != 0 ? (stride > 0 ? hi : lo) : clamp(end[i] < 0 ? end[i] + size : end[i], lo, hi);
      long count = stride > 0 ? Math.max(0, (e - b + stride - 1) / stride) : Math.max(0, (b - e - stride - 1) / -stride);
      out.add(count);
      if (rank == 1) {
        selected = new long[(int) Math.min(count, MAX_PARTIAL_ELEMENTS + 1)];
        for (int k = 0; k < selected.length; k++) {
          selected[k] = b + k * stride;
        }
      }
      d++;
    }
    if (!hasEllipsis) {
      while (d < rank) {
        if (rank == 1) {
          selected = null;
        }
        out.add(dims[d++]);
      }
    }
    if (selected != null && selected.length <= MAX_PARTIAL_ELEMENTS) {
      selectedIndices.accept(selected);
    }
    return Optional.of(out.stream().mapToLong(Long::longValue).toArray());
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
