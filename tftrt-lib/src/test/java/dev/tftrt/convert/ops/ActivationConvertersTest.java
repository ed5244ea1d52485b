package dev.tftrt.convert.ops;

import static dev.tftrt.convert.ops.Segments.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.convert.NetworkBuilder.Activation;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.plan.HandGraphs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActivationConvertersTest {

  @Test
  void everyActivationKeepsItsShapeAndLayout() {
    HandGraphs h = HandGraphs.create().placeholder("x", -1, 4, 4, 3);
    List<String> ops = List.of("Relu", "Relu6", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Softplus");
    ops.forEach(op -> h.op(op, op, op.equals("LeakyRelu") ? Map.of("alpha", AttrValue.of(0.1f)) : Map.of(), "x"));
    RecordingNetworkBuilder net = Segments.convert(h.graph(), ActivationConverters::register, true,
        ops.toArray(String[]::new));
    assertEquals(List.of("Activation"), net.kinds().stream().distinct().toList());
    assertEquals(Activation.CLIP, net.layer("Relu6").params().get("activation"));
    assertEquals(6f, net.layer("Relu6").params().get("beta"));
    assertEquals(Activation.LEAKY_RELU, net.layer("LeakyRelu").params().get("activation"));
    assertEquals(0.1f, net.layer("LeakyRelu").params().get("alpha"));
    assertEquals(1.0507009873554805f, net.layer("Selu").params().get("beta"));
    assertEquals(Shape.of(-1, 4, 4, 3), net.layer("Tanh").output().shape());
  }

  @Test
  void rejectionsNameTheReason() {
    Graph g = HandGraphs.create().placeholder("x", -1, 4)
        .op("int_relu", "Relu", Map.of("T", AttrValue.of(DataType.INT32)), "x").graph();
    g.add(new Node("unranked", "Placeholder", Map.of("dtype", AttrValue.of(DataType.FLOAT)), List.of()));
    g.add(new Node("relu_unranked", "Relu", Map.of("T", AttrValue.of(DataType.FLOAT)),
        List.of(dev.tftrt.graph.TensorRef.of("unranked"))));
    assertRejected(g, ActivationConverters::register, "int_relu",
        "DT_INT32 is not supported by Relu (TensorRT takes DT_FLOAT, DT_HALF)");
    assertRejected(g, ActivationConverters::register, "relu_unranked", "the rank of input unranked is unknown");
  }
}
