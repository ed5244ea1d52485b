package dev.tftrt.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.graph.Graph;
import dev.tftrt.graph.TensorRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FusionPreviewTest {

  private static Segment wholeGraph(Graph g, String output) {
    List<String> nodes = g.topologicalOrder().stream().map(n -> n.name()).filter(n -> !n.equals("x")).toList();
    return new Segment("TRTEngineOp_000", nodes, List.of(TensorRef.of("x")), List.of(TensorRef.of(output)),
        Map.of(), nodes.size());
  }

  @Test
  void kerasConvolutionBiasBatchNormAndReluAreOneChain() {
    HandGraphs h = HandGraphs.create().placeholder("x", -1, 8, 8, 4);
    h.conv("c", "x", 3, 4, 2, 1, "SAME").floats("c/b", new long[] {2}, 0, 0).op("c/bias", "BiasAdd", "c", "c/b");
    for (String p : List.of("scale", "offset", "mean", "var")) {
      h.floats("bn/" + p, new long[] {2}, 1, 1);
    }
    h.op("bn", "FusedBatchNormV3", "c/bias", "bn/scale", "bn/offset", "bn/mean", "bn/var").op("relu", "Relu", "bn");

    FusionPreview f = FusionPreview.of(h.graph(), List.of(wholeGraph(h.graph(), "relu")), List.of());

    assertEquals(List.of(new FusionPreview.Fusion("Conv2D+BiasAdd+FusedBatchNormV3+Relu", "TRTEngineOp_000",
        List.of("c", "c/bias", "bn", "relu"))), f.vertical());
  }

  @Test
  void aChainStopsWhereAnIntermediateValueIsReadElsewhere() {
    HandGraphs h = HandGraphs.create().placeholder("x", -1, 8, 8, 4);
    h.conv("c", "x", 3, 4, 2, 1, "SAME").floats("c/b", new long[] {2}, 0, 0).op("c/bias", "BiasAdd", "c", "c/b")
        .op("relu", "Relu", "c/bias").op("sum", "AddV2", "relu", "c/bias");

    FusionPreview f = FusionPreview.of(h.graph(), List.of(wholeGraph(h.graph(), "sum")), List.of());

    assertEquals(List.of(new FusionPreview.Fusion("Conv2D+BiasAdd", "TRTEngineOp_000", List.of("c", "c/bias"))),
        f.vertical());
  }
}
