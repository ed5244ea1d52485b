package dev.tftrt.convert.ops;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.Optional;

/** What the families of this package share: the checks every converter makes, and NHWC/NCHW transposes. */
final class ConverterSupport {
  static final int[] NHWC_TO_NCHW = {0, 3, 1, 2};
  static final int[] NCHW_TO_NHWC = {0, 2, 3, 1};

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

  /** The static type and shape of input {@code i}, or empty when its rank is unknown. */
  static Optional<TensorInfo> ranked(ValidationContext c, Node n, int i) {
    return c.info(n.input(i)).filter(t -> t.shape().hasRank());
  }

  static String unknownRank(Node n, int i) {
    return "the rank of input " + n.input(i) + " is unknown";
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

  /** The network tensor of input {@code i} in NCHW: transposed from NHWC by a shuffle named {@code <node>/to_nchw}. */
  static TrtTensor nchwInput(ConversionContext c, Node n, int i) {
    TrtTensor x = c.tensor(n.input(i));
    return isNhwc(n) ? c.network().shuffle(n.name() + "/to_nchw", x, NHWC_TO_NCHW, null, null) : x;
  }

  /** Defines output 0 from an NCHW result, transposed back ({@code <node>/to_nhwc}) when the node is NHWC. */
  static void defineFromNchw(ConversionContext c, Node n, TrtTensor nchw) {
    c.define(n.output(0), isNhwc(n) ? c.network().shuffle(n.name() + "/to_nhwc", nchw, NCHW_TO_NHWC, null, null)
        : nchw);
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
