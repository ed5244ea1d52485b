package dev.tftrt.engine;

import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Runs one engine; one per thread (not thread-safe). Owns pinned host staging buffers and device buffers for
 * the host paths, and enqueues on its {@link #stream()}.
 */
public interface ExecutionContext extends AutoCloseable {

  Engine engine();

  DeviceStream stream();

  /**
   * Host path: sets input shapes from the values, copies them in, runs, copies outputs out, waits. Inputs
   * are keyed by binding name and must have the binding's type.
   */
  Map<String, TensorValue> execute(Map<String, TensorValue> inputs);

  /**
   * Host path without allocation per call: {@code inputShapes} for every input; buffers little-endian in the
   * binding's type, read and written from position 0. Waits for completion.
   */
  void execute(Map<String, Shape> inputShapes, Map<String, ByteBuffer> inputs, Map<String, ByteBuffer> outputs);

  /** The shape an output will have for the given input shapes. */
  Shape outputShape(String output, Map<String, Shape> inputShapes);

  /**
   * Device path: enqueues the engine on {@link #stream()} reading and writing the given device tensors (every
   * input and output binding); returns without waiting. Input shapes are the tensors' shapes.
   */
  void enqueue(Map<String, DeviceTensor> tensors);

  /** How many enqueues so far replayed a captured CUDA graph (0 for a context made without CUDA graphs). */
  default long cudaGraphLaunches() {
    return 0;
  }

  @Override
  void close();
}
