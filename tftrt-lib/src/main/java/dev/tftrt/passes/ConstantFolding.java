package dev.tftrt.passes;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Half;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * Replaces nodes whose inputs are all constants by {@code Const} nodes of the same name, evaluated in Java.
 *
 * <p>Why Java and not a TensorFlow session: planning must stay fast (re-planning ResNet-50 in well under a
 * second) and free of native state, and the constant subgraphs of frozen Keras models are small: shape
 * arithmetic ({@code Shape}, {@code StridedSlice}, {@code Pack}, {@code Cast}) and weight rearrangements
 * ({@code Reshape}, {@code Transpose}, element-wise math). Ops outside this set are left to TensorFlow or the
 * converters, which is always correct, only less folded.
 *
 * <p>{@code Shape} also folds when the static shape of its input is fully known from {@code shapes}.
 */
public final class ConstantFolding {
  public static final String REASON = "folded into a constant";

  /** Folded results larger than this stay as computations (a folded weight must not blow up the graph). */
  static final long MAX_FOLDED_ELEMENTS = 1L << 24;

  static final Set<String> FOLDABLE_OPS = Set.of("Cast", "Reshape", "Transpose", "Add", "AddV2", "Sub", "Mul",
      "RealDiv", "Maximum", "Minimum", "Neg", "Sqrt", "Rsqrt", "Square", "Pack", "ConcatV2", "ExpandDims",
      "Squeeze", "StridedSlice", "Shape", "Identity");

  private ConstantFolding() {}

  /**
   * Folds in topological order, so chains of foldable nodes collapse into one constant. Nodes named in
   * {@code keep} (graph outputs, signature inputs) are never replaced. Inputs of folded nodes stay in the
   * graph; run {@link DeadNodeElimination} afterwards to drop those that became unused.
   */
  public static PassResult apply(Graph graph, Collection<String> keep, Map<TensorRef, TensorInfo> shapes) {
    Set<String> pinned = new HashSet<>(keep);
    Graph out = graph.copy();
    List<RemovedNode> folded = new ArrayList<>();
    for (Node n : graph.topologicalOrder()) {
      if (!FOLDABLE_OPS.contains(n.op()) || pinned.contains(n.name()) || !n.controlInputs().isEmpty()) {
        continue;
      }
      Optional<TensorValue> value = evaluate(out, n, shapes);
      if (value.isPresent()) {
        Node c = Node.constant(n.name(), value.get());
        out.replace(new Node(c.name(), c.op(), c.attrs(), List.of(), List.of(), n.device()));
        folded.add(new RemovedNode(n.name(), n.op(), REASON));
      }
    }
    return new PassResult(out, folded);
  }

  public static PassResult apply(Graph graph, Collection<String> keep) {
    return apply(graph, keep, Map.of());
  }

  private static Optional<TensorValue> evaluate(Graph g, Node n, Map<TensorRef, TensorInfo> shapes) {
    if (n.op().equals("Shape")) {
      return foldShape(g, n, shapes);
    }
    List<Dense> in = new ArrayList<>();
    for (TensorRef r : n.inputs()) {
      Node src = g.node(r.node());
      if (!src.op().equals("Const") || r.index() != 0) {
        return Optional.empty();
      }
      TensorValue v = src.tensorAttr("value");
      if (!Dense.supports(v.dtype())) {
        return Optional.empty();
      }
      in.add(Dense.of(v));
    }
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try {
      Dense r = compute(n, in);
      return r == null || r.size() > MAX_FOLDED_ELEMENTS ? Optional.empty() : Optional.of(r.toValue());
    } catch (RuntimeException e) {
      // An input this evaluator does not handle (odd masks, mismatched shapes): leave the node to TensorFlow,
      // which reports real errors with its own message at run time.
      return Optional.empty();
    }
  }

  private static Optional<TensorValue> foldShape(Graph g, Node n, Map<TensorRef, TensorInfo> shapes) {
    TensorRef src = n.input(0);
    Node producer = g.node(src.node());
    Shape s = null;
    if (producer.op().equals("Const") && src.index() == 0) {
      s = producer.tensorAttr("value").shape();
    } else if (shapes.containsKey(src)) {
      s = shapes.get(src).shape();
    }
    if (s == null || !s.isFullyDefined()) {
      return Optional.empty();
    }
    DataType outType = n.optionalTypeAttr("out_type").orElse(DataType.INT32);
    long[] dims = s.dims();
    Shape vector = Shape.of(dims.length);
    if (outType == DataType.INT64) {
      return Optional.of(TensorValue.ofLongs(vector, dims));
    }
    int[] ints = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      ints[i] = Math.toIntExact(dims[i]);
    }
    return Optional.of(TensorValue.ofInts(vector, ints));
  }

  private static Dense compute(Node n, List<Dense> in) {
    return switch (n.op()) {
      case "Identity" -> in.get(0);
      case "Cast" -> in.get(0).cast(n.typeAttr("DstT"));
      case "Reshape" -> in.get(0).reshape(in.get(1).longs());
      case "Transpose" -> in.get(0).transpose(in.get(1).longs());
      case "Add", "AddV2" -> Dense.binary(in.get(0), in.get(1), Double::sum, Long::sum);
      case "Sub" -> Dense.binary(in.get(0), in.get(1), (a, b) -> a - b, (a, b) -> a - b);
      case "Mul" -> Dense.binary(in.get(0), in.get(1), (a, b) -> a * b, (a, b) -> a * b);
      case "RealDiv" -> in.get(0).dtype.isFloating() ? Dense.binary(in.get(0), in.get(1), (a, b) -> a / b, null)
          : null;
      case "Maximum" -> Dense.binary(in.get(0), in.get(1), Math::max, Math::max);
      case "Minimum" -> Dense.binary(in.get(0), in.get(1), Math::min, Math::min);
      case "Neg" -> Dense.binary(in.get(0), Dense.scalarLike(in.get(0), -1), (a, b) -> a * b, (a, b) -> a * b);
      case "Square" -> Dense.binary(in.get(0), in.get(0), (a, b) -> a * b, (a, b) -> a * b);
      case "Sqrt" -> in.get(0).dtype.isFloating() ? in.get(0).mapFloat(Math::sqrt) : null;
      case "Rsqrt" -> in.get(0).dtype.isFloating() ? in.get(0).mapFloat(x -> 1 / Math.sqrt(x)) : null;
      case "Pack" -> Dense.concat(in.stream().map(d -> d.expandDims((int) n.intAttr("axis", 0))).toList(),
          (int) n.intAttr("axis", 0));
      case "ConcatV2" -> Dense.concat(in.subList(0, in.size() - 1), (int) in.get(in.size() - 1).longs()[0]);
      case "ExpandDims" -> in.get(0).expandDims((int) in.get(1).longs()[0]);
      case "Squeeze" -> in.get(0).squeeze(n.intsAttr("squeeze_dims"));
      case "StridedSlice" -> stridedSlice(n, in);
      default -> null;
    };
  }

  /** The common cases: begin/end/shrink masks; ellipsis and new-axis masks are left to TensorFlow. */
  private static Dense stridedSlice(Node n, List<Dense> in) {
    if (n.intAttr("ellipsis_mask", 0) != 0 || n.intAttr("new_axis_mask", 0) != 0) {
      return null;
    }
    Dense x = in.get(0);
    long[] begin = in.get(1).longs();
    long[] end = in.get(2).longs();
    long[] strides = in.get(3).longs();
    long beginMask = n.intAttr("begin_mask", 0);
    long endMask = n.intAttr("end_mask", 0);
    long shrinkMask = n.intAttr("shrink_axis_mask", 0);
    int rank = x.shape.length;
    if (begin.length > rank || begin.length != end.length || begin.length != strides.length) {
      return null;
    }
    long[][] picks = new long[rank][];
    List<Long> outShape = new ArrayList<>();
    for (int d = 0; d < rank; d++) {
      long dim = x.shape[d];
      if (d >= begin.length) {
        picks[d] = range(0, dim, 1);
        outShape.add(dim);
        continue;
      }
      long stride = strides[d];
      if (stride == 0) {
        return null;
      }
      if ((shrinkMask >> d & 1) != 0) {
        long i = begin[d] < 0 ? begin[d] + dim : begin[d];
        if (i < 0 || i >= dim) {
          return null;
        }
        picks[d] = new long[] {i};
        continue;
      }
      long lo = (beginMask >> d & 1) != 0 ? (stride > 0 ? 0 : dim - 1) : clampIndex(begin[d], dim, stride);
      long hi = (endMask >> d & 1) != 0 ? (stride > 0 ? dim : -1) : clampIndex(end[d], dim, stride);
      picks[d] = range(lo, hi, stride);
      outShape.add((long) picks[d].length);
    }
    return x.gather(picks, outShape.stream().mapToLong(Long::longValue).toArray());
  }

  private static long clampIndex(long i, long dim, long stride) {
    long j = i < 0 ? i + dim : i;
    return stride > 0 ? Math.max(0, Math.min(j, dim)) : Math.max(-1, Math.min(j, dim - 1));
  }

  private static long[] range(long lo, long hi, long stride) {
    List<Long> out = new ArrayList<>();
    for (long i = lo; stride > 0 ? i < hi : i > hi; i += stride) {
      out.add(i);
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** A row-major constant held as doubles (floating types) or longs (integer and boolean types). */
  private static final class Dense {
    final DataType dtype;
    final long[] shape;
    final double[] f;
    final long[] l;

    Dense(DataType dtype, long[] shape, double[] f, long[] l) {
      this.dtype = dtype;
      this.shape = shape;
      this.f = f;
      this.l = l;
    }

    static boolean supports(DataType t) {
      return switch (t) {
        case FLOAT, DOUBLE, HALF, INT32, INT64, BOOL -> true;
        default -> false;
      };
    }

    static Dense of(TensorValue v) {
      long[] shape = v.shape().dims();
      if (v.dtype().isFloating()) {
        float[] fs = v.toFloats();
        double[] d = new double[fs.length];
        if (v.dtype() == DataType.DOUBLE) {
          ByteBuffer b = v.buffer();
          for (int i = 0; i < d.length; i++) {
            d[i] = b.getDouble(i * 8);
          }
        } else {
          for (int i = 0; i < d.length; i++) {
            d[i] = fs[i];
          }
        }
        return new Dense(v.dtype(), shape, d, null);
      }
      return new Dense(v.dtype(), shape, null, v.toLongs());
    }

    static Dense scalarLike(Dense like, long value) {
      return like.f != null ? new Dense(like.dtype, new long[0], new double[] {value}, null)
          : new Dense(like.dtype, new long[0], null, new long[] {value});
    }

    int size() {
      return f != null ? f.length : l.length;
    }

    long[] longs() {
      if (l == null) {
        throw new IllegalStateException("expected an integer constant");
      }
      return l;
    }

    double get(int i) {
      return f != null ? f[i] : l[i];
    }

    Dense cast(DataType to) {
      if (!supports(to)) {
        return null;
      }
      int n = size();
      if (to.isFloating()) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
          d[i] = get(i);
        }
        return new Dense(to, shape, d, null);
      }
      long[] out = new long[n];
      for (int i = 0; i < n; i++) {
        long v = f != null ? (long) f[i] : l[i];
        out[i] = switch (to) {
          case INT32 -> (int) v;
          case BOOL -> (f != null ? f[i] != 0 : l[i] != 0) ? 1 : 0;
          default -> v;
        };
      }
      return new Dense(to, shape, null, out);
    }

    Dense mapFloat(java.util.function.DoubleUnaryOperator op) {
      double[] d = new double[f.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = op.applyAsDouble(f[i]);
      }
      return new Dense(dtype, shape, d, null);
    }

    Dense withShape(long[] newShape) {
      return new Dense(dtype, newShape, f, l);
    }

    Dense reshape(long[] target) {
      long known = 1;
      int unknown = -1;
      for (int i = 0; i < target.length; i++) {
        if (target[i] == -1) {
          unknown = i;
        } else {
          known *= target[i];
        }
      }
      long[] s = target.clone();
      if (unknown >= 0) {
        s[unknown] = size() / known;
      }
      long count = 1;
      for (long d : s) {
        count *= d;
      }
      if (count != size()) {
        throw new IllegalArgumentException("reshape size mismatch");
      }
      return withShape(s);
    }

    Dense expandDims(int axis) {
      int rank = shape.length;
      int a = axis < 0 ? axis + rank + 1 : axis;
      long[] s = new long[rank + 1];
      for (int i = 0, j = 0; i <= rank; i++) {
        s[i] = i == a ? 1 : shape[j++];
      }
      return withShape(s);
    }

    Dense squeeze(long[] axes) {
      List<Long> s = new ArrayList<>();
      Set<Integer> drop = new HashSet<>();
      for (long a : axes) {
        drop.add((int) (a < 0 ? a + shape.length : a));
      }
      for (int i = 0; i < shape.length; i++) {
        boolean squeeze = drop.isEmpty() ? shape[i] == 1 : drop.contains(i);
        if (squeeze && shape[i] != 1) {
          throw new IllegalArgumentException("cannot squeeze a dimension of size " + shape[i]);
        }
        if (!squeeze) {
          s.add(shape[i]);
        }
      }
      return withShape(s.stream().mapToLong(Long::longValue).toArray());
    }

    static long[] strides(long[] shape) {
      long[] st = new long[shape.length];
      long acc = 1;
      for (int i = shape.length - 1; i >= 0; i--) {
        st[i] = acc;
        acc *= shape[i];
      }
      return st;
    }

    /** The elements at the cartesian product of per-dimension indices, in row-major order. */
    Dense gather(long[][] picks, long[] outShape) {
      long[] st = strides(shape);
      int rank = shape.length;
      int count = 1;
      for (long[] p : picks) {
        count *= p.length;
      }
      double[] df = f != null ? new double[count] : null;
      long[] dl = l != null ? new long[count] : null;
      int[] idx = new int[rank];
      for (int o = 0; o < count; o++) {
        long src = 0;
        for (int d = 0; d < rank; d++) {
          src += picks[d][idx[d]] * st[d];
        }
        if (df != null) {
          df[o] = f[(int) src];
        } else {
          dl[o] = l[(int) src];
        }
        for (int d = rank - 1; d >= 0; d--) {
          if (++idx[d] < picks[d].length) {
            break;
          }
          idx[d] = 0;
        }
      }
      return new Dense(dtype, outShape, df, dl);
    }

    Dense transpose(long[] perm) {
      int rank = shape.length;
      if (perm.length != rank) {
        throw new IllegalArgumentException("perm rank mismatch");
      }
      long[] outShape = new long[rank];
      long[] st = strides(shape);
      long[] outSt = new long[rank];
      for (int i = 0; i < rank; i++) {
        outShape[i] = shape[(int) perm[i]];
        outSt[i] = st[(int) perm[i]];
      }
      int n = size();
      double[] df = f != null ? new double[n] : null;
      long[] dl = l != null ? new long[n] : null;
      int[] idx = new int[rank];
      for (int o = 0; o < n; o++) {
        long src = 0;
        for (int d = 0; d < rank; d++) {
          src += idx[d] * outSt[d];
        }
        if (df != null) {
          df[o] = f[(int) src];
        } else {
          dl[o] = l[(int) src];
        }
        for (int d = rank - 1; d >= 0; d--) {
          if (++idx[d] < outShape[d]) {
            break;
          }
          idx[d] = 0;
        }
      }
      return new Dense(dtype, outShape, df, dl);
    }

    static Dense concat(List<Dense> parts, int axis) {
      Dense first = parts.get(0);
      int rank = first.shape.length;
      int a = axis < 0 ? axis + rank : axis;
      long outer = 1;
      for (int i = 0; i < a; i++) {
        outer *= first.shape[i];
      }
      long[] outShape = first.shape.clone();
      outShape[a] = 0;
      for (Dense p : parts) {
        if (p.dtype != first.dtype || p.shape.length != rank) {
          throw new IllegalArgumentException("concat mismatch");
        }
        outShape[a] += p.shape[a];
      }
      int total = 0;
      for (Dense p : parts) {
        total += p.size();
      }
      double[] df = first.f != null ? new double[total] : null;
      long[] dl = first.l != null ? new long[total] : null;
      int o = 0;
      for (long r = 0; r < outer; r++) {
        for (Dense p : parts) {
          int chunk = (int) (p.size() / outer);
          int from = (int) (r * chunk);
          if (df != null) {
            System.arraycopy(p.f, from, df, o, chunk);
          } else {
            System.arraycopy(p.l, from, dl, o, chunk);
          }
          o += chunk;
        }
      }
      return new Dense(first.dtype, outShape, df, dl);
    }

    /** Element-wise with NumPy broadcasting; {@code onLongs} null means the op is not defined on integers. */
    static Dense binary(Dense a, Dense b, DoubleBinaryOperator onDoubles, LongBinaryOperator onLongs) {
      if (a.dtype != b.dtype || (a.f == null && onLongs == null)) {
        return null;
      }
      int rank = Math.max(a.shape.length, b.shape.length);
      long[] outShape = new long[rank];
      for (int i = 0; i < rank; i++) {
        long da = dimFromEnd(a.shape, rank - 1 - i);
        long db = dimFromEnd(b.shape, rank - 1 - i);
        if (da != db && da != 1 && db != 1) {
          throw new IllegalArgumentException("shapes do not broadcast");
        }
        outShape[i] = Math.max(da, db);
      }
      long[] sa = broadcastStrides(a.shape, rank);
      long[] sb = broadcastStrides(b.shape, rank);
      long count = 1;
      for (long d : outShape) {
        count *= d;
      }
      if (count > MAX_FOLDED_ELEMENTS) {
        return null;
      }
      int n = (int) count;
      double[] df = a.f != null ? new double[n] : null;
      long[] dl = a.f == null ? new long[n] : null;
      int[] idx = new int[rank];
      for (int o = 0; o < n; o++) {
        int ia = 0;
        int ib = 0;
        for (int d = 0; d < rank; d++) {
          ia += (int) (idx[d] * sa[d]);
          ib += (int) (idx[d] * sb[d]);
        }
        if (df != null) {
          df[o] = onDoubles.applyAsDouble(a.f[ia], b.f[ib]);
        } else {
          dl[o] = onLongs.applyAsLong(a.l[ia], b.l[ib]);
        }
        for (int d = rank - 1; d >= 0; d--) {
          if (++idx[d] < outShape[d]) {
            break;
          }
          idx[d] = 0;
        }
      }
      return new Dense(a.dtype, outShape, df, dl);
    }

    private static long dimFromEnd(long[] shape, int fromEnd) {
      return fromEnd < shape.length ? shape[shape.length - 1 - fromEnd] : 1;
    }

    /** Strides into a tensor of {@code shape} aligned to {@code rank} dimensions; broadcast dimensions get 0. */
    private static long[] broadcastStrides(long[] shape, int rank) {
      long[] own = strides(shape);
      long[] out = new long[rank];
      int offset = rank - shape.length;
      for (int i = 0; i < shape.length; i++) {
        out[offset + i] = shape[i] == 1 ? 0 : own[i];
      }
      return out;
    }

    TensorValue toValue() {
      Shape s = Shape.of(shape);
      int n = size();
      ByteBuffer b = ByteBuffer.allocate(n * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        switch (dtype) {
          case FLOAT -> b.putFloat((float) f[i]);
          case DOUBLE -> b.putDouble(f[i]);
          case HALF -> b.putShort(Half.fromFloat((float) f[i]));
          case INT32 -> b.putInt((int) l[i]);
          case INT64 -> b.putLong(l[i]);
          case BOOL -> b.put((byte) (l[i] != 0 ? 1 : 0));
          default -> throw new IllegalStateException("cannot hold " + dtype);
        }
      }
      return TensorValue.ofBytes(dtype, s, b.array());
    }
  }
}
