package dev.tftrt.engine;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import java.util.OptionalLong;

/**
 * A test backend that passes every call to {@link #delegate()}: an implementation overrides only what it changes
 * (a record with a {@code delegate} component is enough for the rest).
 */
public interface ForwardingTensorRtBackend extends TensorRtBackend {
  TensorRtBackend delegate();

  @Override
  default Availability availability() {
    return delegate().availability();
  }

  @Override
  default NetworkDefinition newNetwork() {
    return delegate().newNetwork();
  }

  @Override
  default BuildResult build(NetworkDefinition network, EngineConfig config, BuildListener listener) {
    return delegate().build(network, config, listener);
  }

  @Override
  default Engine deserialize(byte[] plan) {
    return delegate().deserialize(plan);
  }

  @Override
  default DeviceStream newStream() {
    return delegate().newStream();
  }

  @Override
  default DeviceTensor allocate(DataType type, Shape shape) {
    return delegate().allocate(type, shape);
  }

  @Override
  default OptionalLong deviceMemoryInUse() {
    return delegate().deviceMemoryInUse();
  }
}
