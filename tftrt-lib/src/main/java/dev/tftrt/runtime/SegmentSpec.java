package dev.tftrt.runtime;

import dev.tftrt.graph.TensorRef;
import dev.tftrt.plan.Segment;
import java.util.List;

/**
 * What the runtime needs of one segment: its nodes, and the tensors it reads and produces in the order of the
 * engine's bindings ({@code input_<i>}, {@code output_<i>}).
 */
public record SegmentSpec(String name, List<String> nodes, List<TensorRef> inputs, List<TensorRef> outputs) {
  public SegmentSpec {
    nodes = List.copyOf(nodes);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** What the runtime needs of a planned segment. */
  public static SegmentSpec of(Segment segment) {
    return new SegmentSpec(segment.name(), segment.nodes(), segment.inputs(), segment.outputs());
  }

  /** The engine binding of input {@code i}, as the converters name it. */
  public static String inputBinding(int i) {
    return "input_" + i;
  }

  /** The engine binding of output {@code i}, as the converters name it. */
  public static String outputBinding(int i) {
    return "output_" + i;
  }
}
