package dev.tftrt.convert.ops;

import static dev.tftrt.convert.ops.ConverterSupport.defineFromNchw;
import static dev.tftrt.convert.ops.ConverterSupport.floatImage;
import static dev.tftrt.convert.ops.ConverterSupport.isNhwc;
import static dev.tftrt.convert.ops.ConverterSupport.nchwInput;
import static dev.tftrt.convert.ops.ConverterSupport.shape;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.OpConverter;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * FusedBatchNorm, V2 and V3 in inference mode: with constant statistics the normalization is a per-channel
 * {@code x * scale + shift}, one scale layer over NCHW that TensorRT folds into the convolution before it.
 */
public final class NormalizationConverters {
  private static final List<String> PARAMETERS = List.of("scale", "offset", "mean", "variance");

  private NormalizationConverters() {}

  public static void register(ConverterRegistry registry) {
    registry.register("FusedBatchNorm", new BatchNorm());
    registry.register("FusedBatchNormV2", new BatchNorm());
    registry.register("FusedBatchNormV3", new BatchNorm());
  }

  private static final class BatchNorm implements OpConverter {
    @Override
    public Optional<String> validate(ValidationContext c, Node n) {
      if (n.boolAttr("is_training", true)) {
        return Optional.of("training mode (is_training=true) is not supported: it computes batch statistics");
      }
      Optional<String> r = floatImage(c, n, 0).or(() -> statisticsRead(c, n));
      if (r.isPresent()) {
        return r;
      }
      Shape in = shape(c, n, 0);
      long channels = in.dim(isNhwc(n) ? 3 : 1);
      if (channels < 0) {
        return Optional.of("the channel dimension of input " + n.input(0) + " " + in + " is unknown");
      }
      for (int i = 1; i <= 4; i++) {
        Optional<TensorValue> p = c.constant(n.input(i));
        if (p.isEmpty() || !p.get().dtype().isFloating()) {
          return Optional.of(PARAMETERS.get(i - 1) + " " + n.input(i) + " is not a float constant");
        }
        if (p.get().numElements() != channels) {
          return Optional.of(PARAMETERS.get(i - 1) + " has " + p.get().numElements() + " values for " + channels
              + " channels");
        }
      }
      return Optional.empty();
    }

    /**
     * Why not, when a node reads one of the other outputs (batch statistics, reserve spaces): only {@code y}
     * becomes a layer, so a segment holding this node could not give them.
     */
    private static Optional<String> statisticsRead(ValidationContext c, Node n) {
      for (int k = 1; k <= 5; k++) {
        TensorRef other = new TensorRef(n.name(), k);
        List<Map.Entry<String, Integer>> readers = c.graph().readersOf(other);
        if (!readers.isEmpty()) {
          return Optional.of("output " + other + " is read by " + readers.get(0).getKey() + ": only output 0 (y) is"
              + " converted, the batch statistics and reserve spaces are not");
        }
      }
      return Optional.empty();
    }

    @Override
    public void convert(ConversionContext c, Node n) {
      ValidationContext v = c.validation();
      float[] gamma = v.constant(n.input(1)).orElseThrow().toFloats();
      float[] beta = v.constant(n.input(2)).orElseThrow().toFloats();
      float[] mean = v.constant(n.input(3)).orElseThrow().toFloats();
      float[] variance = v.constant(n.input(4)).orElseThrow().toFloats();
      float epsilon = n.floatAttr("epsilon", 1e-4f);
      float[] scale = new float[gamma.length];
      float[] shift = new float[gamma.length];
      for (int i = 0; i < gamma.length; i++) {
        scale[i] = (float) (gamma[i] / Math.sqrt((double) variance[i] + epsilon));
        shift[i] = beta[i] - mean[i] * scale[i];
      }
      Shape channels = Shape.of(gamma.length);
      defineFromNchw(c, n, c.network().scale(n.name(), nchwInput(c, n, 0), TensorValue.ofFloats(channels, shift),
          TensorValue.ofFloats(channels, scale), null));
    }
  }
}
