package dev.tftrt.convert.ops;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Ops that move elements around without computing: {@code Reshape}, {@code Squeeze}, {@code ExpandDims},
 * {@code Transpose} (TensorRT shuffles), {@code ConcatV2}, {@code Pack}, {@code StridedSlice} and zero
 * {@code Pad}. The batch stays dimension 0 of every tensor (TF-TRT's implicit-batch rule), so each of them is
 * rejected when it would move, merge, split or cut the batch dimension. Shuffles copy the batch from their
 * input (reshape dimension 0), which keeps engines valid for every batch size.
 */
public final class ShapeConverters {
  private ShapeConverters() {}

  public static void register(ConverterRegistry registry) {
    registry.register("Reshape", new Reshape());
    registry.register("Squeeze", new Squeeze());
    registry.register("ExpandDims", new ExpandDims());
    registry.register("Transpose", new Transpose());
    registry.register("ConcatV2", new ConcatV2());
    registry.register("Pack", new Pack());
    registry.register("StridedSlice", new StridedSlice());
    registry.register("Pad", new Pad());
  }

  private static long product(long[] dims, int from) {
    long p = 1;
    for (int i = from; i < dims.length; i++) {
      p *= dims[i];
    }
    return p;
  }

  /** An op whose analysis is the reshape dimensions of one shuffle (batch copied). */
  private abstract static class ReshapingConverter extends AnalyzingConverter<long[]> {
    @Override
    final void emit(ConversionContext context, Node node, long[] reshape) {
      context.define(node.output(0),
          context.network().shuffle(node.name(), context.tensor(node.input(0)), null, reshape, null));
    }
  }

  /** {@code Reshape(tensor, shape)} with a constant shape that keeps dimension 0 the batch. */
  static final class Reshape extends ReshapingConverter {
    @Override
    long[] analyze(ValidationContext context, Node node) throws Unsupported {
      TensorInfo in = Inputs.typed(Inputs.batchTensor(context, node, 0), node, Inputs.NETWORK_TYPES);
      if (context.constant(node.input(1)).isEmpty()) {
        throw new Unsupported("Reshape's shape must be a constant; here it is computed at run time (as Keras'"
            + " Flatten does from tf.shape when the batch is dynamic)");
      }
      long[] target = Inputs.constantInts(context, node, 1, "shape");
      long[] dims = Inputs.knownNonBatch(in.shape(), node);
      if (target.length == 0) {
        throw new Unsupported("Reshape to a scalar removes the batch dimension");
      }
      int inferred = -1;
      for (int i = 0; i < target.length; i++) {
        if (target[i] == 0) {
          throw new Unsupported("Reshape to a zero-sized dimension is not supported");
        }
        if (target[i] < -1) {
          throw new Unsupported("Reshape's shape has the invalid dimension " + target[i]);
        }
        if (target[i] == -1) {
          if (inferred >= 0) {
            throw new Unsupported("Reshape's shape has more than one -1");
          }
          inferred = i;
        }
      }
      long elements = product(dims, 1);
      long[] out = target.clone();
      out[0] = 0;
      // The batch survives when dimension 0 is -1 and the rest holds one item exactly, or when dimension 0 is
      // the (static) batch size itself and the rest, with its -1 resolved, holds one item.
      boolean keepsBatch;
      if (target[0] == -1) {
        keepsBatch = product(target, 1) == elements;
      } else if (dims[0] >= 0 && target[0] == dims[0]) {
        if (inferred > 0) {
          long known = -product(target, 1);
          keepsBatch = elements % known == 0;
          out[inferred] = elements / known;
        } else {
          keepsBatch = product(target, 1) == elements;
        }
      } else {
        keepsBatch = false;
      }
      if (!keepsBatch) {
        throw new Unsupported("Reshape changes the batch dimension: " + in.shape() + " to "
            + Arrays.toString(target) + " would merge or split it; only the dimensions after the batch may"
            + " be reshaped");
      }
      return out;
    }
  }

  /** {@code Squeeze} of named size-1 dimensions other than the batch. */
  static final class Squeeze extends ReshapingConverter {
    @Override
    long[] analyze(ValidationContext context, Node node) throws Unsupported {
      TensorInfo in = Inputs.typed(Inputs.batchTensor(context, node, 0), node, Inputs.NETWORK_TYPES);
      long[] axes = node.intsAttr("squeeze_dims");
      if (axes.length == 0) {
        throw new Unsupported("Squeeze without squeeze_dims is not supported: with a batch of 1 it would also"
            + " remove the batch dimension; name the axes to squeeze");
      }
      long[] dims = Inputs.knownNonBatch(in.shape(), node);
      boolean[] dropped = new boolean[dims.length];
      for (long a : axes) {
        int axis = Inputs.axis(a, dims.length, node);
        Inputs.notBatch(axis, "Squeeze of");
        if (dims[axis] != 1) {
          throw new Unsupported("Squeeze of axis " + axis + " of size " + dims[axis] + " (shape " + in.shape()
              + "): only dimensions of size 1 can be squeezed");
        }
        dropped[axis] = true;
      }
      return Inputs.copyingBatch(IntStream.range(0, dims.length).filter(i -> !dropped[i]).mapToLong(i -> dims[i])
          .toArray());
    }
  }

  /** {@code ExpandDims(tensor, axis)}: a new size-1 dimension anywhere after the batch. */
  static final class ExpandDims extends ReshapingConverter {
    @Override
    long[] analyze(ValidationContext context, Node node) throws Unsupported {
      TensorInfo in = Inputs.typed(Inputs.batchTensor(context, node, 0), node, Inputs.NETWORK_TYPES);
      long[] axisValue = Inputs.constantInts(context, node, 1, "axis");
      if (axisValue.length != 1) {
        throw new Unsupported("ExpandDims's axis must be a single value, got " + axisValue.length);
      }
      long[] dims = Inputs.knownNonBatch(in.shape(), node);
      int axis = Inputs.axis(axisValue[0], dims.length + 1, node);
      Inputs.notBatch(axis, "ExpandDims at");
      return Inputs.copyingBatch(inserted(dims, axis));
    }
  }

  /** {@code dims} with a 1 inserted at {@code axis}. */
  private static long[] inserted(long[] dims, int axis) {
    long[] out = new long[dims.length + 1];
    for (int i = 0, j = 0; i < out.length; i++) {
      out[i] = i == axis ? 1 : dims[j++];
    }
    return out;
  }

  /** {@code Transpose(tensor, perm)} with a constant permutation that leaves the batch first. */
  static final class Transpose extends AnalyzingConverter<int[]> {
    @Override
    int[] analyze(ValidationContext context, Node node) throws Unsupported {
      TensorInfo in = Inputs.typed(Inputs.batchTensor(context, node, 0), node, Inputs.NETWORK_TYPES);
      long[] perm = Inputs.constantInts(context, node, 1, "perm");
      int rank = in.shape().rank();
      boolean[] seen = new boolean[rank];
      if (perm.length != rank) {
        throw new Unsupported("Transpose's perm has " + perm.length + " entries for a tensor of rank " + rank);
      }
      int[] order = new int[rank];
      for (int i = 0; i < rank; i++) {
        if (perm[i] < 0 || perm[i] >= rank || seen[(int) perm[i]]) {
          throw new Unsupported("Transpose's perm " + Arrays.toString(perm) + " is not a permutation");
        }
        seen[(int) perm[i]] = true;
        order[i] = (int) perm[i];
      }
      if (order[0] != 0) {
        throw new Unsupported("Transpose moves the batch dimension: perm " + Arrays.toString(perm)
            + " must start with 0");
      }
      return order;
    }

    @Override
    void emit(ConversionContext context, Node node, int[] order) {
      context.define(node.output(0),
          context.network().shuffle(node.name(), context.tensor(node.input(0)), order, null, null));
    }
  }

  /** {@code ConcatV2(values..., axis)}: tensors joined along a constant axis other than the batch. */
  static final class ConcatV2 extends AnalyzingConverter<Integer> {
    @Override
    Integer analyze(ValidationContext context, Node node) throws Unsupported {
      int n = node.inputs().size() - 1;
      long[] axisValue = Inputs.constantInts(context, node, n, "axis");
      if (axisValue.length != 1) {
        throw new Unsupported("ConcatV2's axis must be a single value, got " + axisValue.length);
      }
      int rank = -1;
      for (int i = 0; i < n; i++) {
        TensorInfo t = Inputs.typed(Inputs.batchTensor(context, node, i), node, Inputs.FLOATS_AND_INT32);
        if (rank >= 0 && t.shape().rank() != rank) {
          throw new Unsupported("ConcatV2 of tensors of different ranks (" + rank + " and "
              + t.shape().rank() + ")");
        }
        rank = t.shape().rank();
      }
      int axis = Inputs.axis(axisValue[0], rank, node);
      Inputs.notBatch(axis, "ConcatV2 along");
      return axis;
    }

    /** Joins 4-D tensors as NCHW twins when one of them has one, so concatenated images stay channels first. */
    @Override
    void emit(ConversionContext context, Node node, Integer axis) {
      int n = node.inputs().size() - 1;
      boolean channelsFirst = context.validation().info(node.input(0)).orElseThrow().shape().rank() == 4
          && IntStream.range(0, n).anyMatch(i -> context.hasNchw(node.input(i)));
      List<TrtTensor> parts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        parts.add(channelsFirst ? ConverterSupport.nchwInput(context, node, i) : context.tensor(node.input(i)));
      }
      if (channelsFirst) {
        context.defineNchw(node.output(0), context.network().concatenation(node.name(), parts,
            ConversionContext.NCHW_TO_NHWC[axis]));
      } else {
        context.define(node.output(0), context.network().concatenation(node.name(), parts, axis));
      }
    }
  }

  /** {@code Pack(values...)}: equal-shaped tensors stacked along a new axis after the batch. */
  static final class Pack extends AnalyzingConverter<Pack.Stacking> {
    /** Each input is reshaped to {@code expanded} (a 1 at {@code axis}), then all are concatenated there. */
    record Stacking(long[] expanded, int axis) {}

    @Override
    Stacking analyze(ValidationContext context, Node node) throws Unsupported {
      Shape shape = null;
      for (int i = 0; i < node.inputs().size(); i++) {
        TensorInfo t = Inputs.typed(Inputs.batchTensor(context, node, i), node, Inputs.FLOATS_AND_INT32);
        Inputs.knownNonBatch(t.shape(), node);
        if (shape != null && !sameItemShape(shape, t.shape())) {
          throw new Unsupported("Pack of tensors of different shapes (" + shape + " and " + t.shape() + ")");
        }
        shape = t.shape();
      }
      long[] dims = shape.dims();
      int axis = Inputs.axis(node.intAttr("axis", 0), dims.length + 1, node);
      Inputs.notBatch(axis, "Pack along");
      return new Stacking(Inputs.copyingBatch(inserted(dims, axis)), axis);
    }

    private static boolean sameItemShape(Shape a, Shape b) {
      return a.rank() == b.rank() && Arrays.equals(Arrays.copyOfRange(a.dims(), 1, a.rank()),
          Arrays.copyOfRange(b.dims(), 1, b.rank()));
    }

    @Override
    void emit(ConversionContext context, Node node, Stacking stacking) {
      List<TrtTensor> parts = new ArrayList<>();
      for (int i = 0; i < node.inputs().size(); i++) {
        parts.add(context.network().shuffle(node.name() + "/expand_" + i, context.tensor(node.input(i)), null,
            stacking.expanded(), null));
      }
      context.define(node.output(0), context.network().concatenation(node.name(), parts, stacking.axis()));
    }
  }

  /**
   * {@code StridedSlice} with constant begin, end and strides, begin/end masks and shrink_axis_mask; the batch
   * is kept whole. Ellipsis and new-axis masks are rejected.
   */
  static final class StridedSlice extends AnalyzingConverter<StridedSlice.Slicing> {
    /** One slice layer, then a reshape to {@code shrunk} when shrink_axis_mask removed dimensions. */
    record Slicing(long[] start, long[] size, long[] stride, long[] shrunk) {}

    @Override
    Slicing analyze(ValidationContext context, Node node) throws Unsupported {
      TensorInfo in = Inputs.typed(Inputs.batchTensor(context, node, 0), node, Inputs.NETWORK_TYPES);
      long[] begin = Inputs.constantInts(context, node, 1, "begin");
      long[] end = Inputs.constantInts(context, node, 2, "end");
      long[] strides = Inputs.constantInts(context, node, 3, "strides");
      if (begin.length != end.length || begin.length != strides.length) {
        throw new Unsupported("StridedSlice's begin, end and strides have different lengths");
      }
      if (node.intAttr("ellipsis_mask", 0) != 0) {
        throw new Unsupported("StridedSlice with an ellipsis (...) is not supported; write out every dimension");
      }
      if (node.intAttr("new_axis_mask", 0) != 0) {
        throw new Unsupported("StridedSlice with a new axis (tf.newaxis) is not supported; use ExpandDims");
      }
      long beginMask = node.intAttr("begin_mask", 0);
      long endMask = node.intAttr("end_mask", 0);
      long shrinkMask = node.intAttr("shrink_axis_mask", 0);
      long[] dims = in.shape().dims();
      int rank = dims.length;
      if (begin.length > rank) {
        throw new Unsupported("StridedSlice indexes " + begin.length + " dimensions of a tensor of rank " + rank);
      }
      long[] start = new long[rank];
      long[] size = new long[rank];
      long[] stride = new long[rank];
      List<Long> kept = new ArrayList<>();
      for (int i = 0; i < rank; i++) {
        boolean listed = i < begin.length;
        boolean fromStart = !listed || (beginMask >> i & 1) == 1;
        boolean toEnd = !listed || (endMask >> i & 1) == 1;
        boolean shrink = listed && (shrinkMask >> i & 1) == 1;
        long step = listed ? strides[i] : 1;
        if (step == 0) {
          throw new Unsupported("StridedSlice's stride must not be 0");
        }
        if (step < 0) {
          throw new Unsupported("StridedSlice with a negative stride (reversing a dimension) is not supported");
        }
        if (i == 0) {
          // The whole batch: begin 0 (or masked), end masked (or past any batch size), stride 1, kept.
          boolean whole = !shrink && step == 1 && (fromStart || begin[0] == 0)
              && (toEnd || end[0] >= Integer.MAX_VALUE);
          if (!whole) {
            throw new Unsupported("StridedSlice of the batch dimension (axis 0) is not supported: it must keep"
                + " every batch item (begin 0, end_mask bit 0 set, stride 1, no shrink)");
          }
          size[0] = -1;
          stride[0] = 1;
          kept.add(0L);
          continue;
        }
        long d = dims[i];
        if (d < 0) {
          throw new Unsupported("StridedSlice needs the size of every sliced dimension, got shape " + in.shape());
        }
        stride[i] = step;
        if (shrink) {
          long index = begin[i] < 0 ? begin[i] + d : begin[i];
          if (index < 0 || index >= d) {
            throw new Unsupported("StridedSlice index " + begin[i] + " is out of range for dimension " + i
                + " of size " + d);
          }
          start[i] = index;
          size[i] = 1;
          stride[i] = 1;
          continue;
        }
        long b = fromStart ? 0 : clamp(begin[i] < 0 ? begin[i] + d : begin[i], d);
        long e = toEnd ? d : clamp(end[i] < 0 ? end[i] + d : end[i], d);
        long n = e <= b ? 0 : (e - b + step - 1) / step;
        if (n == 0) {
          throw new Unsupported("StridedSlice producing an empty tensor is not supported");
        }
        start[i] = b;
        size[i] = n;
        kept.add(n);
      }
      long[] shrunk = kept.size() < rank ? kept.stream().mapToLong(Long::longValue).toArray() : null;
      return new Slicing(start, size, stride, shrunk);
    }

    private static long clamp(long v, long d) {
      return Math.max(0, Math.min(v, d));
    }

    @Override
    void emit(ConversionContext context, Node node, Slicing s) {
      NetworkBuilder network = context.network();
      TrtTensor x = context.tensor(node.input(0));
      TrtTensor out = s.shrunk() == null
          ? network.slice(node.name(), x, s.start(), s.size(), s.stride())
          : network.shuffle(node.name() + "/shrink",
              network.slice(node.name(), x, s.start(), s.size(), s.stride()), null, s.shrunk(), null);
      context.define(node.output(0), out);
    }
  }

  /**
   * {@code Pad(tensor, paddings)} of a 4-D tensor with zeros on at most two dimensions other than the batch
   * (height and width of an image). TensorRT pads the last two dimensions: an NHWC image is padded as its NCHW
   * twin (where height and width are last), other pairs are transposed there and back.
   */
  static final class Pad extends AnalyzingConverter<long[]> {
    /** Analysis: the zeros before and after each dimension, {@code [before0, after0, before1, ...]}. */
    @Override
    long[] analyze(ValidationContext context, Node node) throws Unsupported {
      TensorInfo in = Inputs.typed(Inputs.batchTensor(context, node, 0), node, Inputs.FLOATS_AND_INT32);
      int rank = in.shape().rank();
      if (rank != 4) {
        throw new Unsupported("Pad of a rank-" + rank + " tensor is not supported: TensorRT pads 4-D tensors"
            + " (images)");
      }
      long[] p = Inputs.constantInts(context, node, 1, "paddings");
      if (p.length != 2 * rank) {
        throw new Unsupported("Pad's paddings must have shape [" + rank + ", 2]");
      }
      int padded = 0;
      for (int i = 0; i < rank; i++) {
        if (p[2 * i] < 0 || p[2 * i + 1] < 0) {
          throw new Unsupported("Pad with negative paddings is not supported");
        }
        if (p[2 * i] != 0 || p[2 * i + 1] != 0) {
          Inputs.notBatch(i, "Pad of");
          padded++;
        }
      }
      if (padded > 2) {
        throw new Unsupported("Pad of " + padded + " dimensions is not supported: TensorRT pads two"
            + " (height and width)");
      }
      return p;
    }

    @Override
    void emit(ConversionContext context, Node node, long[] paddings) {
      // Without the last dimension padded, an NHWC image pads as its NCHW twin with no transposes.
      boolean lastUnpadded = paddings[6] == 0 && paddings[7] == 0;
      boolean channelsFirst = context.hasNchw(node.input(0)) || lastUnpadded;
      TrtTensor x = channelsFirst ? ConverterSupport.nchwInput(context, node, 0) : context.tensor(node.input(0));
      long[] p = new long[8];
      for (int i = 0; i < 4; i++) {
        int from = channelsFirst ? ConversionContext.NHWC_TO_NCHW[i] : i;
        p[2 * i] = paddings[2 * from];
        p[2 * i + 1] = paddings[2 * from + 1];
      }
      TrtTensor out = padTwo(context.network(), node.name(), x, p);
      if (channelsFirst) {
        context.defineNchw(node.output(0), out);
      } else {
        context.define(node.output(0), out);
      }
    }

    /** Pads {@code x} by {@code p} (pairs per dimension, at most two padded), moving those two dimensions last. */
    private static TrtTensor padTwo(NetworkBuilder network, String name, TrtTensor x, long[] p) {
      List<Integer> padded = new ArrayList<>();
      for (int i = 1; i < 4; i++) {
        if (p[2 * i] != 0 || p[2 * i + 1] != 0) {
          padded.add(i);
        }
      }
      // The two dimensions to pad: the padded ones, completed with their neighbours, in order.
      int first = padded.isEmpty() ? 2 : padded.size() == 2 ? padded.get(0) : Math.min(padded.get(0), 2);
      int second = padded.size() == 2 ? padded.get(1) : first + 1;
      int[] pre = {(int) p[2 * first], (int) p[2 * second]};
      int[] post = {(int) p[2 * first + 1], (int) p[2 * second + 1]};
      if (first == 2 && second == 3) {
        return network.padding(name, x, pre, post);
      }
      int[] toLast = new int[4];
      int j = 0;
      for (int i = 0; i < 4; i++) {
        if (i != first && i != second) {
          toLast[j++] = i;
        }
      }
      toLast[2] = first;
      toLast[3] = second;
      int[] back = new int[4];
      for (int i = 0; i < 4; i++) {
        back[toLast[i]] = i;
      }
      TrtTensor last = network.shuffle(name + "/to_last", x, toLast, null, null);
      return network.shuffle(name + "/back", network.padding(name, last, pre, post), back, null, null);
    }
  }
}
