package dev.tftrt.trt;

import static org.bytedeco.cuda.global.cudart.cudaEventCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventDisableTiming;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaEventSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;

import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import java.nio.ByteBuffer;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A tensor in device memory. Copies from a direct buffer are asynchronous (the buffer must stay untouched
 * until the stream synchronizes); copies to the host wait. A tensor that is copied to or from heap buffers
 * more than once gets a pinned host twin, so that a tensor reused call after call (as the runtime does)
 * moves its bytes at full PCIe speed without allocating (to the device in chunks, so that the transfer of one
 * overlaps the CPU's copy of the next); a copy from a heap buffer through the twin returns
 * once the bytes are in the twin (the device copy runs on, and the twin is refilled only after it finished),
 * other copies from heap buffers wait.
 */
final class CudaTensor implements DeviceTensor {
  /** Bytes per step of a staged copy to the device: large enough for full PCIe speed, small enough to overlap. */
  private static final int STAGING_CHUNK = 4 << 20;
  private final DataType type;
  private final Shape shape;
  private final long bytes;
  private Pointer device = new Pointer();
  private Pointer pinned;
  private ByteBuffer staging;
  private CUevent_st stagingFree;
  private int heapCopies;

  CudaTensor(DataType type, Shape shape) {
    if (!shape.isFullyDefined()) {
      throw new IllegalArgumentException("device tensors need a fully defined shape, got " + shape);
    }
    this.type = type;
    this.shape = shape;
    this.bytes = shape.numElements() * type.byteSize();
    Cuda.check(cudaMalloc(device, Math.max(bytes, 1)), "cudaMalloc(" + bytes + ")");
  }

  Pointer pointer() {
    if (device == null) {
      throw new IllegalStateException("device tensor is closed");
    }
    return device;
  }

  @Override
  public DataType type() {
    return type;
  }

  @Override
  public Shape shape() {
    return shape;
  }

  @Override
  public long byteSize() {
    return bytes;
  }

  private void checkRoom(ByteBuffer host) {
    if (host.remaining() < bytes) {
      throw new IllegalArgumentException("host buffer has " + host.remaining() + " bytes, the tensor "
          + type.tfName() + shape + " needs " + bytes);
    }
  }

  /** The pinned twin from the second heap copy on (a one-off copy does not pay for pinning), else null. */
  private ByteBuffer staging() {
    if (staging == null && ++heapCopies >= 2 && bytes > 0) {
      pinned = new Pointer();
      Cuda.check(cudaMallocHost(pinned, bytes), "cudaMallocHost(" + bytes + ")");
      staging = new BytePointer(pinned).capacity(bytes).limit(bytes).asByteBuffer();
    }
    return staging == null ? null : staging.duplicate().clear();
  }

  @Override
  public void copyFromHost(ByteBuffer host, DeviceStream stream) {
    checkRoom(host);
    if (bytes == 0) {
      return;
    }
    CudaStream s = (CudaStream) stream;
    if (host.isDirect()) {
      try (BytePointer src = new BytePointer(host)) {
        Cuda.check(cudaMemcpyAsync(pointer(), src, bytes, cudaMemcpyHostToDevice, s.handle()), "cudaMemcpyAsync");
      }
      return;
    }
    // Heap buffers (read-only ones too, which expose no array) go through native memory.
    ByteBuffer from = host.duplicate().limit(host.position() + Math.toIntExact(bytes));
    ByteBuffer st = staging();
    if (st != null) {
      if (stagingFree != null) {
        Cuda.check(cudaEventSynchronize(stagingFree), "cudaEventSynchronize");
      } else {
        stagingFree = new CUevent_st();
        Cuda.check(cudaEventCreateWithFlags(stagingFree, cudaEventDisableTiming), "cudaEventCreate");
      }
      // In chunks: the GPU transfers one chunk while the CPU fills the next, hiding the transfer behind the copy.
      BytePointer to = new BytePointer(pointer());
      BytePointer twin = new BytePointer(pinned);
      int start = from.position();
      for (int off = 0; off < bytes; off += STAGING_CHUNK) {
        int len = (int) Math.min(STAGING_CHUNK, bytes - off);
        st.limit(off + len).position(off);
        st.put(from.duplicate().limit(start + off + len).position(start + off));
        Cuda.check(cudaMemcpyAsync(to.position(off), twin.position(off), len, cudaMemcpyHostToDevice, s.handle()),
            "cudaMemcpyAsync");
      }
      Cuda.check(cudaEventRecord(stagingFree, s.handle()), "cudaEventRecord");
      return;
    }
    try (BytePointer src = new BytePointer(bytes)) {
      src.asByteBuffer().put(from);
      Cuda.check(cudaMemcpyAsync(pointer(), src, bytes, cudaMemcpyHostToDevice, s.handle()), "cudaMemcpyAsync");
      s.synchronize();
    }
  }

  @Override
  public void copyToHost(ByteBuffer host, DeviceStream stream) {
    checkRoom(host);
    if (bytes == 0) {
      return;
    }
    CudaStream s = (CudaStream) stream;
    if (host.isDirect()) {
      try (BytePointer dst = new BytePointer(host)) {
        Cuda.check(cudaMemcpyAsync(dst, pointer(), bytes, cudaMemcpyDeviceToHost, s.handle()), "cudaMemcpyAsync");
        s.synchronize();
      }
      return;
    }
    ByteBuffer st = staging();
    if (st != null) {
      if (stagingFree != null) {
        Cuda.check(cudaEventSynchronize(stagingFree), "cudaEventSynchronize");
      }
      Cuda.check(cudaMemcpyAsync(pinned, pointer(), bytes, cudaMemcpyDeviceToHost, s.handle()), "cudaMemcpyAsync");
      s.synchronize();
      host.duplicate().put(st.limit(Math.toIntExact(bytes)));
      return;
    }
    try (BytePointer dst = new BytePointer(bytes)) {
      Cuda.check(cudaMemcpyAsync(dst, pointer(), bytes, cudaMemcpyDeviceToHost, s.handle()), "cudaMemcpyAsync");
      s.synchronize();
      byte[] a = new byte[Math.toIntExact(bytes)];
      dst.get(a);
      host.duplicate().put(a);
    }
  }

  @Override
  public synchronized void close() {
    if (device != null) {
      cudaFree(device);
      device = null;
    }
    if (stagingFree != null) {
      cudaEventSynchronize(stagingFree);
      cudaEventDestroy(stagingFree);
      stagingFree = null;
    }
    if (pinned != null) {
      cudaFreeHost(pinned);
      pinned = null;
      staging = null;
    }
  }
}
