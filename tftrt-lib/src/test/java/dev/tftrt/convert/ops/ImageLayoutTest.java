package dev.tftrt.convert.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.convert.RecordingNetworkBuilder.Layer;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.plan.HandGraphs;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Images stay NCHW across converter families: one transpose where an NHWC tensor first meets an image layer,
 * one back where a reader needs TF's layout (a reshape, a segment output), none in between.
 */
class ImageLayoutTest {
  private static final Consumer<ConverterRegistry> ALL = r -> {
    ConvolutionConverters.register(r);
    ElementwiseConverters.register(r);
    ActivationConverters.register(r);
    PoolingConverters.register(r);
    ShapeConverters.register(r);
    ReductionConverters.register(r);
    UnaryConverters.register(r);
  };

  private static List<String> names(RecordingNetworkBuilder net, String kind) {
    return net.layers().stream().filter(l -> l.kind().equals(kind)).map(Layer::name).toList();
  }

  /** x [?, 6, 6, 3] -> "a" Conv2D+BiasAdd+Relu to 4 channels, its output "a/relu". */
  private static HandGraphs convBlockOnX() {
    return HandGraphs.create().placeholder("x", -1, 6, 6, 3).convBlock("a", "x", 3, 4);
  }

  @Test
  void aConvolutionChainIsTransposedOnceInAndOnceOutForItsOutput() {
    Graph g = convBlockOnX().graph();
    RecordingNetworkBuilder net = Segments.convert(g, ALL, true, "a/relu");
    assertEquals(List.of("Shuffle", "Convolution", "Scale", "Activation", "Shuffle"), net.kinds());
    assertEquals(List.of("a/conv/to_nchw", "a/relu/to_nhwc"), names(net, "Shuffle"));
    assertEquals(List.of("a/conv:0"), net.layer("a/bias").inputs());
    assertEquals(List.of("a/bias:0"), net.layer("a/relu").inputs());
  }

  @Test
  void aReshapeReadsTheNhwcFormAndTheNextImageLayerTheNchwOne() {
    Graph g = convBlockOnX().ints("flat", new long[] {2}, -1, 144).op("flatten", "Reshape", "a/relu", "flat")
        .conv("b", "a/relu", 1, 4, 2, 1, "VALID").op("b/relu", "Relu", "b").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ALL, true, "flatten", "b/relu");
    // TensorFlow's flatten order is NHWC's, so the reshape reads the transposed-back tensor.
    assertEquals(List.of("a/relu/to_nhwc:0"), net.layer("flatten").inputs());
    assertEquals(List.of("a/relu:0"), net.layer("b").inputs());
    assertEquals(List.of("a/conv/to_nchw", "a/relu/to_nhwc", "b/relu/to_nhwc"), names(net, "Shuffle").stream()
        .filter(n -> !n.equals("flatten")).toList());
  }

  @Test
  void siblingConvolutionsShareOneTransposeOfTheirInput() {
    Graph g = HandGraphs.create().placeholder("x", -1, 6, 6, 3).conv("p", "x", 1, 3, 2, 1, "VALID")
        .conv("q", "x", 1, 3, 5, 1, "VALID").conv("r", "x", 3, 3, 2, 2, "SAME").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ALL, true, "p", "q", "r");
    assertEquals(List.of("p/to_nchw", "p/to_nhwc", "q/to_nhwc", "r/to_nhwc"), names(net, "Shuffle"));
    for (String conv : List.of("p", "q", "r")) {
      assertEquals(List.of("p/to_nchw:0"), net.layer(conv).inputs(), conv);
    }
  }

  @Test
  void nchwModelsAreNotTransposed() {
    Map<String, AttrValue> nchw = ConvolutionConvertersTest.conv("SAME", 1, "NCHW");
    Graph g = HandGraphs.create().placeholder("x", -1, 3, 6, 6).floats("w", new long[] {3, 3, 3, 4},
            new float[108]).op("conv", "Conv2D", nchw, "x", "w").floats("b", new long[] {4}, 1, 2, 3, 4)
        .op("bias", "BiasAdd", Map.of("data_format", AttrValue.of("NCHW")), "conv", "b").op("relu", "Relu", "bias")
        .graph();
    RecordingNetworkBuilder net = Segments.convert(g, ALL, false, "relu");
    assertEquals(List.of("Convolution", "Scale", "Activation"), net.kinds());
  }

  @Test
  void residualSumsAndPerChannelConstantsStayNchw() {
    float[] perPixel = new float[36];
    for (int i = 0; i < perPixel.length; i++) {
      perPixel[i] = i;
    }
    Graph g = convBlockOnX().conv("b", "a/relu", 1, 4, 4, 1, "VALID").op("sum", "AddV2", "b", "a/relu")
        .floats("gain", new long[] {4}, 1, 2, 3, 4).op("scaled", "Mul", "sum", "gain")
        .floats("pixel", new long[] {6, 6, 1}, perPixel).op("shifted", "Sub", "pixel", "scaled")
        .graph();
    RecordingNetworkBuilder net = Segments.convert(g, ALL, true, "shifted");
    assertEquals(List.of("a/conv/to_nchw", "shifted/to_nhwc"), names(net, "Shuffle"));
    assertEquals(List.of("b:0", "a/relu:0"), net.layer("sum").inputs());
    TensorValue gain = (TensorValue) net.layer("scaled/operand_1").params().get("value");
    assertEquals(Shape.of(1, 4, 1, 1), gain.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4}, gain.toFloats());
    // [6, 6, 1] broadcast to NHWC [1, 6, 6, 1]: the same elements in NCHW [1, 1, 6, 6].
    TensorValue pixel = (TensorValue) net.layer("shifted/operand_0").params().get("value");
    assertEquals(Shape.of(1, 1, 6, 6), pixel.shape());
    assertArrayEquals(perPixel, pixel.toFloats());
  }

  @Test
  void concatenationOnChannelsJoinsNchwTwinsOnAxisOne() {
    Graph g = convBlockOnX().conv("b", "x", 1, 3, 2, 1, "VALID").ints("axis", new long[] {}, -1)
        .op("cat", "ConcatV2", Map.of("N", AttrValue.of(2L)), "a/relu", "b", "axis").ints("hw", new long[] {2}, 1, 2)
        .op("pool", "Mean", "cat", "hw").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ALL, true, "pool");
    assertEquals(1, net.layer("cat").params().get("axis"));
    // The global average pool of NCHW images gives [batch, channels] as TensorFlow's does: no transpose back.
    assertEquals(List.of("a/conv/to_nchw"), names(net, "Shuffle"));
    assertEquals(List.of(2, 3), net.layer("pool").params().get("axes"));
  }

  @Test
  void reductionsKeepingDimensionsStayNchwAndOthersReadNhwc() {
    Graph g = convBlockOnX().ints("hw", new long[] {2}, 1, 2).ints("h", new long[] {1}, 1)
        .op("kept", "Mean", Map.of("keep_dims", AttrValue.of(true)), "a/relu", "hw")
        .op("rows", "Max", "a/relu", "h").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ALL, true, "kept", "rows");
    assertEquals(List.of("a/relu:0"), net.layer("kept").inputs());
    assertEquals(List.of(2, 3), net.layer("kept").params().get("axes"));
    // Reducing the height leaves [batch, width, channels], which NCHW would give as [batch, channels, width].
    assertEquals(List.of("a/relu/to_nhwc:0"), net.layer("rows").inputs());
    assertEquals(List.of(1), net.layer("rows").params().get("axes"));
  }
}
