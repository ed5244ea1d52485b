package dev.tftrt.engine;

import dev.tftrt.convert.NetworkBuilder;
import java.util.List;

/** A network being defined for one backend: converters add layers through {@link NetworkBuilder}. */
public interface NetworkDefinition extends NetworkBuilder, AutoCloseable {

  /** Input names, in the order they were added. */
  List<String> inputNames();

  /** Output names, in the order they were marked. */
  List<String> outputNames();

  /** Number of layers added so far. */
  int layerCount();

  /** Frees the native network; a closed network cannot be built. */
  @Override
  void close();
}
