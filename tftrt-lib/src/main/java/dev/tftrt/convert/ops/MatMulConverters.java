package dev.tftrt.convert.ops;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.Optional;

/**
 * Matrix products: {@code MatMul} (a dense layer's tensor times its weight matrix) and {@code BatchMatMulV2}
 * (stacks of matrices, as in attention). Both become TensorRT matrix-multiply layers; a product may never run
 * across the batch dimension.
 */
public final class MatMulConverters {
  private MatMulConverters() {}

  public static void register(ConverterRegistry registry) {
    registry.register("MatMul", new MatMul());
    registry.register("BatchMatMulV2", new BatchMatMulV2());
  }

  /** {@code MatMul(a, b)}: {@code a} a {@code [batch, k]} tensor, {@code b} constant weights. */
  static final class MatMul extends AnalyzingConverter<Boolean> {
    /** Analysis: whether {@code b} is transposed. */
    @Override
    Boolean analyze(ValidationContext context, Node node) throws Unsupported {
      if (context.constant(node.input(1)).isEmpty()) {
        throw new Unsupported("MatMul's second input must be constant weights: a tensor there has its own batch"
            + " dimension, which the product would mix with the first input's");
      }
      TensorInfo a = Inputs.typed(Inputs.batchTensor(context, node, 0), node, Inputs.FLOATS);
      if (a.shape().rank() != 2) {
        throw new Unsupported("MatMul takes matrices (rank 2), got a tensor of shape " + a.shape());
      }
      if (node.boolAttr("transpose_a", false)) {
        throw new Unsupported("MatMul with transpose_a=true would move the batch dimension into the product");
      }
      TensorValue b = context.constant(node.input(1)).orElseThrow();
      Inputs.requireType(b.dtype(), node, Inputs.FLOATS);
      if (b.shape().rank() != 2) {
        throw new Unsupported("MatMul takes matrices (rank 2), got weights of shape " + b.shape());
      }
      return node.boolAttr("transpose_b", false);
    }

    @Override
    void emit(ConversionContext context, Node node, Boolean transposeB) {
      TrtTensor out = context.network().matrixMultiply(node.name(), context.tensor(node.input(0)), false,
          context.tensor(node.input(1)), transposeB);
      context.define(node.output(0), out);
    }
  }

  /**
   * {@code BatchMatMulV2(x, y)}: two tensors of equal rank (at least 3), or a tensor and a constant whose
   * missing leading dimensions broadcast (TensorRT needs equal ranks, so the constant gets leading 1s).
   */
  static final class BatchMatMulV2 extends AnalyzingConverter<BatchMatMulV2.Operands> {
    /** Each side's constant, reshaped to the tensor side's rank, or null when that side is a tensor. */
    record Operands(TensorValue x, TensorValue y) {}

    @Override
    Operands analyze(ValidationContext context, Node node) throws Unsupported {
      Optional<TensorValue> cx = context.constant(node.input(0));
      Optional<TensorValue> cy = context.constant(node.input(1));
      if (cx.isPresent() && cy.isPresent()) {
        throw new Unsupported("BatchMatMulV2 of two constants: constant folding computes it before conversion");
      }
      int tensorSide = cx.isPresent() ? 1 : 0;
      TensorInfo t = Inputs.typed(Inputs.batchTensor(context, node, tensorSide), node, Inputs.FLOATS);
      int rank = t.shape().rank();
      if (rank < 3) {
        throw new Unsupported("BatchMatMulV2 on a tensor of rank " + rank + " multiplies across the batch"
            + " dimension; it needs rank 3 or more (batch, rows, columns)");
      }
      if (cx.isEmpty() && cy.isEmpty()) {
        TensorInfo other = Inputs.typed(Inputs.batchTensor(context, node, 1), node, Inputs.FLOATS);
        if (other.shape().rank() != rank) {
          throw new Unsupported("BatchMatMulV2 of tensors of ranks " + rank + " and " + other.shape().rank()
              + ": both have the batch as dimension 0, so their ranks must be equal");
        }
        return new Operands(null, null);
      }
      TensorValue c = cx.orElseGet(cy::get);
      Inputs.requireType(c.dtype(), node, Inputs.FLOATS);
      TensorValue lifted = withRank(c, rank, node);
      return cx.isPresent() ? new Operands(lifted, null) : new Operands(null, lifted);
    }

    /** {@code c} with leading 1s up to {@code rank}; its own leading dimension may not pair with the batch. */
    private static TensorValue withRank(TensorValue c, int rank, Node node) throws Unsupported {
      long[] dims = c.shape().dims();
      if (dims.length < 2) {
        throw new Unsupported("BatchMatMulV2 takes matrices, got a constant of shape " + c.shape());
      }
      if (dims.length > rank || (dims.length == rank && dims[0] != 1)) {
        throw new Unsupported("BatchMatMulV2's constant of shape " + c.shape() + " would pair its first"
            + " dimension with the batch; only constants that broadcast over the batch are supported");
      }
      long[] lifted = new long[rank];
      java.util.Arrays.fill(lifted, 1);
      System.arraycopy(dims, 0, lifted, rank - dims.length, dims.length);
      return TensorValue.ofBytes(c.dtype(), Shape.of(lifted), c.bytes());
    }

    @Override
    void emit(ConversionContext context, Node node, Operands operands) {
      TrtTensor x = operand(context, node, 0, operands.x(), "x");
      TrtTensor y = operand(context, node, 1, operands.y(), "y");
      TrtTensor out = context.network().matrixMultiply(node.name(), x, node.boolAttr("adj_x", false), y,
          node.boolAttr("adj_y", false));
      context.define(node.output(0), out);
    }

    private static TrtTensor operand(ConversionContext context, Node node, int i, TensorValue constant,
        String role) {
      TensorRef ref = node.input(i);
      return constant == null ? context.tensor(ref) : context.network().constant(node.name() + "/" + role, constant);
    }
  }
}
