package dev.tftrt.engine;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;

/** The backend of a machine without TensorRT: says why, and refuses everything else with that reason. */
public record UnavailableBackend(String reason) implements TensorRtBackend {

  @Override
  public Availability availability() {
    return Availability.unavailable(reason);
  }

  private TftrtException refused() {
    return new TftrtException("TensorRT not available: " + reason);
  }

  @Override
  public NetworkDefinition newNetwork() {
    throw refused();
  }

  @Override
  public BuildResult build(NetworkDefinition network, EngineConfig config, BuildListener listener) {
    throw refused();
  }

  @Override
  public Engine deserialize(byte[] plan) {
    throw refused();
  }

  @Override
  public DeviceStream newStream() {
    throw refused();
  }

  @Override
  public DeviceTensor allocate(DataType type, Shape shape) {
    throw refused();
  }
}
