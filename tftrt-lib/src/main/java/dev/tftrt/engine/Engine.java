package dev.tftrt.engine;

import java.util.List;

/**
 * A deserialized TensorRT engine. Thread-safe: each thread creates its own {@link ExecutionContext}, at most
 * {@link #maxContexts()} of them alive at once.
 */
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

  /**
   * A context on its own new stream.
   *
   * @throws IllegalStateException when {@link #maxContexts()} contexts are alive already
   */
  ExecutionContext createContext();

  /**
   * A context that enqueues on {@code stream}, to chain with other stages on that stream.
   *
   * @throws IllegalStateException when {@link #maxContexts()} contexts are alive already
   */
  ExecutionContext createContext(DeviceStream stream);

  /**
   * A context on {@code stream} that, with {@code cudaGraphs}, captures its enqueue into a CUDA graph once the
   * same input shapes and tensors come twice, and replays the graph while they repeat. Engines that have no
   * CUDA graphs enqueue plainly.
   */
  default ExecutionContext createContext(DeviceStream stream, boolean cudaGraphs) {
    return createContext(stream);
  }

  /**
   * TensorRT's engine inspector output (JSON, {@code {"Layers": [...], "Bindings": [...]}}); with detailed
   * profiling verbosity each layer names the network layers it fused (e.g. {@code "conv1 + relu1"}).
   */
  String layerInformationJson();

  /**
   * How many execution contexts of this engine may be alive at once. TensorRT 8 gives each live context its own
   * optimization profile, so this is the number of profiles the engine was built with.
   */
  default int maxContexts() {
    return Integer.MAX_VALUE;
  }

  /** Device memory a context needs, in bytes. */
  long deviceMemoryBytes();

  @Override
  void close();
}
