package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.convert.RecordingNetworkBuilder.Layer;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.Segment;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.zoo.GeneratedModels;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated ResNet-50 converted into a recorded network: its images stay NCHW from the first convolution to
 * the global average pool, so TensorRT sees convolution, scale (batch norm), activation and residual sum reading
 * each other directly and can fuse them.
 */
class ResNet50LayoutTest {
  private static ConversionPlan plan;
  private static RecordingNetworkBuilder network;
  /** Each layer by the name of the tensor it writes. */
  private static final Map<String, Layer> writers = new HashMap<>();

  @BeforeAll
  static void convert() {
    plan = new TrtGraphConverterV2(GeneratedModels.resnet50(), TrtConversionParams.defaults()).convert();
    Segment s = plan.segments().get(0);
    ValidationContext context = new ValidationContext(plan.graph(), ShapeInference.infer(plan.graph()),
        Precision.FP32);
    network = new RecordingNetworkBuilder();
    Converters.convertSegment(Converters.standard(), context, SegmentSpec.of(s), network);
    network.layers().forEach(l -> writers.put(l.output().name(), l));
    System.out.printf("ResNet-50 recorded network: %d layers, %d shuffles%n", network.layers().size(),
        network.kinds().stream().filter("Shuffle"::equals).count());
  }

  private static Layer reads(Layer layer, int input) {
    return writers.get(layer.inputs().get(input));
  }

  @Test
  void onlyTheInputIsTransposed() {
    List<Layer> shuffles = network.layers().stream().filter(l -> l.kind().equals("Shuffle")).toList();
    assertEquals(1, shuffles.size(), shuffles.toString());
    Layer toNchw = shuffles.get(0);
    assertEquals(List.of("input_0"), toNchw.inputs());
    assertEquals(Shape.of(-1, 3, 224, 224), toNchw.output().shape());
  }

  @Test
  void everyConvolutionFeedsItsBatchNormAndActivationDirectly() {
    int relus = 0;
    for (Node n : plan.graph().nodes()) {
      if (!n.op().equals("Relu")) {
        continue;
      }
      Layer activation = network.layer(n.name());
      Layer before = reads(activation, 0);
      if (plan.graph().node(n.input(0).node()).op().equals("AddV2")) {
        // Residual sum: the main branch's batch norm and the shortcut (a block's output or a batch norm).
        assertEquals("ElementWise", before.kind(), n.name());
        for (int i = 0; i < 2; i++) {
          String kind = reads(before, i).kind();
          assertTrue(kind.equals("Scale") || kind.equals("Activation"), n.name() + " sum reads a " + kind);
        }
      } else {
        assertEquals("Scale", before.kind(), n.name());
        assertEquals("Convolution", reads(before, 0).kind(), n.name());
        relus++;
      }
    }
    assertEquals(33, relus, "convolution + batch norm + ReLU chains");
  }

  @Test
  void globalAveragePoolReducesNchwImagesToTheFeatureVector() {
    Layer pool = network.layer("avg_pool");
    assertEquals("Reduce", pool.kind());
    assertEquals(List.of(2, 3), pool.params().get("axes"));
    assertEquals(Shape.of(-1, 2048), pool.output().shape());
    assertEquals(Shape.of(-1, 1000), network.outputs().get(SegmentSpec.outputBinding(0)).shape());
  }
}
