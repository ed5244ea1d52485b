package dev.tftrt.bench;

import dev.tftrt.graph.TensorValue;
import java.util.Map;
import java.util.OptionalDouble;

/** One batch held by a target, ready to run again and again. Not thread-safe. */
public interface PreparedRun extends AutoCloseable {

  /**
   * Runs the batch once and returns only when the outputs are complete (GPU work synchronized), so that the host
   * clock around this call measures the whole inference: on the host, except for the targets whose inputs and
   * outputs stay on the GPU (the bare engine loop, a bound converted model), which copy them in {@link #outputs()}.
   */
  void run();

  /** The outputs of the last {@link #run()}, copied into Java. */
  Map<String, TensorValue> outputs();

  /**
   * Device time of the last {@link #run()}, from CUDA events recorded on the target's stream before its first
   * and after its last GPU operation; empty for targets that do not run on a GPU.
   */
  default OptionalDouble lastDeviceMillis() {
    return OptionalDouble.empty();
  }

  @Override
  void close();
}
