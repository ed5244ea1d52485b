package dev.tftrt.passes;

import dev.tftrt.graph.Graph;
import java.util.ArrayList;
import java.util.List;

/** The graph a pass produced (a new one; the input graph is not modified) and what it removed or replaced. */
public record PassResult(Graph graph, List<RemovedNode> removed) {
  public PassResult {
    removed = List.copyOf(removed);
  }

  /** Runs {@code next} on this result's graph and adds its removals after this one's. */
  public PassResult then(java.util.function.Function<Graph, PassResult> next) {
    PassResult r = next.apply(graph);
    List<RemovedNode> all = new ArrayList<>(removed);
    all.addAll(r.removed());
    return new PassResult(r.graph(), all);
  }
}
