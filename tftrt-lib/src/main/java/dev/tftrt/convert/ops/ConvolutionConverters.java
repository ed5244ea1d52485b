package dev.tftrt.convert.ops;

import static dev.tftrt.convert.ops.ConverterSupport.defineFromNchw;
import static dev.tftrt.convert.ops.ConverterSupport.floatImage;
import static dev.tftrt.convert.ops.ConverterSupport.isNhwc;
import static dev.tftrt.convert.ops.ConverterSupport.nchwInput;
import static dev.tftrt.convert.ops.ConverterSupport.shape;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.OpConverter;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.Optional;

/**
 * Conv2D, DepthwiseConv2dNative and Conv2DBackpropInput as TensorRT (de)convolutions over NCHW: an NHWC node reads
 * its input's NCHW twin and defines its output's (see {@code ConversionContext}). Filters must be constants,
 * TensorFlow's {@code [h, w, in, out]} rearranged into TensorRT's layouts.
 */
public final class ConvolutionConverters {
  private ConvolutionConverters() {}

  public static void register(ConverterRegistry registry) {
    registry.register("Conv2D", new Convolution(false));
    registry.register("DepthwiseConv2dNative", new Convolution(true));
    registry.register("Conv2DBackpropInput", new TransposedConvolution());
  }

  /** Indices of (batch, height, width, channels) in the node's {@code data_format}. */
  private static int[] layout(Node n) {
    return isNhwc(n) ? new int[] {0, 1, 2, 3} : new int[] {0, 2, 3, 1};
  }

  /**
   * Checks shared by the three ops: type, format, the image (input {@code image}) 4-D, strides and dilations on
   * batch and channels, padding.
   */
  private static Optional<String> imageAndWindow(ValidationContext c, Node n, int image, boolean dilationsAllowed) {
    Optional<String> r = floatImage(c, n, image);
    if (r.isPresent()) {
      return r;
    }
    int[] l = layout(n);
    long[] strides = n.intsAttr("strides");
    if (strides.length != 4 || strides[l[0]] != 1 || strides[l[3]] != 1) {
      return Optional.of("strides " + java.util.Arrays.toString(strides)
          + " are not supported (4 values, 1 on batch and channels)");
    }
    long[] dilations = n.intsAttr("dilations");
    if (dilations.length == 4) {
      if (dilations[l[0]] != 1 || dilations[l[3]] != 1) {
        return Optional.of("dilations " + java.util.Arrays.toString(dilations)
            + " are not supported (1 on batch and channels)");
      }
      if (!dilationsAllowed && (dilations[l[1]] != 1 || dilations[l[2]] != 1)) {
        return Optional.of("dilations " + java.util.Arrays.toString(dilations) + " are not supported here (1 only)");
      }
    }
    String padding = n.stringAttr("padding", "");
    if (!padding.equals("SAME") && !padding.equals("VALID") && !(dilationsAllowed && padding.equals("EXPLICIT"))) {
      return Optional.of("padding " + padding + " is not supported (SAME or VALID"
          + (dilationsAllowed ? ", EXPLICIT)" : ")"));
    }
    return Optional.empty();
  }

  private static Optional<String> constantFilter(ValidationContext c, Node n, int input) {
    Optional<TensorValue> f = c.constant(n.input(input));
    if (f.isEmpty() || !f.get().dtype().isFloating()) {
      return Optional.of("filter " + n.input(input) + " is not a float constant (TensorRT needs weights when building)");
    }
    if (f.get().shape().rank() != 4) {
      return Optional.of("filter " + n.input(input) + " has shape " + f.get().shape() + ", expected 4-D");
    }
    return Optional.empty();
  }

  private static long dilation(Node n, int dim) {
    long[] d = n.intsAttr("dilations");
    return d.length == 4 ? d[dim] : 1;
  }

  /** Conv2D (possibly grouped) and DepthwiseConv2dNative. */
  private static final class Convolution implements OpConverter {
    private final boolean depthwise;

    Convolution(boolean depthwise) {
      this.depthwise = depthwise;
    }

    @Override
    public Optional<String> validate(ValidationContext c, Node n) {
      Optional<String> r = imageAndWindow(c, n, 0, true).or(() -> constantFilter(c, n, 1));
      if (r.isPresent()) {
        return r;
      }
      Shape in = shape(c, n, 0);
      int[] l = layout(n);
      long channels = in.dim(l[3]);
      if (channels < 0) {
        return Optional.of("the channel dimension of input " + n.input(0) + " " + in
            + " is unknown (TensorRT needs it when building)");
      }
      Shape filter = c.constant(n.input(1)).orElseThrow().shape();
      long filterChannels = filter.dim(2);
      if (depthwise ? filterChannels != channels : channels % filterChannels != 0) {
        return Optional.of("filter " + filter + " does not fit " + channels + " input channels");
      }
      if (n.stringAttr("padding", "").equals("SAME") && (in.dim(l[1]) < 0 || in.dim(l[2]) < 0)) {
        return Optional.of("SAME padding needs a known height and width, input " + n.input(0) + " is " + in);
      }
      if (n.stringAttr("padding", "").equals("EXPLICIT")) {
        long[] p = n.intsAttr("explicit_paddings");
        if (p.length != 8 || p[2 * l[0]] != 0 || p[2 * l[0] + 1] != 0 || p[2 * l[3]] != 0 || p[2 * l[3] + 1] != 0) {
          return Optional.of("explicit_paddings " + java.util.Arrays.toString(p)
              + " are not supported (8 values, 0 on batch and channels)");
        }
      }
      return Optional.empty();
    }

    @Override
    public void convert(ConversionContext c, Node n) {
      ValidationContext v = c.validation();
      TensorValue filter = v.constant(n.input(1)).orElseThrow();
      long[] f = filter.shape().dims();
      int kh = (int) f[0];
      int kw = (int) f[1];
      int fc = (int) f[2];
      int fk = (int) f[3];
      int[] l = layout(n);
      Shape in = v.info(n.input(0)).orElseThrow().shape();
      int channels = (int) in.dim(l[3]);
      int groups = depthwise ? channels : channels / fc;
      int outputChannels = depthwise ? fc * fk : fk;
      float[] w = filter.toFloats();
      // TensorFlow [kh, kw, in, out] (depthwise: [kh, kw, channel, multiplier]) to TensorRT [out, in/groups, kh, kw].
      float[] kcrs = new float[w.length];
      int inPerGroup = depthwise ? 1 : fc;
      for (int r = 0; r < kh; r++) {
        for (int s = 0; s < kw; s++) {
          for (int ci = 0; ci < fc; ci++) {
            for (int k = 0; k < fk; k++) {
              int out = depthwise ? ci * fk + k : k;
              int inIndex = depthwise ? 0 : ci;
              kcrs[((out * inPerGroup + inIndex) * kh + r) * kw + s] = w[((r * kw + s) * fc + ci) * fk + k];
            }
          }
        }
      }
      long[] strides = n.intsAttr("strides");
      int[] stride = {(int) strides[l[1]], (int) strides[l[2]]};
      int[] dilation = {(int) dilation(n, l[1]), (int) dilation(n, l[2])};
      int[] pre = new int[2];
      int[] post = new int[2];
      String padding = n.stringAttr("padding", "VALID");
      long[] explicit = n.intsAttr("explicit_paddings");
      for (int i = 0; i < 2; i++) {
        int d = l[1 + i];
        int[] p = padding.equals("EXPLICIT") ? new int[] {(int) explicit[2 * d], (int) explicit[2 * d + 1]}
            : ConverterSupport.padding(padding, in.dim(d), i == 0 ? kh : kw, stride[i], dilation[i]);
        pre[i] = p[0];
        post[i] = p[1];
      }
      TrtTensor x = nchwInput(c, n, 0);
      TrtTensor y = c.network().convolution(n.name(), x, outputChannels, new int[] {kh, kw},
          TensorValue.ofFloats(Shape.of(outputChannels, inPerGroup, kh, kw), kcrs), null, stride, pre, post,
          dilation, groups);
      defineFromNchw(c, n, y);
    }
  }

  /** Conv2DBackpropInput (a transposed convolution) with a constant output size. */
  private static final class TransposedConvolution implements OpConverter {
    @Override
    public Optional<String> validate(ValidationContext c, Node n) {
      Optional<String> r = imageAndWindow(c, n, 2, false).or(() -> constantFilter(c, n, 1));
      if (r.isPresent()) {
        return r;
      }
      Optional<long[]> sizes = ConverterSupport.intConstant(c, n.input(0));
      if (sizes.isEmpty() || sizes.get().length != 4) {
        return Optional.of("input_sizes " + n.input(0) + " is not a constant of 4 values");
      }
      int[] l = layout(n);
      Shape in = shape(c, n, 2);
      if (in.dim(l[1]) < 0 || in.dim(l[2]) < 0 || in.dim(l[3]) < 0) {
        return Optional.of("out_backprop " + n.input(2) + " is " + in
            + "; height, width and channels must be known");
      }
      Shape filter = c.constant(n.input(1)).orElseThrow().shape();
      if (filter.dim(3) != in.dim(l[3]) || filter.dim(2) != sizes.get()[l[3]]) {
        return Optional.of("filter " + filter + " does not map " + in.dim(l[3]) + " to " + sizes.get()[l[3]]
            + " channels");
      }
      for (int i = 0; i < 2; i++) {
        long total = cropping(n, in.dim(l[1 + i]), filter.dim(i), sizes.get()[l[1 + i]], i);
        if (total < 0 || (n.stringAttr("padding", "").equals("VALID") && total != 0)) {
          return Optional.of("output size " + sizes.get()[l[1 + i]] + " needs rows or columns that TensorRT's "
              + "deconvolution does not produce (" + n.stringAttr("padding", "") + ", stride "
              + n.intsAttr("strides")[l[1 + i]] + ", window " + filter.dim(i) + ")");
        }
      }
      return Optional.empty();
    }

    /** What the full transposed convolution has beyond the asked output size in spatial dimension {@code i}. */
    private static long cropping(Node n, long in, long window, long out, int i) {
      long stride = n.intsAttr("strides")[layout(n)[1 + i]];
      return (in - 1) * stride + window - out;
    }

    @Override
    public void convert(ConversionContext c, Node n) {
      ValidationContext v = c.validation();
      TensorValue filter = v.constant(n.input(1)).orElseThrow();
      long[] f = filter.shape().dims();
      int kh = (int) f[0];
      int kw = (int) f[1];
      int outC = (int) f[2];
      int inC = (int) f[3];
      float[] w = filter.toFloats();
      // TensorFlow [kh, kw, out, in] to TensorRT's deconvolution [in, out, kh, kw].
      float[] ckrs = new float[w.length];
      for (int r = 0; r < kh; r++) {
        for (int s = 0; s < kw; s++) {
          for (int o = 0; o < outC; o++) {
            for (int i = 0; i < inC; i++) {
              ckrs[((i * outC + o) * kh + r) * kw + s] = w[((r * kw + s) * outC + o) * inC + i];
            }
          }
        }
      }
      int[] l = layout(n);
      Shape in = v.info(n.input(2)).orElseThrow().shape();
      long[] sizes = ConverterSupport.intConstant(v, n.input(0)).orElseThrow();
      long[] strides = n.intsAttr("strides");
      int[] stride = {(int) strides[l[1]], (int) strides[l[2]]};
      int[] pre = new int[2];
      int[] post = new int[2];
      for (int i = 0; i < 2; i++) {
        long total = cropping(n, in.dim(l[1 + i]), f[i], sizes[l[1 + i]], i);
        pre[i] = (int) (total / 2);
        post[i] = (int) (total - total / 2);
      }
      TrtTensor y = c.network().deconvolution(n.name(), nchwInput(c, n, 2), outC, new int[] {kh, kw},
          TensorValue.ofFloats(Shape.of(inC, outC, kh, kw), ckrs), null, stride, pre, post, 1);
      defineFromNchw(c, n, y);
    }
  }
}
