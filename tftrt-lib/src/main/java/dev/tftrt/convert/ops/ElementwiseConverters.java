package dev.tftrt.convert.ops;

import static dev.tftrt.convert.ops.ConverterSupport.defineFromNchw;
import static dev.tftrt.convert.ops.ConverterSupport.floatType;
import static dev.tftrt.convert.ops.ConverterSupport.imageFormat;
import static dev.tftrt.convert.ops.ConverterSupport.isNhwc;
import static dev.tftrt.convert.ops.ConverterSupport.nchwInput;
import static dev.tftrt.convert.ops.ConverterSupport.knownRank;
import static dev.tftrt.convert.ops.ConverterSupport.shape;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.NetworkBuilder.ElementWise;
import dev.tftrt.convert.OpConverter;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import java.util.Optional;

/**
 * BiasAdd and the binary element-wise ops with TensorFlow's broadcasting. TensorRT broadcasts only between
 * equal ranks, so a constant operand of lower rank becomes a constant layer with leading 1s; operands that are
 * not constants must already have equal ranks. Nothing may change the batch dimension: a constant operand's
 * dimension 0 must be 1 when it has the output's rank.
 */
public final class ElementwiseConverters {
  private ElementwiseConverters() {}

  public static void register(ConverterRegistry registry) {
    registry.register("BiasAdd", new BiasAdd());
    registry.register("Add", new Binary(ElementWise.SUM));
    registry.register("AddV2", new Binary(ElementWise.SUM));
    registry.register("Sub", new Binary(ElementWise.SUB));
    registry.register("Mul", new Binary(ElementWise.PROD));
    registry.register("RealDiv", new Binary(ElementWise.DIV));
    registry.register("Maximum", new Binary(ElementWise.MAX));
    registry.register("Minimum", new Binary(ElementWise.MIN));
  }

  /** {@code value} with leading 1s up to {@code rank} and the element type {@code type}. */
  private static TensorValue broadcastable(TensorValue value, int rank, DataType type) {
    long[] dims = value.shape().dims();
    long[] full = new long[rank];
    java.util.Arrays.fill(full, 1);
    System.arraycopy(dims, 0, full, rank - dims.length, dims.length);
    if (value.dtype() == type) {
      return TensorValue.ofBytes(type, Shape.of(full), value.bytes());
    }
    return TensorValue.ofFloats(Shape.of(full), value.toFloats());
  }

  /** A binary op whose operands broadcast as TensorFlow's do. */
  private static final class Binary implements OpConverter {
    private final ElementWise op;

    Binary(ElementWise op) {
      this.op = op;
    }

    @Override
    public Optional<String> validate(ValidationContext c, Node n) {
      Optional<String> r = floatType(n).or(() -> knownRank(c, n, 0)).or(() -> knownRank(c, n, 1));
      if (r.isPresent()) {
        return r;
      }
      Optional<TensorValue> a = c.constant(n.input(0));
      Optional<TensorValue> b = c.constant(n.input(1));
      if (a.isPresent() && b.isPresent()) {
        return Optional.of("both operands are constants (left to TensorFlow; constant folding handles them)");
      }
      Shape sa = shape(c, n, 0);
      Shape sb = shape(c, n, 1);
      Optional<TensorInfo> out = c.info(n.output(0)).filter(t -> t.shape().hasRank());
      if (out.isEmpty()) {
        return Optional.of("operand shapes " + sa + " and " + sb + " do not broadcast");
      }
      if (a.isEmpty() && b.isEmpty()) {
        return sa.rank() == sb.rank() ? Optional.empty() : Optional.of("operands of rank " + sa.rank() + " and "
            + sb.rank() + " that are not constants (TensorRT broadcasts equal ranks only)");
      }
      TensorValue constant = a.isPresent() ? a.get() : b.get();
      Shape tensor = a.isPresent() ? sb : sa;
      if (!constant.dtype().isFloating()) {
        return Optional.of("constant operand of type " + constant.dtype().tfName() + " is not float");
      }
      if (constant.shape().rank() > tensor.rank()) {
        return Optional.of("constant operand " + constant.shape() + " has more dimensions than " + tensor
            + " (it would change the batch dimension)");
      }
      if (constant.shape().rank() == tensor.rank() && tensor.rank() > 0 && constant.shape().dim(0) != 1) {
        return Optional.of("constant operand " + constant.shape() + " would fix the batch dimension "
            + "(its dimension 0 must be 1)");
      }
      return Optional.empty();
    }

    /**
     * Works in NCHW when the output is 4-D and a tensor operand has an NCHW twin (the other tensor operand is
     * transposed, constants are permuted), so that residual sums and scalings stay between image layers.
     */
    @Override
    public void convert(ConversionContext c, Node n) {
      int rank = c.validation().info(n.output(0)).orElseThrow().shape().rank();
      DataType type = n.typeAttr("T");
      boolean channelsFirst = rank == 4 && (c.hasNchw(n.input(0)) || c.hasNchw(n.input(1)));
      TrtTensor[] operands = new TrtTensor[2];
      for (int i = 0; i < 2; i++) {
        Optional<TensorValue> constant = c.validation().constant(n.input(i));
        String constantName = n.name() + "/operand_" + i;
        if (constant.isPresent() && channelsFirst) {
          operands[i] = c.network().constant(constantName, ConverterSupport.toNchw(
              broadcastable(constant.get(), rank, type)));
        } else if (constant.isPresent() && (constant.get().shape().rank() < rank || constant.get().dtype() != type)) {
          operands[i] = c.network().constant(constantName, broadcastable(constant.get(), rank, type));
        } else if (channelsFirst) {
          operands[i] = nchwInput(c, n, i);
        } else {
          operands[i] = c.tensor(n.input(i));
        }
      }
      TrtTensor result = c.network().elementwise(n.name(), operands[0], operands[1], op);
      if (channelsFirst) {
        c.defineNchw(n.output(0), result);
      } else {
        c.define(n.output(0), result);
      }
    }
  }

  /**
   * BiasAdd: a per-channel shift (a scale layer over NCHW) on 4-D inputs, which TensorRT fuses into the
   * convolution before it; an element-wise sum with a broadcastable constant on other ranks.
   */
  private static final class BiasAdd implements OpConverter {
    @Override
    public Optional<String> validate(ValidationContext c, Node n) {
      Optional<String> r = floatType(n).or(() -> imageFormat(n)).or(() -> knownRank(c, n, 0));
      if (r.isPresent()) {
        return r;
      }
      Shape in = shape(c, n, 0);
      if (in.rank() < 2) {
        return Optional.of("input " + n.input(0) + " has rank " + in.rank() + ", expected at least 2");
      }
      Optional<TensorValue> bias = c.constant(n.input(1));
      if (bias.isEmpty() || !bias.get().dtype().isFloating() || bias.get().shape().rank() != 1) {
        return Optional.of("bias " + n.input(1) + " is not a 1-D float constant");
      }
      long channels = in.dim(isNhwc(n) ? in.rank() - 1 : 1);
      if (channels >= 0 && channels != bias.get().numElements()) {
        return Optional.of("bias of " + bias.get().numElements() + " values does not fit " + channels
            + " channels of " + in);
      }
      if (channels < 0 && in.rank() == 4) {
        return Optional.of("the channel dimension of input " + n.input(0) + " " + in + " is unknown");
      }
      return Optional.empty();
    }

    @Override
    public void convert(ConversionContext c, Node n) {
      TensorValue bias = c.validation().constant(n.input(1)).orElseThrow();
      int rank = c.validation().info(n.input(0)).orElseThrow().shape().rank();
      float[] b = bias.toFloats();
      if (rank == 4) {
        TrtTensor y = c.network().scale(n.name(), nchwInput(c, n, 0), TensorValue.ofFloats(Shape.of(b.length), b),
            null, null);
        defineFromNchw(c, n, y);
        return;
      }
      long[] dims = new long[rank];
      java.util.Arrays.fill(dims, 1);
      dims[isNhwc(n) ? rank - 1 : 1] = b.length;
      TrtTensor constant = c.network().constant(n.name() + "/bias", TensorValue.ofFloats(Shape.of(dims), b));
      c.define(n.output(0), c.network().elementwise(n.name(), c.tensor(n.input(0)), constant, ElementWise.SUM));
    }
  }
}
