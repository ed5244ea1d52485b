package dev.tftrt.runtime;

import dev.tftrt.engine.Binding;
import dev.tftrt.engine.Engine;
import dev.tftrt.graph.Shape;
import java.util.List;

/** One deserialized engine of a segment and the plan it came from (what {@code save} writes). */
public record SegmentEngine(Engine engine, byte[] plan) {

  /** Whether the engine's profile admits these input shapes (input {@code i} is binding {@code input_i}). */
  public boolean accepts(List<Shape> inputShapes) {
    for (int i = 0; i < inputShapes.size(); i++) {
      Binding b;
      try {
        b = engine.binding(SegmentSpec.inputBinding(i));
      } catch (IllegalArgumentException e) {
        return false;
      }
      Shape s = inputShapes.get(i);
      if (b.profile() != null) {
        if (!b.profile().contains(s)) {
          return false;
        }
      } else if (!matchesStatic(b.shape(), s)) {
        return false;
      }
    }
    return true;
  }

  private static boolean matchesStatic(Shape declared, Shape actual) {
    if (declared.rank() != actual.rank()) {
      return false;
    }
    for (int i = 0; i < declared.rank(); i++) {
      if (declared.dim(i) >= 0 && declared.dim(i) != actual.dim(i)) {
        return false;
      }
    }
    return true;
  }

  /** The profile of every input, for messages: {@code [1,28,28,1]..[8,28,28,1]}. */
  public String describeProfile() {
    return engine.inputs().stream()
        .map(b -> b.profile() != null ? b.profile().min() + ".." + b.profile().max() : b.shape().toString())
        .toList().toString();
  }
}
