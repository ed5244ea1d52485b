package dev.tftrt.passes;

import dev.tftrt.graph.Graph;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** The clean-up TF-TRT's grappler pipeline does before segmenting, as one function. */
public final class GraphPasses {
  private GraphPasses() {}

  /**
   * Dead-node elimination, Identity removal, constant folding, then dead-node elimination again (folding
   * leaves the folded nodes' inputs unused). {@code inputs} are the signature inputs (kept even when unused);
   * {@code shapes} may be empty.
   */
  public static PassResult optimize(Graph graph, Collection<TensorRef> outputs, Collection<String> inputs,
      Map<TensorRef, TensorInfo> shapes) {
    Set<String> keep = new HashSet<>(inputs);
    outputs.forEach(t -> keep.add(t.node()));
    PassResult r = DeadNodeElimination.apply(graph, outputs, inputs)
        .then(g -> IdentityRemoval.apply(g, outputs))
        .then(g -> ConstantFolding.apply(g, keep, shapes))
        .then(g -> DeadNodeElimination.apply(g, outputs, inputs));
    // A folded node that the second sweep removed is listed once, as folded: that is why it went.
    Map<String, RemovedNode> once = new LinkedHashMap<>();
    for (RemovedNode n : r.removed()) {
      once.putIfAbsent(n.name(), n);
    }
    return new PassResult(r.graph(), new ArrayList<>(once.values()));
  }
}
