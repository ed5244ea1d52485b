package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.LeftOut;
import dev.tftrt.plan.Segment;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.zoo.GeneratedModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Planning real models with the standard converters: the generated CNNs become one segment each, the KWS
 * model's left-out nodes are named with reasons, and the small CNN's segment converts into the layers and
 * output shape TensorFlow has.
 */
class ConversionPlanningTest {
  /** The ops of a CNN body. */
  private static final Set<String> BODY = Set.of("Conv2D", "DepthwiseConv2dNative", "BiasAdd", "Relu",
      "MaxPool", "AvgPool", "FusedBatchNormV3", "AddV2", "ConcatV2");

  private static ConversionPlan plan(Path model) {
    return new TrtGraphConverterV2(model, TrtConversionParams.defaults()).convert();
  }

  /** One segment holding every body op of the graph; returns it. */
  private static Segment assertBodyInOneSegment(ConversionPlan plan) {
    assertEquals(1, plan.segments().size(), "segments " + plan.segments() + ", left out " + plan.leftOut());
    Segment s = plan.segments().get(0);
    for (Node n : plan.graph().nodes()) {
      if (BODY.contains(n.op())) {
        assertTrue(s.contains(n.name()), n.name() + " (" + n.op() + ") is outside the segment: "
            + plan.leftOut().stream().filter(l -> l.node().equals(n.name())).findFirst());
      }
    }
    return s;
  }

  private static Map<String, String> leftOutReasons(ConversionPlan plan) {
    Map<String, String> m = new TreeMap<>();
    plan.leftOut().forEach(l -> m.put(l.op(), l.reason()));
    return m;
  }

  @Test
  void smallCnnIsOneSegment() {
    ConversionPlan plan = plan(GeneratedModels.smallCnn());
    assertBodyInOneSegment(plan);
    assertEquals(Map.of("Placeholder", "no converter for Placeholder"), leftOutReasons(plan));
  }

  @Test
  void inceptionBlockIsOneSegment() {
    ConversionPlan plan = plan(GeneratedModels.inceptionBlock());
    Segment s = assertBodyInOneSegment(plan);
    assertEquals(6, s.opHistogram().get("Conv2D"));
    assertEquals(Map.of("Placeholder", "no converter for Placeholder"), leftOutReasons(plan));
  }

  @Test
  void resnet50IsOneSegment() {
    ConversionPlan plan = plan(GeneratedModels.resnet50());
    Segment s = assertBodyInOneSegment(plan);
    assertEquals(53, s.opHistogram().get("FusedBatchNormV3"));
    assertEquals(16, s.opHistogram().get("AddV2"));
  }

  @Test
  void kwsPlansWithNamedReasons() {
    ConversionPlan plan = plan(Path.of("src/test/resources/models/mlperf_tiny_kws_dscnn_tf2"));
    assertBodyInOneSegment(plan);
    for (LeftOut l : plan.leftOut()) {
      assertFalse(l.reason().isBlank(), l.node() + " left out without a reason");
    }
    assertEquals("no converter for Placeholder", leftOutReasons(plan).get("Placeholder"));
  }

  /** The small CNN's segment as layers: each TensorFlow op in order, and TensorFlow's output shape. */
  @Test
  void smallCnnSegmentConvertsIntoTheLayersAndShapeTensorFlowHas() {
    ConversionPlan plan = plan(GeneratedModels.smallCnn());
    Segment s = plan.segments().get(0);
    ValidationContext context = new ValidationContext(plan.graph(), ShapeInference.infer(plan.graph()),
        Precision.FP32);
    RecordingNetworkBuilder net = new RecordingNetworkBuilder();
    Converters.convertSegment(Converters.standard(), context, SegmentSpec.of(s), net);

    assertEquals(List.of("input_0"), net.inputs().stream().map(RecordingNetworkBuilder.Tensor::name).toList());
    assertEquals(Shape.of(-1, 32, 32, 3), net.inputs().get(0).shape());
    // The image is transposed to NCHW once, and back once before the flatten (Reshape) reads it.
    List<String> expected = new java.util.ArrayList<>(List.of("Shuffle"));
    for (int i = 0; i < 4; i++) {
      expected.addAll(List.of("Convolution", "Scale", "Activation"));
      if (i % 2 == 1) {
        expected.add("Pooling");
      }
    }
    expected.add("Shuffle");
    List<String> kinds = net.kinds();
    assertEquals(expected, kinds.subList(0, expected.size()), "convolution body");
    assertEquals("SoftMax", kinds.get(kinds.size() - 1));
    assertTrue(kinds.contains("MatrixMultiply"), kinds.toString());

    TensorRef out = s.outputs().get(0);
    Map<String, long[]> feeds = Map.of(plan.model().inputs().get(0).tensor().node(), new long[] {2, 32, 32, 3});
    TensorInfo ran = TfShapes.runtimeShapes(plan.graph(), feeds, List.of(out)).get(out);
    assertEquals(ran.shape(), net.outputs().get("output_0").shape().withDim(0, 2));
    assertEquals(Shape.of(-1, 10), net.outputs().get("output_0").shape());
  }
}
