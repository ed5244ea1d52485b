package dev.tftrt.kernel.render;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GraphvizTest {
  @Test
  void laysOutClustersAndEdgesAsSvg() {
    String svg = Graphviz.find().svg("digraph g {\n subgraph cluster_trt { label=\"TRTEngineOp_000\"; conv; relu; }\n"
        + " input -> conv -> relu -> softmax;\n}\n");
    assertTrue(svg.contains("<svg"), svg);
    assertTrue(svg.contains("TRTEngineOp_000"), "the cluster label is drawn");
    assertTrue(svg.contains("<title>conv&#45;&gt;relu</title>"), "the edge is drawn: " + svg);
  }

  @Test
  void badDotSaysWhatDotSaid() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> Graphviz.find().svg("digraph { a -> }"));
    assertTrue(error.getMessage().startsWith("dot could not lay out the graph: Error:"), error.getMessage());
  }
}
