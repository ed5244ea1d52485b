package dev.tftrt.convert.ops;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * One-input ops: {@code Identity}, {@code Const}, {@code Cast}, the element-wise math {@code Rsqrt},
 * {@code Sqrt}, {@code Exp}, {@code Log}, {@code Square}, and {@code ClipByValue} with constant bounds.
 */
public final class UnaryConverters {
  /** The types a constant may have: TensorRT's, plus 64-bit ones that are narrowed to 32 bits as weights. */
  static final Set<DataType> CONSTANT_TYPES = Set.copyOf(EnumSet.of(DataType.FLOAT, DataType.HALF,
      DataType.DOUBLE, DataType.INT32, DataType.INT64, DataType.INT8, DataType.BOOL));
  static final Set<DataType> CAST_TYPES = Inputs.FLOATS_AND_INT32;

  private UnaryConverters() {}

  public static void register(ConverterRegistry registry) {
    registry.register("Identity", new Identity());
    registry.register("Const", new Const());
    registry.register("Cast", new Cast());
    registry.register("Rsqrt", new Rsqrt());
    registry.register("Sqrt", new UnaryMath(NetworkBuilder.Unary.SQRT));
    registry.register("Exp", new UnaryMath(NetworkBuilder.Unary.EXP));
    registry.register("Log", new UnaryMath(NetworkBuilder.Unary.LOG));
    registry.register("Square", new Square());
    registry.register("ClipByValue", new ClipByValue());
  }

  /** {@code Identity} of a tensor or a constant: an identity layer (the graph passes remove most). */
  static final class Identity extends AnalyzingConverter<DataType> {
    @Override
    DataType analyze(ValidationContext context, Node node) throws Unsupported {
      Optional<TensorValue> constant = context.constant(node.input(0));
      DataType type = constant.isPresent() ? constant.get().dtype()
          : context.info(node.input(0)).map(TensorInfo::dtype).orElseThrow(() -> new Unsupported(
              "Identity's input has no static type (shape inference could not work it out)"));
      Inputs.requireType(type, node, Inputs.NETWORK_TYPES);
      return type;
    }

    @Override
    void emit(ConversionContext context, Node node, DataType type) {
      ConverterSupport.defineInInputLayout(context, node, x -> context.network().identity(node.name(), x, type));
    }
  }

  /**
   * {@code Const}: accepted so that it joins the segments reading it. Nothing is emitted here: a converter
   * reads it either by value (weights, shapes, axes) or as a tensor, and only then does {@code
   * ConversionContext.tensor} make it a constant layer.
   */
  static final class Const extends AnalyzingConverter<DataType> {
    @Override
    DataType analyze(ValidationContext context, Node node) throws Unsupported {
      TensorValue value = node.tensorAttr("value");
      Inputs.requireType(value.dtype(), node, CONSTANT_TYPES);
      if (value.dtype() == DataType.INT64) {
        for (long v : value.toLongs()) {
          if (v != (int) v) {
            throw new Unsupported("DT_INT64 constant with the value " + v + ", which does not fit in the 32-bit"
                + " integers of TensorRT 8.6");
          }
        }
      }
      return value.dtype();
    }

    @Override
    void emit(ConversionContext context, Node node, DataType type) {
      // Made a constant layer on first read as a tensor; see the class comment.
    }
  }

  /** {@code Cast} between float32, float16 and int32. */
  static final class Cast extends AnalyzingConverter<DataType> {
    @Override
    DataType analyze(ValidationContext context, Node node) throws Unsupported {
      TensorInfo in = Inputs.batchTensor(context, node, 0);
      DataType from = node.optionalTypeAttr("SrcT").orElse(in.dtype());
      DataType to = node.typeAttr("DstT");
      if (!CAST_TYPES.contains(from) || !CAST_TYPES.contains(to)) {
        throw new Unsupported("Cast from " + Inputs.typeName(from) + " to " + Inputs.typeName(to)
            + " is not supported: TensorRT casts between " + Inputs.typeNames(CAST_TYPES));
      }
      return to;
    }

    @Override
    void emit(ConversionContext context, Node node, DataType to) {
      ConverterSupport.defineInInputLayout(context, node, x -> context.network().identity(node.name(), x, to));
    }
  }

  /** A floating-point op on one tensor, with nothing to analyze beyond its input. */
  private abstract static class FloatingUnary extends AnalyzingConverter<TensorInfo> {
    @Override
    final TensorInfo analyze(ValidationContext context, Node node) throws Unsupported {
      return Inputs.typed(Inputs.batchTensor(context, node, 0), node, Inputs.FLOATS);
    }
  }

  /** {@code Sqrt}, {@code Exp}, {@code Log}: one TensorRT unary layer. */
  static final class UnaryMath extends FloatingUnary {
    private final NetworkBuilder.Unary operation;

    UnaryMath(NetworkBuilder.Unary operation) {
      this.operation = operation;
    }

    @Override
    void emit(ConversionContext context, Node node, TensorInfo in) {
      ConverterSupport.defineInInputLayout(context, node, x -> context.network().unary(node.name(), x, operation));
    }
  }

  /** {@code Rsqrt(x) = 1 / sqrt(x)}: TensorRT has no reciprocal square root layer, so two unary layers. */
  static final class Rsqrt extends FloatingUnary {
    @Override
    void emit(ConversionContext context, Node node, TensorInfo in) {
      NetworkBuilder network = context.network();
      ConverterSupport.defineInInputLayout(context, node, x -> network.unary(node.name(),
          network.unary(node.name() + "/sqrt", x, NetworkBuilder.Unary.SQRT), NetworkBuilder.Unary.RECIP));
    }
  }

  /** {@code Square(x) = x * x}: an element-wise product of the tensor with itself. */
  static final class Square extends FloatingUnary {
    @Override
    void emit(ConversionContext context, Node node, TensorInfo in) {
      ConverterSupport.defineInInputLayout(context, node,
          x -> context.network().elementwise(node.name(), x, x, NetworkBuilder.ElementWise.PROD));
    }
  }

  /** {@code ClipByValue(t, min, max)} with constant scalar bounds: TensorRT's clip activation. */
  static final class ClipByValue extends AnalyzingConverter<float[]> {
    @Override
    float[] analyze(ValidationContext context, Node node) throws Unsupported {
      Inputs.typed(Inputs.batchTensor(context, node, 0), node, Inputs.FLOATS);
      float low = scalarBound(context, node, 1, "clip_value_min");
      float high = scalarBound(context, node, 2, "clip_value_max");
      if (low > high) {
        throw new Unsupported("ClipByValue's clip_value_min " + low + " is above clip_value_max " + high);
      }
      return new float[] {low, high};
    }

    private static float scalarBound(ValidationContext context, Node node, int i, String role) throws Unsupported {
      TensorValue v = Inputs.constant(context, node, i, role);
      if (v.numElements() != 1) {
        throw new Unsupported("ClipByValue's " + role + " must be a scalar, got shape " + v.shape());
      }
      return v.toFloats()[0];
    }

    @Override
    void emit(ConversionContext context, Node node, float[] bounds) {
      ConverterSupport.defineInInputLayout(context, node, x -> context.network().activation(node.name(), x,
          NetworkBuilder.Activation.CLIP, bounds[0], bounds[1]));
    }
  }
}
