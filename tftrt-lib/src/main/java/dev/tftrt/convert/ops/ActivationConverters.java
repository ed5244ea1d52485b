package dev.tftrt.convert.ops;

import static dev.tftrt.convert.ops.ConverterSupport.floatType;
import static dev.tftrt.convert.ops.ConverterSupport.knownRank;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.NetworkBuilder.Activation;
import dev.tftrt.convert.OpConverter;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Node;
import java.util.Optional;

/** Relu, Relu6, Sigmoid, Tanh, LeakyRelu, Elu, Selu and Softplus as TensorRT activation layers, on any layout. */
public final class ActivationConverters {
  /** SELU's constants, as TensorFlow defines them. */
  static final float SELU_ALPHA = 1.6732632423543772f;
  static final float SELU_SCALE = 1.0507009873554805f;

  private ActivationConverters() {}

  public static void register(ConverterRegistry registry) {
    registry.register("Relu", new ActivationOp(Activation.RELU, n -> 0f, 0f));
    registry.register("Relu6", new ActivationOp(Activation.CLIP, n -> 0f, 6f));
    registry.register("Sigmoid", new ActivationOp(Activation.SIGMOID, n -> 0f, 0f));
    registry.register("Tanh", new ActivationOp(Activation.TANH, n -> 0f, 0f));
    registry.register("LeakyRelu", new ActivationOp(Activation.LEAKY_RELU, n -> n.floatAttr("alpha", 0.2f), 0f));
    registry.register("Elu", new ActivationOp(Activation.ELU, n -> 1f, 0f));
    registry.register("Selu", new ActivationOp(Activation.SELU, n -> SELU_ALPHA, SELU_SCALE));
    registry.register("Softplus", new ActivationOp(Activation.SOFTPLUS, n -> 1f, 1f));
  }

  /** One activation kind; {@code alpha} may come from the node (LeakyRelu's slope). */
  private static final class ActivationOp implements OpConverter {
    private final Activation kind;
    private final java.util.function.Function<Node, Float> alpha;
    private final float beta;

    ActivationOp(Activation kind, java.util.function.Function<Node, Float> alpha, float beta) {
      this.kind = kind;
      this.alpha = alpha;
      this.beta = beta;
    }

    @Override
    public Optional<String> validate(ValidationContext c, Node n) {
      return floatType(n).or(() -> knownRank(c, n, 0));
    }

    @Override
    public void convert(ConversionContext c, Node n) {
      ConverterSupport.defineInInputLayout(c, n, x -> c.network().activation(n.name(), x, kind, alpha.apply(n), beta));
    }
  }
}
