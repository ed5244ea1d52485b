package dev.tftrt.trt;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/** A growable device buffer and its pinned host twin, for the host paths of an execution context. */
final class DeviceMemory implements AutoCloseable {
  private Pointer device;
  private Pointer pinned;
  private ByteBuffer host;
  private long capacity;

  /** Makes room for {@code bytes}; contents are lost when it grows. */
  void ensure(long bytes) {
    if (bytes <= capacity && device != null) {
      return;
    }
    close();
    long size = Math.max(bytes, 256);
    device = new Pointer();
    Cuda.check(cudaMalloc(device, size), "cudaMalloc(" + size + ")");
    pinned = new Pointer();
    Cuda.check(cudaMallocHost(pinned, size), "cudaMallocHost(" + size + ")");
    host = new BytePointer(pinned).capacity(size).limit(size).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    capacity = size;
  }

  Pointer device() {
    return device;
  }

  Pointer pinned() {
    return pinned;
  }

  /** The pinned host memory as a buffer positioned at 0 with limit {@code bytes}. */
  ByteBuffer host(long bytes) {
    ByteBuffer b = host.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    b.position(0).limit(Math.toIntExact(bytes));
    return b;
  }

  @Override
  public void close() {
    if (device != null) {
      cudaFree(device);
      cudaFreeHost(pinned);
      device = null;
      pinned = null;
      host = null;
      capacity = 0;
    }
  }
}
