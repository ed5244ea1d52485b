package dev.tftrt.passes;

import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bypasses forwarding ops ({@code Identity}, {@code IdentityN}, {@code Snapshot}, {@code StopGradient}):
 * their readers read the forwarded tensor directly. A node is kept when it produces a graph output (the
 * signature names it) or takes part in a control dependency (bypassing it would lose the ordering).
 */
public final class IdentityRemoval {
  static final Set<String> FORWARDING_OPS = Set.of("Identity", "IdentityN", "Snapshot", "StopGradient");

  private IdentityRemoval() {}

  public static PassResult apply(Graph graph, Collection<TensorRef> outputs) {
    Set<String> pinned = new HashSet<>();
    outputs.forEach(t -> pinned.add(t.node()));
    for (Node n : graph.nodes()) {
      pinned.addAll(n.controlInputs());
    }
    Map<TensorRef, TensorRef> bypass = new HashMap<>();
    List<RemovedNode> removed = new ArrayList<>();
    for (Node n : graph.topologicalOrder()) {
      if (!FORWARDING_OPS.contains(n.op()) || pinned.contains(n.name()) || !n.controlInputs().isEmpty()) {
        continue;
      }
      for (int i = 0; i < n.inputs().size(); i++) {
        TensorRef source = n.input(i);
        // Chains of identities resolve to the first non-forwarding producer (topological order visits them first).
        bypass.put(n.output(i), bypass.getOrDefault(source, source));
      }
      removed.add(new RemovedNode(n.name(), n.op(), "forwards its input (" + n.op() + ")"));
    }
    Graph out = graph.copy();
    removed.forEach(r -> out.remove(r.name()));
    out.rewireAll(bypass);
    return new PassResult(out, removed);
  }
}
