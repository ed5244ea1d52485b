package dev.tftrt.plan;

import dev.tftrt.graph.Graph;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.passes.RemovedNode;
import dev.tftrt.savedmodel.FrozenModel;
import java.util.List;
import java.util.Map;

/**
 * A frozen model after the graph passes, with what they removed and the static type and shape of every tensor:
 * everything planning needs that does not depend on the conversion parameters, so re-planning reuses it.
 */
public record PreparedGraph(FrozenModel model, Graph graph, List<RemovedNode> removed,
    Map<TensorRef, TensorInfo> tensors) {
  public PreparedGraph {
    removed = List.copyOf(removed);
    tensors = Map.copyOf(tensors);
  }
}
