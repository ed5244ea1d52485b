package dev.tftrt.engine;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import java.nio.ByteBuffer;

/**
 * A dense tensor in GPU memory, so that consecutive TensorRT stages pass tensors without host copies.
 * Copies are ordered on the given stream; host buffers are little-endian, {@code byteSize()} long from their
 * position.
 */
public interface DeviceTensor extends AutoCloseable {
  DataType type();

  Shape shape();

  long byteSize();

  void copyFromHost(ByteBuffer host, DeviceStream stream);

  void copyToHost(ByteBuffer host, DeviceStream stream);

  @Override
  void close();
}
