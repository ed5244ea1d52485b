package dev.tftrt.convert.ops;

import static dev.tftrt.convert.ops.Segments.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.plan.HandGraphs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConvolutionConvertersTest {

  static Map<String, AttrValue> conv(String padding, long stride, String format) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("padding", AttrValue.of(padding));
    a.put("data_format", AttrValue.of(format));
    a.put("strides", format.equals("NHWC") ? AttrValue.ofInts(1, stride, stride, 1)
        : AttrValue.ofInts(1, 1, stride, stride));
    return a;
  }

  /** Filter values that say where they are: 1000 r + 100 s + 10 c + k. */
  static float[] positional(int kh, int kw, int c, int k) {
    float[] w = new float[kh * kw * c * k];
    for (int r = 0; r < kh; r++) {
      for (int s = 0; s < kw; s++) {
        for (int ci = 0; ci < c; ci++) {
          for (int ki = 0; ki < k; ki++) {
            w[((r * kw + s) * c + ci) * k + ki] = 1000 * r + 100 * s + 10 * ci + ki;
          }
        }
      }
    }
    return w;
  }

  @Test
  void conv2dSameStride2IsTransposedConvolutionWithTensorFlowsPadding() {
    Graph g = HandGraphs.create().placeholder("x", -1, 9, 8, 3)
        .floats("w", new long[] {3, 3, 3, 4}, positional(3, 3, 3, 4))
        .op("conv", "Conv2D", conv("SAME", 2, "NHWC"), "x", "w").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ConvolutionConverters::register, true, "conv");
    assertEquals(List.of("Shuffle", "Convolution", "Shuffle"), net.kinds());
    RecordingNetworkBuilder.Layer c = net.layer("conv");
    // Out 5x4: height pads 1+1 (total 2), width 0+1 (total 1, the extra column after, as TensorFlow).
    assertEquals(List.of(1, 0), c.params().get("prePadding"));
    assertEquals(List.of(1, 1), c.params().get("postPadding"));
    assertEquals(List.of(2, 2), c.params().get("stride"));
    float[] kcrs = ((TensorValue) c.params().get("kernel")).toFloats();
    // KCRS [k=3][c=2][r=1][s=2] holds TensorFlow's w[r=1][s=2][c=2][k=3].
    assertEquals(1000 + 200 + 20 + 3, kcrs[((3 * 3 + 2) * 3 + 1) * 3 + 2]);
    assertEquals(List.of("conv/to_nchw", "conv", "conv/to_nhwc"), net.layers().stream()
        .map(RecordingNetworkBuilder.Layer::name).toList());
  }

  @Test
  void explicitPaddingAndDilationAreKept() {
    Map<String, AttrValue> a = conv("EXPLICIT", 1, "NHWC");
    a.put("explicit_paddings", AttrValue.ofInts(0, 0, 2, 1, 0, 3, 0, 0));
    a.put("dilations", AttrValue.ofInts(1, 2, 2, 1));
    Graph g = HandGraphs.create().placeholder("x", -1, 9, 8, 3)
        .floats("w", new long[] {3, 3, 3, 4}, new float[108])
        .op("conv", "Conv2D", a, "x", "w").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ConvolutionConverters::register, true, "conv");
    assertEquals(List.of(2, 0), net.layer("conv").params().get("prePadding"));
    assertEquals(List.of(1, 3), net.layer("conv").params().get("postPadding"));
    assertEquals(List.of(2, 2), net.layer("conv").params().get("dilation"));
  }

  @Test
  void nchwNeedsNoTransposeAndGroupedConvolutionCountsGroups() {
    Graph g = HandGraphs.create().placeholder("x", -1, 4, 8, 8)
        .floats("w", new long[] {3, 3, 2, 6}, new float[108])
        .op("grouped", "Conv2D", conv("VALID", 1, "NCHW"), "x", "w").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ConvolutionConverters::register, false, "grouped");
    assertEquals(List.of("Convolution"), net.kinds());
    assertEquals(2, net.layer("grouped").params().get("groups"));
  }

  @Test
  void depthwiseIsOneGroupPerChannel() {
    Graph g = HandGraphs.create().placeholder("x", -1, 8, 8, 3)
        .floats("w", new long[] {3, 3, 3, 2}, positional(3, 3, 3, 2))
        .op("dw", "DepthwiseConv2dNative", conv("SAME", 1, "NHWC"), "x", "w").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ConvolutionConverters::register, true, "dw");
    RecordingNetworkBuilder.Layer c = net.layer("dw");
    assertEquals(3, c.params().get("groups"));
    assertEquals(6, c.params().get("outputChannels"));
    // Output channel c*2+m reads input channel c with TensorFlow's w[r][s][c][m]: [k=5][0][r=2][s=1] = w[2][1][2][1].
    assertEquals(2000 + 100 + 20 + 1, ((TensorValue) c.params().get("kernel")).toFloats()[(5 * 3 + 2) * 3 + 1]);
  }

  @Test
  void transposedConvolutionCropsAsTensorFlow() {
    Graph g = HandGraphs.create().placeholder("dy", -1, 4, 3, 5)
        .floats("w", new long[] {3, 3, 2, 5}, new float[90]).ints("sizes", new long[] {4}, 2, 8, 6, 2)
        .op("up", "Conv2DBackpropInput", conv("SAME", 2, "NHWC"), "sizes", "w", "dy").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ConvolutionConverters::register, true, "up");
    assertEquals(List.of("Shuffle", "Deconvolution", "Shuffle"), net.kinds());
    // Full size (4-1)*2+3 = 9 rows for 8 asked: crop 0 before, 1 after.
    assertEquals(List.of(0, 0), net.layer("up").params().get("prePadding"));
    assertEquals(List.of(1, 1), net.layer("up").params().get("postPadding"));
  }

  @Test
  void rejectionsNameTheReason() {
    HandGraphs h = HandGraphs.create().placeholder("x", -1, 8, 8, 3).placeholder("xs", -1, -1, -1, 3)
        .placeholder("xc", -1, 8, 8, -1).placeholder("wx", 3, 3, 3, 4)
        .floats("w", new long[] {3, 3, 3, 4}, new float[108]);
    Map<String, AttrValue> ints = new LinkedHashMap<>(conv("SAME", 1, "NHWC"));
    ints.put("T", AttrValue.of(DataType.INT32));
    h.op("int_conv", "Conv2D", ints, "x", "w");
    h.op("weights_in", "Conv2D", conv("SAME", 1, "NHWC"), "x", "wx");
    h.op("same_unknown", "Conv2D", conv("SAME", 1, "NHWC"), "xs", "w");
    h.op("valid_unknown", "Conv2D", conv("VALID", 1, "NHWC"), "xs", "w");
    h.op("channels_unknown", "Conv2D", conv("VALID", 1, "NHWC"), "xc", "w");
    Map<String, AttrValue> batchStride = new LinkedHashMap<>(conv("SAME", 1, "NHWC"));
    batchStride.put("strides", AttrValue.ofInts(2, 1, 1, 1));
    h.op("batch_stride", "Conv2D", batchStride, "x", "w");
    h.op("format", "Conv2D", conv("SAME", 1, "NCHW_VECT_C"), "x", "w");
    Map<String, AttrValue> channelDilation = new LinkedHashMap<>(conv("VALID", 1, "NHWC"));
    channelDilation.put("dilations", AttrValue.ofInts(1, 1, 1, 2));
    h.op("channel_dilation", "Conv2D", channelDilation, "x", "w");
    Map<String, AttrValue> dilatedTranspose = new LinkedHashMap<>(conv("SAME", 1, "NHWC"));
    dilatedTranspose.put("dilations", AttrValue.ofInts(1, 2, 2, 1));
    h.ints("same_sizes", new long[] {4}, 1, 4, 4, 3);
    h.op("dilated_transpose", "Conv2DBackpropInput", dilatedTranspose, "same_sizes", "w", "dy");
    h.ints("sizes", new long[] {4}, 1, 10, 10, 3).placeholder("dy", -1, 4, 4, 4);
    h.op("valid_extra", "Conv2DBackpropInput", conv("VALID", 2, "NHWC"), "sizes", "w", "dy");
    Graph g = h.graph();
    assertRejected(g, ConvolutionConverters::register, "int_conv",
        "DT_INT32 is not supported by Conv2D (TensorRT takes DT_FLOAT, DT_HALF)");
    assertRejected(g, ConvolutionConverters::register, "weights_in",
        "filter wx is not a float constant (TensorRT needs weights when building)");
    assertRejected(g, ConvolutionConverters::register, "same_unknown",
        "SAME padding needs a known height and width, input xs is [?,?,?,3]");
    assertEquals(java.util.Optional.empty(), Segments.verdict(g, ConvolutionConverters::register, "valid_unknown"));
    assertRejected(g, ConvolutionConverters::register, "channels_unknown",
        "the channel dimension of input xc [?,8,8,?] is unknown (TensorRT needs it when building)");
    assertRejected(g, ConvolutionConverters::register, "batch_stride",
        "strides [2, 1, 1, 1] are not supported (4 values, 1 on batch and channels)");
    assertRejected(g, ConvolutionConverters::register, "format",
        "data_format NCHW_VECT_C is not supported (NHWC or NCHW)");
    assertRejected(g, ConvolutionConverters::register, "channel_dilation",
        "dilations [1, 1, 1, 2] are not supported (1 on batch and channels)");
    assertRejected(g, ConvolutionConverters::register, "dilated_transpose",
        "dilations [1, 2, 2, 1] are not supported here (1 only)");
    assertRejected(g, ConvolutionConverters::register, "valid_extra", "output size 10 needs rows or columns that "
        + "TensorRT's deconvolution does not produce (VALID, stride 2, window 3)");
  }
}
