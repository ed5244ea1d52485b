package dev.tftrt.engine;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import java.util.OptionalLong;

/**
 * TensorRT behind one door. Get the machine's with {@link TensorRtBackends#system()}. When
 * {@link #availability()} says unavailable, every other method throws a {@link dev.tftrt.TftrtException}
 * starting "TensorRT not available: ".
 */
public interface TensorRtBackend {

  Availability availability();

  /** An empty explicit-batch network; layers are added through its {@link dev.tftrt.convert.NetworkBuilder}. */
  NetworkDefinition newNetwork();

  /**
   * Builds {@code network} (left open; the caller closes it) into a serialized engine, calibrating for INT8.
   * Slow (seconds to minutes): progress goes to {@code listener}.
   *
   * @throws EngineBuildException when TensorRT cannot build it
   */
  BuildResult build(NetworkDefinition network, EngineConfig config, BuildListener listener);

  /**
   * An engine from a plan built by this TensorRT version on this GPU model.
   *
   * @throws dev.tftrt.TftrtException when the plan is truncated, corrupt or from another TensorRT version
   */
  Engine deserialize(byte[] plan);

  DeviceStream newStream();

  /** Uninitialized device memory for a tensor of this type and (fully defined) shape. */
  DeviceTensor allocate(DataType type, Shape shape);

  /**
   * Bytes of GPU memory in use on the device now, by every process (CUDA's total minus free), to check that
   * closing frees what loading took; empty when there is no GPU.
   */
  default OptionalLong deviceMemoryInUse() {
    return OptionalLong.empty();
  }
}
