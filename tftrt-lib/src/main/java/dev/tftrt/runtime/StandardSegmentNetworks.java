package dev.tftrt.runtime;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.graph.Graph;

/** The project's converters ({@code dev.tftrt.convert}) as {@link SegmentNetworks}. */
final class StandardSegmentNetworks implements SegmentNetworks {
  static final SegmentNetworks INSTANCE = new StandardSegmentNetworks();

  private StandardSegmentNetworks() {}

  @Override
  public void define(Graph graph, SegmentSpec segment, Precision precision, NetworkBuilder network) {
    throw new TftrtException("this build has no op converters yet (dev.tftrt.convert.Converters); segment '"
        + segment.name() + "' cannot become a TensorRT network");
  }
}
