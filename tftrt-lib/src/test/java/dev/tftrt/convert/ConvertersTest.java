package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.plan.HandGraphs;
import dev.tftrt.runtime.SegmentSpec;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ConvertersTest {
  /** Issue 3's list: every op must have a converter in the standard registry. */
  private static final List<String> ISSUE_OPS = List.of("Conv2D", "DepthwiseConv2dNative", "Conv2DBackpropInput",
      "BiasAdd", "Add", "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Relu", "Relu6", "Sigmoid", "Tanh",
      "LeakyRelu", "Elu", "Selu", "Softplus", "MaxPool", "MaxPoolV2", "AvgPool", "FusedBatchNorm",
      "FusedBatchNormV2", "FusedBatchNormV3", "MatMul", "BatchMatMulV2", "Reshape", "Squeeze", "ExpandDims",
      "Transpose", "ConcatV2", "Pack", "Softmax", "Mean", "Sum", "Max", "Min", "Pad", "Identity", "Const", "Cast",
      "Rsqrt", "Sqrt", "Exp", "Log", "Square", "ClipByValue", "ResizeBilinear", "ResizeNearestNeighbor",
      "StridedSlice");

  private static ValidationContext context(Graph g) {
    return new ValidationContext(g, ShapeInference.infer(g), Precision.FP32);
  }

  @Test
  void standardRegistryCoversIssue3sOps() {
    TreeSet<String> missing = new TreeSet<>(ISSUE_OPS);
    missing.removeAll(Converters.standard().ops());
    assertEquals(new TreeSet<>(), missing);
  }

  @Test
  void checkerNamesOpsWithoutConverter() {
    Graph g = HandGraphs.create().placeholder("x", -1, 4).op("e", "Erfinv", "x").op("r", "Relu", "x").graph();
    var check = Converters.checker(Converters.standard(), context(g));
    assertEquals(Optional.of("no converter for Erfinv"), check.apply(g.node("e")));
    assertEquals(Optional.of("no converter for Placeholder"), check.apply(g.node("x")));
    assertEquals(Optional.empty(), check.apply(g.node("r")));
  }

  @Test
  void segmentBindingsAreNamedWithDynamicBatch() {
    Graph g = HandGraphs.create().placeholder("x", 1, 4).placeholder("y", 1, 4).floats("c", new long[] {4},
        1f, 2f, 3f, 4f).op("sum", "AddV2", "x", "y").op("scaled", "Mul", "sum", "c").op("relu", "Relu", "scaled")
        .graph();
    RecordingNetworkBuilder net = new RecordingNetworkBuilder();
    Converters.SegmentNetwork s = Converters.convertSegment(Converters.standard(), context(g), new SegmentSpec("seg",
        List.of("c", "sum", "scaled", "relu"), List.of(TensorRef.of("x"), TensorRef.of("y")),
        List.of(TensorRef.of("relu"), TensorRef.of("sum"))), net);
    assertEquals(List.of("input_0", "input_1"), net.inputs().stream().map(RecordingNetworkBuilder.Tensor::name)
        .toList());
    assertEquals(Shape.of(-1, 4), net.inputs().get(0).shape());
    assertEquals(List.of("output_0", "output_1"), List.copyOf(net.outputs().keySet()));
    assertEquals(s.outputs().get(0), net.outputs().get("output_0"));
    assertEquals(List.of("ElementWise", "Constant", "ElementWise", "Activation"), net.kinds());
  }

  @Test
  void nodesWithoutConverterCannotBeConverted() {
    Graph g = HandGraphs.create().placeholder("x", -1, 4).op("e", "Erfinv", "x").graph();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Converters.convertSegment(
        Converters.standard(), context(g), new SegmentSpec("seg", List.of("e"), List.of(TensorRef.of("x")),
            List.of(TensorRef.of("e"))), new RecordingNetworkBuilder()));
    assertTrue(e.getMessage().contains("no converter takes Erfinv"), e.getMessage());
  }
}
