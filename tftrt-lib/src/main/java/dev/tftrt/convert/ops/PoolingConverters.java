package dev.tftrt.convert.ops;

import static dev.tftrt.convert.ops.ConverterSupport.defineFromNchw;
import static dev.tftrt.convert.ops.ConverterSupport.floatImage;
import static dev.tftrt.convert.ops.ConverterSupport.isNhwc;
import static dev.tftrt.convert.ops.ConverterSupport.nchwInput;
import static dev.tftrt.convert.ops.ConverterSupport.shape;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.NetworkBuilder.Pooling;
import dev.tftrt.convert.OpConverter;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import java.util.Arrays;
import java.util.Optional;

/**
 * MaxPool, MaxPoolV2 (window and strides as constant inputs) and AvgPool as TensorRT pooling over NCHW.
 * TensorFlow's SAME padding becomes explicit padding, which an average excludes from its count as TensorFlow does.
 */
public final class PoolingConverters {
  private PoolingConverters() {}

  public static void register(ConverterRegistry registry) {
    registry.register("MaxPool", new Pool(Pooling.MAX, false));
    registry.register("MaxPoolV2", new Pool(Pooling.MAX, true));
    registry.register("AvgPool", new Pool(Pooling.AVERAGE, false));
  }

  private static final class Pool implements OpConverter {
    private final Pooling kind;
    private final boolean windowAsInputs;

    Pool(Pooling kind, boolean windowAsInputs) {
      this.kind = kind;
      this.windowAsInputs = windowAsInputs;
    }

    private Optional<long[]> ksize(ValidationContext c, Node n) {
      return windowAsInputs ? ConverterSupport.intConstant(c, n.input(1)) : Optional.of(n.intsAttr("ksize"));
    }

    private Optional<long[]> strides(ValidationContext c, Node n) {
      return windowAsInputs ? ConverterSupport.intConstant(c, n.input(2)) : Optional.of(n.intsAttr("strides"));
    }

    private static int[] layout(Node n) {
      return isNhwc(n) ? new int[] {0, 1, 2, 3} : new int[] {0, 2, 3, 1};
    }

    @Override
    public Optional<String> validate(ValidationContext c, Node n) {
      Optional<String> r = floatImage(c, n, 0);
      if (r.isPresent()) {
        return r;
      }
      Shape in = shape(c, n, 0);
      Optional<long[]> ksize = ksize(c, n);
      Optional<long[]> strides = strides(c, n);
      if (ksize.isEmpty() || strides.isEmpty()) {
        return Optional.of("ksize and strides of " + n.op() + " are not constants");
      }
      int[] l = layout(n);
      long[] k = ksize.get();
      long[] s = strides.get();
      if (k.length != 4 || s.length != 4 || k[l[0]] != 1 || k[l[3]] != 1 || s[l[0]] != 1 || s[l[3]] != 1) {
        return Optional.of("ksize " + Arrays.toString(k) + " and strides " + Arrays.toString(s)
            + " are not supported (4 values each, 1 on batch and channels: no pooling across them)");
      }
      String padding = n.stringAttr("padding", "");
      if (!padding.equals("SAME") && !padding.equals("VALID")) {
        return Optional.of("padding " + padding + " is not supported (SAME or VALID)");
      }
      for (int i = 1; i <= 2; i++) {
        long dim = in.dim(l[i]);
        if (dim < 0 && padding.equals("SAME")) {
          return Optional.of("SAME padding needs a known height and width, input " + n.input(0) + " is " + in);
        }
        if (dim >= 0 && padding.equals("VALID") && dim < k[l[i]]) {
          return Optional.of("window " + Arrays.toString(k) + " is larger than input " + in);
        }
      }
      return Optional.empty();
    }

    @Override
    public void convert(ConversionContext c, Node n) {
      ValidationContext v = c.validation();
      int[] l = layout(n);
      long[] k = ksize(v, n).orElseThrow();
      long[] s = strides(v, n).orElseThrow();
      Shape in = v.info(n.input(0)).orElseThrow().shape();
      String padding = n.stringAttr("padding", "VALID");
      int[] window = {(int) k[l[1]], (int) k[l[2]]};
      int[] stride = {(int) s[l[1]], (int) s[l[2]]};
      int[] pre = new int[2];
      int[] post = new int[2];
      for (int i = 0; i < 2; i++) {
        int[] p = ConverterSupport.padding(padding, in.dim(l[1 + i]), window[i], stride[i], 1);
        pre[i] = p[0];
        post[i] = p[1];
      }
      defineFromNchw(c, n, c.network().pooling(n.name(), nchwInput(c, n, 0), kind, window, stride, pre, post, true));
    }
  }
}
