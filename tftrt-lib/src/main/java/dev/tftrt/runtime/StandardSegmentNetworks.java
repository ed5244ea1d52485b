package dev.tftrt.runtime;

import dev.tftrt.Precision;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.Converters;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.ShapeInference;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Graph;

/** The project's converters ({@code dev.tftrt.convert}) as {@link SegmentNetworks}. */
final class StandardSegmentNetworks implements SegmentNetworks {
  static final SegmentNetworks INSTANCE = new StandardSegmentNetworks();

  /** Read-only once built, so shared by every thread that builds engines. */
  private final ConverterRegistry registry = Converters.standard();

  private StandardSegmentNetworks() {}

  @Override
  public void define(Graph graph, SegmentSpec segment, Precision precision, NetworkBuilder network) {
    Converters.convertSegment(registry, new ValidationContext(graph, ShapeInference.infer(graph), precision),
        segment, network);
  }
}
