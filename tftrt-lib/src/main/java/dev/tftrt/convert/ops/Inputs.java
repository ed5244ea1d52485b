package dev.tftrt.convert.ops;

import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reading a node's inputs while analyzing it: static types and shapes, constant values, axes. Every tensor
 * flowing through a TF-TRT network has the batch as dimension 0 (TF-TRT's implicit-batch rule), so these
 * helpers treat dimension 0 as the batch: no layer may move, merge or reduce it.
 */
final class Inputs {
  static final Set<DataType> FLOATS = Set.copyOf(EnumSet.of(DataType.FLOAT, DataType.HALF));
  static final Set<DataType> FLOATS_AND_INT32 =
      Set.copyOf(EnumSet.of(DataType.FLOAT, DataType.HALF, DataType.INT32));
  /** The element types TensorRT 8.6 layers compute with (DT_UINT8 is for network inputs and casts only). */
  static final Set<DataType> NETWORK_TYPES = Set.copyOf(EnumSet.of(DataType.FLOAT, DataType.HALF, DataType.INT32,
      DataType.INT8, DataType.BOOL));

  private Inputs() {}

  /** A type as TensorFlow names it in messages: {@code DT_FLOAT}. */
  static String typeName(DataType type) {
    return "DT_" + type.name();
  }

  static String typeNames(Set<DataType> types) {
    return types.stream().sorted().map(Inputs::typeName).collect(Collectors.joining(", "));
  }

  /**
   * Input {@code i} as a network tensor: produced by a node (not a {@code Const}), of known rank of at least 1,
   * with the batch as dimension 0.
   */
  static TensorInfo batchTensor(ValidationContext context, Node node, int i) throws Unsupported {
    TensorRef ref = node.input(i);
    if (context.constant(ref).isPresent()) {
      throw new Unsupported(node.op() + " of a constant: TF-TRT converts it only on tensors that carry the batch"
          + " (constant folding computes constant-only ops before conversion)");
    }
    TensorInfo info = context.info(ref).orElseThrow(() -> new Unsupported(node.op()
        + "'s input has no static type and shape (shape inference could not work them out)"));
    if (!info.shape().hasRank()) {
      throw new Unsupported(node.op() + "'s input has an unknown rank");
    }
    if (info.shape().rank() == 0) {
      throw new Unsupported(node.op() + " of a scalar: TF-TRT's tensors have the batch as dimension 0,"
          + " and a scalar has none");
    }
    return info;
  }

  /** {@code info} when its type is one of {@code allowed}, else why not. */
  static TensorInfo typed(TensorInfo info, Node node, Set<DataType> allowed) throws Unsupported {
    requireType(info.dtype(), node, allowed);
    return info;
  }

  static void requireType(DataType type, Node node, Set<DataType> allowed) throws Unsupported {
    if (!allowed.contains(type)) {
      throw new Unsupported(typeName(type) + " is not supported by " + node.op() + " (TensorRT takes "
          + typeNames(allowed) + ")");
    }
  }

  /** The integer values of input {@code i}, which must be a {@code Const} ({@code role} names it). */
  static long[] constantInts(ValidationContext context, Node node, int i, String role) throws Unsupported {
    TensorValue v = constant(context, node, i, role);
    if (v.dtype() != DataType.INT32 && v.dtype() != DataType.INT64) {
      throw new Unsupported(node.op() + "'s " + role + " must be DT_INT32 or DT_INT64, not "
          + typeName(v.dtype()));
    }
    return v.toLongs();
  }

  /** The value of input {@code i}, which must be a {@code Const} ({@code role} names it). */
  static TensorValue constant(ValidationContext context, Node node, int i, String role) throws Unsupported {
    return context.constant(node.input(i)).orElseThrow(() -> new Unsupported(node.op() + "'s " + role
        + " must be a constant"));
  }

  /** {@code axis} (negative counts from the end) as an index into {@code rank} dimensions. */
  static int axis(long axis, int rank, Node node) throws Unsupported {
    if (axis < -rank || axis >= rank) {
      throw new Unsupported(node.op() + " axis " + axis + " is out of range for a tensor of rank " + rank);
    }
    return (int) (axis < 0 ? axis + rank : axis);
  }

  /** Fails when {@code axis} is the batch dimension; {@code what} reads like "Mean over". */
  static void notBatch(int axis, String what) throws Unsupported {
    if (axis == 0) {
      throw new Unsupported(what + " the batch dimension (axis 0) is not supported: TF-TRT's layers work on"
          + " each batch item alike");
    }
  }

  /** The dimensions of {@code shape}, whose non-batch dimensions must be known. */
  static long[] knownNonBatch(Shape shape, Node node) throws Unsupported {
    for (int i = 1; i < shape.rank(); i++) {
      if (shape.dim(i) < 0) {
        throw new Unsupported(node.op() + " needs the input's dimensions other than the batch to be known, got "
            + shape);
      }
    }
    return shape.dims();
  }

  /** Reshape dimensions for a shuffle: the given dimensions with the batch copied from the input (0). */
  static long[] copyingBatch(long[] dims) {
    long[] r = dims.clone();
    r[0] = 0;
    return r;
  }
}
