package dev.tftrt.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphTopologicalOrderTest {
  private static Node op(String name, List<String> inputs, List<String> control) {
    return new Node(name, "Op", Map.of(), inputs.stream().map(TensorRef::of).toList(), control, "");
  }

  private static List<String> names(Graph g) {
    return g.topologicalOrder().stream().map(Node::name).toList();
  }

  @Test
  void readyNodesComeInInsertionOrderAndEachNodeAfterAllItsInputs() {
    // Inserted consumers-first; "d" reads "b" twice and depends on "c" by control only.
    Graph g = new Graph(List.of(
        op("d", List.of("b", "b"), List.of("c")),
        op("c", List.of("a"), List.of()),
        op("b", List.of("a"), List.of()),
        op("a", List.of(), List.of()),
        op("e", List.of(), List.of())));
    assertEquals(List.of("a", "e", "c", "b", "d"), names(g));
  }

  @Test
  void aCycleIsNamedByItsSmallestNode() {
    Graph g = new Graph(List.of(
        op("x", List.of(), List.of()),
        op("q", List.of("p"), List.of()),
        op("p", List.of("x", "q"), List.of())));
    IllegalStateException e = assertThrows(IllegalStateException.class, g::topologicalOrder);
    assertEquals("graph has a cycle through node 'p'", e.getMessage());
  }

  @Test
  void aMissingInputIsNamedWithItsReader() {
    Graph g = new Graph(List.of(op("a", List.of(), List.of()), op("b", List.of("a"), List.of("gone"))));
    IllegalStateException e = assertThrows(IllegalStateException.class, g::topologicalOrder);
    assertEquals("node 'b' reads 'gone', which is not in the graph", e.getMessage());
  }
}
