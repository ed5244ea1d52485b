package dev.tftrt.convert.ops;

import dev.tftrt.convert.Converters;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * One-op graphs of every converter family whose numbers a converter can get wrong (weight layouts, SAME padding
 * sides, transposes, slice starts and strides, resize modes), with their inputs: run on a GPU by {@link OpsGpuTest} and on the CPU by {@link OpsCpuTest}.
 */
final class OpsNumericCases {
  static final int BATCH = 3;

  private OpsNumericCases() {}

  private static ConverterHarness graph() {
    return new ConverterHarness(Converters.standard());
  }

  private static Map<String, AttrValue> slice(long begin, long end, long shrink) {
    return Map.of("Index", AttrValue.of(DataType.INT32), "begin_mask", AttrValue.of(begin), "end_mask",
        AttrValue.of(end), "shrink_axis_mask", AttrValue.of(shrink));
  }

  private static TensorValue ints(long[] dims, int... values) {
    return TensorValue.ofInts(Shape.of(dims), values);
  }

  /** Convolution attributes: {@code padding}, {@code stride} on height and width, {@code dilation} too. */
  private static Map<String, AttrValue> conv(String padding, long stride, long dilation, String format) {
    boolean nhwc = format.equals("NHWC");
    return Map.of("padding", AttrValue.of(padding), "data_format", AttrValue.of(format),
        "strides", nhwc ? AttrValue.ofInts(1, stride, stride, 1) : AttrValue.ofInts(1, 1, stride, stride),
        "dilations", nhwc ? AttrValue.ofInts(1, dilation, dilation, 1) : AttrValue.ofInts(1, 1, dilation, dilation));
  }

  private static Map<String, AttrValue> pool(String padding, long size, long stride) {
    return Map.of("padding", AttrValue.of(padding), "ksize", AttrValue.ofInts(1, size, size, 1), "strides",
        AttrValue.ofInts(1, stride, stride, 1));
  }

  private static Map<String, AttrValue> batchNorm(String format) {
    return Map.of("U", AttrValue.of(DataType.FLOAT), "is_training", AttrValue.of(false), "epsilon",
        AttrValue.of(0.001f), "data_format", AttrValue.of(format));
  }

  private static float[] ramp(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (i % 7 - 3) / 4f;
    }
    return v;
  }

  /** Each case: the node's name and the harness holding every case's graph. */
  static Stream<Arguments> cases() {
    ConverterHarness h = graph()
        // Image families: odd sizes so that SAME padding puts its extra row and column after.
        .placeholder("x", -1, 7, 6, 3).placeholder("xc", -1, 3, 7, 6).placeholder("dy", -1, 4, 3, 4)
        .floats("filter", new long[] {3, 3, 3, 4}, ramp(108))
        .floats("depthwise_filter", new long[] {3, 3, 3, 2}, ramp(54))
        .floats("transposed_filter", new long[] {3, 3, 2, 4}, ramp(72)).ints("up_sizes", BATCH, 7, 6, 2)
        .floats("c3", new long[] {3}, 0.5f, -1f, 2f).floats("var", new long[] {3}, 0.5f, 2f, 1f)
        .op("conv_same_s2", "Conv2D", conv("SAME", 2, 1, "NHWC"), "x", "filter")
        .op("conv_dilated", "Conv2D", conv("SAME", 1, 2, "NHWC"), "x", "filter")
        .op("conv_nchw", "Conv2D", conv("VALID", 1, 1, "NCHW"), "xc", "filter")
        .op("depthwise", "DepthwiseConv2dNative", conv("SAME", 2, 1, "NHWC"), "x", "depthwise_filter")
        .op("deconv", "Conv2DBackpropInput", conv("SAME", 2, 1, "NHWC"), "up_sizes", "transposed_filter", "dy")
        .op("bias", "BiasAdd", "x", "c3")
        .op("bias_nchw", "BiasAdd", Map.of("data_format", AttrValue.of("NCHW")), "xc", "c3")
        .op("add", "AddV2", "x", "c3").op("sub_from", "Sub", "c3", "x").op("mul", "Mul", "x", "c3")
        .op("div", "RealDiv", "x", "c3").op("maximum", "Maximum", "x", "c3").op("minimum", "Minimum", "x", "c3")
        .op("relu", "Relu", "x").op("relu6", "Relu6", "x").op("sigmoid", "Sigmoid", "x").op("tanh", "Tanh", "x")
        .op("leaky", "LeakyRelu", Map.of("alpha", AttrValue.of(0.1f)), "x").op("elu", "Elu", "x")
        .op("selu", "Selu", "x").op("softplus", "Softplus", "x")
        .op("max_pool_same", "MaxPool", pool("SAME", 3, 2), "x")
        .op("avg_pool_same", "AvgPool", pool("SAME", 3, 2), "x")
        .op("avg_pool_valid", "AvgPool", pool("VALID", 2, 2), "x")
        .op("batch_norm", "FusedBatchNormV3", batchNorm("NHWC"), "x", "c3", "c3", "c3", "var")
        .op("batch_norm_nchw", "FusedBatchNormV3", batchNorm("NCHW"), "xc", "c3", "c3", "c3", "var")
        .placeholder("v", -1, 6).placeholder("m", -1, 4, 6).placeholder("img", -1, 4, 5, 3)
        .placeholder("q", -1, 2, 3, 4).placeholder("k", -1, 2, 5, 4).placeholder("unit", -1, 1, 6, 1)
        .placeholder("small", -1, 2, 3, 2)
        // MatMul family
        .floats("w", new long[] {6, 4}, ramp(24)).floats("wt", new long[] {4, 6}, ramp(24))
        .floats("w45", new long[] {4, 5}, ramp(20)).floats("w53", new long[] {5, 3}, ramp(15))
        .op("matmul", "MatMul", "v", "w")
        .op("matmul_tb", "MatMul", Map.of("transpose_b", AttrValue.of(true)), "v", "wt")
        .op("bmm_weights", "BatchMatMulV2", "q", "w45")
        .op("bmm_left", "BatchMatMulV2", "w53", "q")
        .op("bmm_tensors", "BatchMatMulV2", Map.of("adj_y", AttrValue.of(true)), "q", "k")
        // Shape family
        .ints("flat", -1, 60).ints("unflat", -1, 3, 2).ints("nchw", 0, 3, 1, 2).scalar("axis1", 1)
        .scalar("axis_last", -1)
        .op("reshape", "Reshape", "img", "flat")
        .op("reshape_split", "Reshape", "v", "unflat")
        .op("squeeze", "Squeeze", Map.of("squeeze_dims", AttrValue.ofInts(1, 3)), "unit")
        .op("expand", "ExpandDims", "m", "axis1")
        .op("transpose", "Transpose", "img", "nchw")
        .op("concat", "ConcatV2", Map.of("N", AttrValue.of(2L)), "m", "m", "axis_last")
        .op("pack", "Pack", Map.of("N", AttrValue.of(2L), "axis", AttrValue.of(1L)), "v", "v")
        .ints("b", 0, 1, 0).ints("e", 0, 3, 6).ints("s", 1, 1, 2).ints("row_b", 0, 2).ints("row_e", 0, 3)
        .ints("ones", 1, 1).ints("tail_b", 0, -2).ints("tail_e", 0, 0)
        .op("slice_window", "StridedSlice", slice(1, 1, 0), "m", "b", "e", "s")
        .op("slice_row", "StridedSlice", slice(1, 1, 2), "m", "row_b", "row_e", "ones")
        .op("slice_tail", "StridedSlice", slice(1, 3, 0), "m", "tail_b", "tail_e", "ones")
        .constant("pad_hw_p", ints(new long[] {4, 2}, 0, 0, 1, 2, 0, 1, 0, 0))
        .constant("pad_hc_p", ints(new long[] {4, 2}, 0, 0, 1, 0, 0, 0, 0, 2))
        .op("pad_hw", "Pad", "small", "pad_hw_p")
        .op("pad_hc", "Pad", "small", "pad_hc_p")
        // Reduction family
        .ints("hw", 1, 2).ints("last", -1)
        .op("mean", "Mean", "img", "hw")
        .op("sum_keep", "Sum", Map.of("keep_dims", AttrValue.of(true)), "img", "last")
        .op("max", "Max", "m", "axis1")
        .op("min", "Min", "m", "axis1")
        .op("softmax", "Softmax", "m")
        // Unary family
        .floats("lo", new long[0], 0.5f).floats("hi", new long[0], 2f)
        .op("sqrt", "Sqrt", "m").op("exp", "Exp", "m").op("log", "Log", "m").op("rsqrt", "Rsqrt", "m")
        .op("square", "Square", "m").op("clip", "ClipByValue", "m", "lo", "hi").op("identity", "Identity", "m")
        .op("cast_half", "Cast", Map.of("SrcT", AttrValue.of(DataType.FLOAT), "DstT", AttrValue.of(DataType.HALF)),
            "m")
        // Resize family
        .ints("size", 8, 7).ints("double", 8, 10)
        .op("bilinear", "ResizeBilinear", "img", "size")
        .op("bilinear_corners", "ResizeBilinear", Map.of("align_corners", AttrValue.of(true)), "img", "size")
        .op("bilinear_centers", "ResizeBilinear", Map.of("half_pixel_centers", AttrValue.of(true)), "img", "size")
        .op("nearest", "ResizeNearestNeighbor", "img", "size")
        .op("nearest_upsample", "ResizeNearestNeighbor", Map.of("half_pixel_centers", AttrValue.of(true)), "img",
            "double");
    return h.graph().nodes().stream().filter(n -> !n.op().equals("Placeholder") && !n.op().equals("Const"))
        .map(Node::name).map(name -> Arguments.of(name, h));
  }

  /** The cases whose op needs positive inputs to stay finite. */
  private static final Set<String> POSITIVE = Set.of("sqrt", "log", "rsqrt");

  /**
   * Varied inputs for the placeholders {@code node} reads: from -1.375 to 1.375 (both branches of the
   * activations), positive for {@link #POSITIVE}.
   */
  static Map<String, TensorValue> inputs(ConverterHarness h, String node) {
    return h.inputs(node, BATCH, POSITIVE.contains(node) ? i -> (i % 23 + 1) / 8.0 : i -> (i % 23 - 11) / 8.0);
  }
}
