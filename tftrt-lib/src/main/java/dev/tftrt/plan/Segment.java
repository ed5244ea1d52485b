package dev.tftrt.plan;

import dev.tftrt.graph.TensorRef;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A connected group of nodes that becomes one engine: its nodes in topological order (the constants it reads
 * are copied in, so they also stay in the graph for other readers), the tensors it reads from outside and
 * the tensors it produces for outside readers or the graph outputs, each in first-use order.
 * {@code effectiveSize} counts the nodes that compute (not constants nor forwarding ops), as
 * {@code minimumSegmentSize} does.
 */
public record Segment(String name, List<String> nodes, List<TensorRef> inputs, List<TensorRef> outputs,
    Map<String, Integer> opHistogram, int effectiveSize) {
  public Segment {
    nodes = List.copyOf(nodes);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    opHistogram = Collections.unmodifiableMap(new TreeMap<>(opHistogram));
  }

  public int size() {
    return nodes.size();
  }

  public boolean contains(String node) {
    return nodes.contains(node);
  }
}
