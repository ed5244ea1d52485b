package dev.tftrt.convert;

import dev.tftrt.Precision;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.Map;
import java.util.Optional;

/**
 * What a converter may look at when validating: the optimized graph, the static type and shape of its tensors
 * (from {@link ShapeInference}) and the precision asked for.
 */
public record ValidationContext(Graph graph, Map<TensorRef, TensorInfo> tensors, Precision precision) {

  /** The static type and shape of {@code tensor}, if shape inference knew it. */
  public Optional<TensorInfo> info(TensorRef tensor) {
    return Optional.ofNullable(tensors.get(tensor));
  }

  /** The value of {@code tensor} when a {@code Const} node produces it (weights, axes, shapes). */
  public Optional<TensorValue> constant(TensorRef tensor) {
    Node producer = graph.nodeOrNull(tensor.node());
    if (producer == null || !producer.op().equals("Const") || tensor.index() != 0) {
      return Optional.empty();
    }
    return Optional.of(producer.tensorAttr("value"));
  }
}
