package dev.tftrt.convert.ops;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** What the families of this package share: the checks every converter makes, and reading and defining images. */
final class ConverterSupport {
  private ConverterSupport() {}

  /** Why a node of element type {@code T} does not convert, if it is not float32 or float16. */
  static Optional<String> floatType(Node n) {
    try {
      Inputs.requireType(n.optionalTypeAttr("T").orElse(DataType.INVALID), n, Inputs.FLOATS);
      return Optional.empty();
    } catch (Unsupported e) {
      return Optional.of(e.getMessage());
    }
  }

  /** Why not, when the rank of input {@code i} is unknown. */
  static Optional<String> knownRank(ValidationContext c, Node n, int i) {
    return c.info(n.input(i)).filter(t -> t.shape().hasRank()).isPresent() ? Optional.empty()
        : Optional.of("the rank of input " + n.input(i) + " is unknown");
  }

  /**
   * Why not, when a node of images does not convert for its type, its {@code data_format}, or input {@code i}
   * not being 4-D: the checks every image converter starts with.
   */
  static Optional<String> floatImage(ValidationContext c, Node n, int i) {
    return floatType(n).or(() -> imageFormat(n)).or(() -> knownRank(c, n, i)).or(() -> {
      Shape in = shape(c, n, i);
      return in.rank() == 4 ? Optional.empty()
          : Optional.of("input " + n.input(i) + " has rank " + in.rank() + ", expected 4");
    });
  }

  /** The static shape of input {@code i}, once {@link #knownRank} accepted it. */
  static Shape shape(ValidationContext c, Node n, int i) {
    return c.info(n.input(i)).orElseThrow().shape();
  }

  /** A 4-D format TensorFlow names in {@code data_format}; others (NDHWC, NCHW_VECT_C) are refused. */
  static Optional<String> imageFormat(Node n) {
    String f = n.stringAttr("data_format", "NHWC");
    if (f.equals("NHWC") || f.equals("NCHW")) {
      return Optional.empty();
    }
    return Optional.of("data_format " + f + " is not supported (NHWC or NCHW)");
  }

  static boolean isNhwc(Node n) {
    return n.stringAttr("data_format", "NHWC").equals("NHWC");
  }

  /**
   * The network tensor of input {@code i} in NCHW: for an NHWC node its NCHW twin, transposed on first use by a
   * shuffle named {@code <node>/to_nchw} ({@code <node>/to_nchw_<i>} for inputs after the first).
   */
  static TrtTensor nchwInput(ConversionContext c, Node n, int i) {
    return isNhwc(n) ? c.nchwTensor(n.input(i), n.name() + (i == 0 ? "/to_nchw" : "/to_nchw_" + i))
        : c.tensor(n.input(i));
  }

  /** Defines output 0 from an NCHW result: the NCHW twin of an NHWC node's output, which stays channels first. */
  static void defineFromNchw(ConversionContext c, Node n, TrtTensor nchw) {
    if (isNhwc(n)) {
      c.defineNchw(n.output(0), nchw);
    } else {
      c.define(n.output(0), nchw);
    }
  }

  /**
   * Defines output 0 of a node whose layers work on one tensor in any layout ({@code layer}, element by element):
   * applied to input 0's NCHW twin when it has one, so that an image stays channels first, otherwise to input 0.
   */
  static void defineInInputLayout(ConversionContext c, Node n, UnaryOperator<TrtTensor> layer) {
    if (c.hasNchw(n.input(0))) {
      c.defineNchw(n.output(0), layer.apply(nchwInput(c, n, 0)));
    } else {
      c.define(n.output(0), layer.apply(c.tensor(n.input(0))));
    }
  }

  /** A 4-D NHWC value's elements in NCHW order (the layout of an NCHW twin); any element type. */
  static TensorValue toNchw(TensorValue nhwc) {
    long[] d = nhwc.shape().dims();
    byte[] from = nhwc.bytes();
    int size = Math.toIntExact(from.length / Math.max(1, nhwc.numElements()));
    int h = (int) d[1];
    int w = (int) d[2];
    int channels = (int) d[3];
    byte[] to = new byte[from.length];
    int image = h * w * channels;
    for (int b = 0; b < d[0]; b++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int ch = 0; ch < channels; ch++) {
            int src = b * image + (y * w + x) * channels + ch;
            int dst = b * image + (ch * h + y) * w + x;
            System.arraycopy(from, src * size, to, dst * size, size);
          }
        }
      }
    }
    return TensorValue.ofBytes(nhwc.dtype(), Shape.of(d[0], d[3], d[1], d[2]), to);
  }

  /** The elements of an integer constant input (axes, sizes), or empty. */
  static Optional<long[]> intConstant(ValidationContext c, TensorRef t) {
    return c.constant(t).filter(v -> v.dtype() == DataType.INT32 || v.dtype() == DataType.INT64)
        .map(TensorValue::toLongs);
  }

  /**
   * Explicit padding before and after one spatial dimension for TensorFlow's {@code SAME} (the extra row after,
   * as TensorFlow puts it) or {@code VALID}; {@code in} must be known for SAME.
   */
  static int[] padding(String mode, long in, long window, long stride, long dilation) {
    if (!mode.equals("SAME")) {
      return new int[] {0, 0};
    }
    long effective = (window - 1) * dilation + 1;
    long out = (in + stride - 1) / stride;
    long total = Math.max((out - 1) * stride + effective - in, 0);
    return new int[] {(int) (total / 2), (int) (total - total / 2)};
  }
}
