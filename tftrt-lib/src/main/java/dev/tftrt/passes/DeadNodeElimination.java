package dev.tftrt.passes;

import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/** Removes every node that the outputs do not depend on (through data or control edges). */
public final class DeadNodeElimination {
  public static final String REASON = "not needed by outputs";

  private DeadNodeElimination() {}

  /**
   * Keeps the ancestors of {@code outputs} and the nodes named in {@code keep} (signature inputs stay even when
   * unused, so that callers can still feed them).
   */
  public static PassResult apply(Graph graph, Collection<TensorRef> outputs, Collection<String> keep) {
    List<String> roots = new ArrayList<>(keep);
    outputs.forEach(t -> roots.add(t.node()));
    for (String r : roots) {
      if (!graph.contains(r)) {
        throw new IllegalArgumentException("output or kept node '" + r + "' is not in the graph");
      }
    }
    Set<String> live = graph.ancestors(roots, true);
    List<Node> kept = new ArrayList<>();
    List<RemovedNode> removed = new ArrayList<>();
    for (Node n : graph.nodes()) {
      if (live.contains(n.name())) {
        kept.add(n);
      } else {
        removed.add(new RemovedNode(n.name(), n.op(), REASON));
      }
    }
    return new PassResult(new Graph(kept), removed);
  }
}
