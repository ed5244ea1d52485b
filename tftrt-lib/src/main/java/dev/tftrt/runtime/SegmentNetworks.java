package dev.tftrt.runtime;

import dev.tftrt.Precision;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.graph.Graph;

/**
 * Turns one segment of a frozen graph into network layers: what the converters do. The network gets input
 * {@code i} as {@link SegmentSpec#inputBinding(int)} with a dynamic batch and output {@code i} marked as
 * {@link SegmentSpec#outputBinding(int)}. Throws when a node cannot be converted (the segment then runs in
 * TensorFlow).
 */
@FunctionalInterface
public interface SegmentNetworks {
  void define(Graph graph, SegmentSpec segment, Precision precision, NetworkBuilder network);

  /** The project's converters. */
  static SegmentNetworks standard() {
    return StandardSegmentNetworks.INSTANCE;
  }
}
