package dev.tftrt.convert.ops;

import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * One-op graphs whose numbers a converter can get wrong (transposes, slice starts and strides, padding sides,
 * resize modes), with their inputs: run on a GPU by {@link OpsGpuTest} and on the CPU by {@link OpsCpuTest}.
 */
final class OpsNumericCases {
  static final int BATCH = 3;

  private OpsNumericCases() {}

  private static ConverterHarness graph() {
    return new ConverterHarness(OpsNumericCases::families);
  }

  private static void families(ConverterRegistry registry) {
    MatMulConverters.register(registry);
    ShapeConverters.register(registry);
    ReductionConverters.register(registry);
    UnaryConverters.register(registry);
    ResizeConverters.register(registry);
  }

  private static Map<String, AttrValue> slice(long begin, long end, long shrink) {
    return Map.of("Index", AttrValue.of(DataType.INT32), "begin_mask", AttrValue.of(begin), "end_mask",
        AttrValue.of(end), "shrink_axis_mask", AttrValue.of(shrink));
  }

  private static TensorValue ints(long[] dims, int... values) {
    return TensorValue.ofInts(Shape.of(dims), values);
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

  /** Positive, varied inputs for the placeholders {@code node} reads: Log, Sqrt and Rsqrt stay finite. */
  static Map<String, TensorValue> inputs(ConverterHarness h, String node) {
    return h.inputs(node, BATCH, i -> (i % 23 + 1) / 8.0);
  }
}
