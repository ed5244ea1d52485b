package dev.tftrt.figures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GraphvizTest {
  private static final String DOT = "digraph g {\n subgraph cluster_trt { label=\"TRTEngineOp_000\"; conv; relu; }\n"
      + " input -> conv -> relu -> softmax;\n}\n";

  @Test
  void laysOutClustersAndEdgesAsSvg() {
    String svg = Graphviz.find().svg(DOT);
    assertTrue(svg.contains("<svg"), svg);
    assertTrue(svg.contains("TRTEngineOp_000"), "the cluster label is drawn");
    assertTrue(svg.contains("<title>conv&#45;&gt;relu</title>"), "the edge is drawn: " + svg);
  }

  @Test
  void rendersPng() {
    byte[] png = Graphviz.find().png(DOT);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
  }

  @Test
  void badDotSaysWhatDotSaid() {
    TftrtException error = assertThrows(TftrtException.class, () -> Graphviz.find().svg("digraph { a -> }"));
    assertTrue(error.getMessage().startsWith("dot could not lay out the graph: Error:"), error.getMessage());
  }
}
