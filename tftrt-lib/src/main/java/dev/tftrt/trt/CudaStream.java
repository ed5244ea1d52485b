package dev.tftrt.trt;

import static org.bytedeco.cuda.global.cudart.cudaEventCreate;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaEventSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import dev.tftrt.engine.DeviceStream;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;

/** A non-blocking CUDA stream. */
final class CudaStream implements DeviceStream {
  private final CUstream_st stream = new CUstream_st();
  private boolean closed;

  CudaStream() {
    Cuda.check(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreate");
  }

  CUstream_st handle() {
    return stream;
  }

  @Override
  public void synchronize() {
    Cuda.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  }

  @Override
  public DeviceEvent record() {
    return new CudaEvent(this);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      cudaStreamDestroy(stream);
    }
  }

  private static final class CudaEvent implements DeviceEvent {
    private final CUevent_st event = new CUevent_st();

    CudaEvent(CudaStream s) {
      Cuda.check(cudaEventCreate(event), "cudaEventCreate");
      Cuda.check(cudaEventRecord(event, s.stream), "cudaEventRecord");
    }

    @Override
    public float millisSince(DeviceEvent start) {
      Cuda.check(cudaEventSynchronize(event), "cudaEventSynchronize");
      float[] ms = new float[1];
      Cuda.check(cudaEventElapsedTime(ms, ((CudaEvent) start).event, event), "cudaEventElapsedTime");
      return ms[0];
    }

    @Override
    public void close() {
      cudaEventDestroy(event);
    }
  }
}
