package dev.tftrt.engine;

import java.util.List;

/** A deserialized TensorRT engine. Thread-safe: each thread creates its own {@link ExecutionContext}. */
public interface Engine extends AutoCloseable {

  /** Inputs, then outputs, as the network named them. */
  List<Binding> bindings();

  default List<Binding> inputs() {
    return bindings().stream().filter(Binding::isInput).toList();
  }

  default List<Binding> outputs() {
    return bindings().stream().filter(b -> !b.isInput()).toList();
  }

  default Binding binding(String name) {
    return bindings().stream().filter(b -> b.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("engine has no tensor '" + name + "'; it has "
            + bindings().stream().map(Binding::name).toList()));
  }

  /** A context on its own new stream. */
  ExecutionContext createContext();

  /** A context that enqueues on {@code stream}, to chain with other stages on that stream. */
  ExecutionContext createContext(DeviceStream stream);

  /**
   * TensorRT's engine inspector output (JSON, {@code {"Layers": [...], "Bindings": [...]}}); with detailed
   * profiling verbosity each layer names the network layers it fused (e.g. {@code "conv1 + relu1"}).
   */
  String layerInformationJson();

  /**
   * How many execution contexts of this engine may be alive at once and still run. TensorRT 8 gives an
   * optimization profile to one live context per profile; a further context has none and cannot enqueue.
   */
  default int maxContexts() {
    return Integer.MAX_VALUE;
  }

  /** Device memory a context needs, in bytes. */
  long deviceMemoryBytes();

  @Override
  void close();
}
