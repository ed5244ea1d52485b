package dev.tftrt.runtime;

import dev.tftrt.graph.TensorRef;
import java.util.List;

/**
 * One step of a hybrid run: a segment (engine, or TensorFlow when it falls back) or the TensorFlow nodes
 * between segments. Inputs are read from earlier stages or the model inputs; outputs are what later stages
 * or the model outputs read.
 */
public record StageSpec(String name, boolean isSegment, List<String> nodes, List<TensorRef> inputs,
    List<TensorRef> outputs) {
  public StageSpec {
    nodes = List.copyOf(nodes);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  @Override
  public String toString() {
    return (isSegment ? "segment " : "native ") + name + " (" + nodes.size() + " nodes, " + inputs.size()
        + " in, " + outputs.size() + " out)";
  }
}
