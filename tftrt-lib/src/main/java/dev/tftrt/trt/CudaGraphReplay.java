package dev.tftrt.trt;

import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaGetLastError;
import static org.bytedeco.cuda.global.cudart.cudaGraphDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphExecDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphInstantiate;
import static org.bytedeco.cuda.global.cudart.cudaGraphLaunch;
import static org.bytedeco.cuda.global.cudart.cudaStreamBeginCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamCaptureModeThreadLocal;
import static org.bytedeco.cuda.global.cudart.cudaStreamEndCapture;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;

import java.util.function.BooleanSupplier;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;

/**
 * Replays one execution context's enqueue as a CUDA graph while its key (input shapes and tensor addresses)
 * repeats: one launch instead of one per kernel. TensorRT must have enqueued once with new shapes before a
 * capture, so a new key is enqueued plainly once, captured on its second call and replayed after that. A
 * capture that fails (a layer TensorRT cannot capture) turns replay off for the context, said once on stderr,
 * and the enqueue runs plainly. Not thread-safe (one per context).
 */
final class CudaGraphReplay implements AutoCloseable {
  private final String what;
  private Object lastKey;
  private Object graphKey;
  private CUgraphExec_st graph;
  private long launches;
  private String failure;

  /** @param what the context, for the message when capture fails */
  CudaGraphReplay(String what) {
    this.what = what;
  }

  /**
   * Runs {@code enqueue} (TensorRT's enqueue on {@code stream}, false when it fails), or the graph captured
   * from it for this key.
   *
   * @return false when TensorRT could not enqueue
   */
  boolean run(Object key, CudaStream stream, BooleanSupplier enqueue) {
    if (failure == null) {
      if (graph != null && key.equals(graphKey)) {
        launch(stream);
        return true;
      }
      if (key.equals(lastKey) && capture(key, stream, enqueue)) {
        launch(stream);
        return true;
      }
    }
    lastKey = key;
    return enqueue.getAsBoolean();
  }

  long launches() {
    return launches;
  }

  private void launch(CudaStream stream) {
    Cuda.check(cudaGraphLaunch(graph, stream.handle()), "cudaGraphLaunch");
    launches++;
  }

  /** Captures the enqueue into {@link #graph}; false, with {@link #failure} said, when CUDA or TensorRT refuse. */
  private boolean capture(Object key, CudaStream stream, BooleanSupplier enqueue) {
    dropGraph(stream);
    // Thread-local: other threads' allocations (other contexts, TensorFlow) must not break this capture.
    int status = cudaStreamBeginCapture(stream.handle(), cudaStreamCaptureModeThreadLocal);
    if (status != cudaSuccess) {
      return fail("cudaStreamBeginCapture: " + cudaGetErrorString(status).getString());
    }
    boolean enqueued = false;
    RuntimeException thrown = null;
    try {
      enqueued = enqueue.getAsBoolean();
    } catch (RuntimeException e) {
      thrown = e;
    }
    CUgraph_st captured = new CUgraph_st();
    // Ending the capture is what returns the stream to normal work, whatever happened inside it.
    status = cudaStreamEndCapture(stream.handle(), captured);
    if (thrown != null || !enqueued || status != cudaSuccess) {
      if (!captured.isNull()) {
        cudaGraphDestroy(captured);
      }
      cudaGetLastError();
      return fail(thrown != null ? "enqueue during capture threw " + thrown.getMessage()
          : !enqueued ? "TensorRT could not enqueue during capture"
          : "cudaStreamEndCapture: " + cudaGetErrorString(status).getString());
    }
    CUgraphExec_st exec = new CUgraphExec_st();
    status = cudaGraphInstantiate(exec, captured, 0L);
    cudaGraphDestroy(captured);
    if (status != cudaSuccess) {
      cudaGetLastError();
      return fail("cudaGraphInstantiate: " + cudaGetErrorString(status).getString());
    }
    graph = exec;
    graphKey = key;
    return true;
  }

  private boolean fail(String why) {
    failure = why;
    System.err.println("CUDA graphs off for " + what + ": " + why + "; enqueuing plainly");
    return false;
  }

  /** Frees the graph once the stream no longer runs it. */
  private void dropGraph(CudaStream stream) {
    if (graph != null) {
      stream.synchronize();
      cudaGraphExecDestroy(graph);
      graph = null;
      graphKey = null;
    }
  }

  /** Frees the graph; the caller has synchronized the stream. */
  @Override
  public void close() {
    if (graph != null) {
      cudaGraphExecDestroy(graph);
      graph = null;
    }
  }
}
