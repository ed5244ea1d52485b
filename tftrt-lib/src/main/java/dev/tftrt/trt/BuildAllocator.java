package dev.tftrt.trt;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;

import dev.tftrt.engine.BuildMonitor;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.nvinfer.IGpuAllocator;

/**
 * The builder's GPU memory, from cudaMalloc as TensorRT's own allocator does, with one difference: once the
 * build in progress is cancelled, every request is refused. TensorRT 8.6 cannot be told to stop a build (its
 * progress monitor came with TensorRT 10), but it times each layer's tactics in memory it asks for first, and
 * a refused request ends that layer and with it the build ("could not find any implementation"), within about
 * one layer's timing. Callbacks run on TensorRT's threads and never throw.
 */
final class BuildAllocator extends IGpuAllocator {
  private volatile BuildMonitor monitor;

  /** Refuses memory once {@code m} is cancelled, until {@link #unwatch()}. */
  void watch(BuildMonitor m) {
    monitor = m;
  }

  void unwatch() {
    monitor = null;
  }

  @Override
  public Pointer _allocate(long size, long alignment, int flags) {
    BuildMonitor m = monitor;
    if (m != null && m.cancelled()) {
      return null;
    }
    Pointer p = new Pointer();
    if (cudaMalloc(p, size) != cudaSuccess) {
      return null;
    }
    // cudaMalloc aligns to 256 bytes at least, which is all TensorRT asks for; refuse rather than misalign.
    if (alignment > 1 && p.address() % alignment != 0) {
      cudaFree(p);
      return null;
    }
    return p;
  }

  @Override
  public boolean _deallocate(Pointer memory) {
    return memory == null || memory.isNull() || cudaFree(memory) == cudaSuccess;
  }

  @Override
  public void _free(Pointer memory) {
    _deallocate(memory);
  }
}
