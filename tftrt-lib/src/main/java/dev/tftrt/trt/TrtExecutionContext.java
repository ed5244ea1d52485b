package dev.tftrt.trt;

import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;

import dev.tftrt.engine.Binding;
import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;

/**
 * An execution context with its stream, the engine's optimization profile it holds while alive and, for the
 * host paths, one device buffer and one pinned host buffer per binding, grown as shapes need and reused across
 * calls. With CUDA graphs, enqueues whose shapes and addresses repeat replay a captured graph.
 */
final class TrtExecutionContext implements ExecutionContext {
  private final TrtEngine engine;
  private final CudaStream stream;
  private final boolean ownsStream;
  private final int profile;
  private final IExecutionContext context;
  private final CudaGraphReplay graphs;
  private final Map<String, DeviceMemory> memory = new HashMap<>();
  private boolean closed;

  TrtExecutionContext(TrtEngine engine, CudaStream stream, boolean ownsStream, boolean cudaGraphs) {
    this.engine = engine;
    this.stream = stream;
    this.ownsStream = ownsStream;
    this.profile = engine.takeProfile();
    IExecutionContext c = null;
    try {
      c = engine.handle().createExecutionContext();
      if (c == null || c.isNull()) {
        throw new IllegalStateException("TensorRT could not create an execution context (out of GPU memory?)");
      }
      // TensorRT gives a new context profile 0 when no live context holds it; any other must be selected.
      if (c.getOptimizationProfile() != profile && !c.setOptimizationProfileAsync(profile, stream.handle())) {
        throw new IllegalStateException("TensorRT refused optimization profile " + profile + " of "
            + engine.maxContexts() + " for a new execution context");
      }
    } catch (RuntimeException e) {
      if (c != null && !c.isNull()) {
        c.destroy();
      }
      engine.releaseProfile(profile);
      throw e;
    }
    this.context = c;
    this.graphs = cudaGraphs ? new CudaGraphReplay("an execution context (profile " + profile + ")") : null;
  }

  @Override
  public Engine engine() {
    return engine;
  }

  @Override
  public DeviceStream stream() {
    return stream;
  }

  private void setInputShape(Binding b, Shape shape) {
    if (shape == null) {
      throw new IllegalArgumentException("no shape given for input '" + b.name() + "'");
    }
    if (!b.profile().contains(shape)) {
      throw new IllegalArgumentException("input '" + b.name() + "' shape " + shape
          + " is outside the engine's profile " + b.profile());
    }
    if (!context.setInputShape(b.name(), Cuda.dims(shape.dims()))) {
      throw new IllegalArgumentException("TensorRT refused shape " + shape + " for input '" + b.name() + "'");
    }
  }

  private static long bytes(Binding b, Shape s) {
    return s.numElements() * b.type().byteSize();
  }

  @Override
  public Map<String, TensorValue> execute(Map<String, TensorValue> inputs) {
    Map<String, Shape> shapes = new HashMap<>();
    Map<String, ByteBuffer> in = new HashMap<>();
    for (Binding b : engine.inputs()) {
      TensorValue v = inputs.get(b.name());
      if (v == null) {
        throw new IllegalArgumentException("missing input '" + b.name() + "'; got " + inputs.keySet());
      }
      if (v.dtype() != b.type()) {
        throw new IllegalArgumentException("input '" + b.name() + "' is " + v.dtype().tfName()
            + ", the engine takes " + b.type().tfName());
      }
      shapes.put(b.name(), v.shape());
      in.put(b.name(), v.buffer());
    }
    Map<String, ByteBuffer> out = new LinkedHashMap<>();
    Map<String, Shape> outShapes = new HashMap<>();
    for (Binding b : engine.outputs()) {
      Shape s = outputShape(b.name(), shapes);
      outShapes.put(b.name(), s);
      out.put(b.name(), ByteBuffer.allocate(Math.toIntExact(bytes(b, s))).order(ByteOrder.LITTLE_ENDIAN));
    }
    execute(shapes, in, out);
    Map<String, TensorValue> result = new LinkedHashMap<>();
    out.forEach((name, buf) -> result.put(name,
        TensorValue.ofBytes(engine.binding(name).type(), outShapes.get(name), buf.array())));
    return result;
  }

  @Override
  public void execute(Map<String, Shape> inputShapes, Map<String, ByteBuffer> inputs,
      Map<String, ByteBuffer> outputs) {
    checkOpen();
    for (Binding b : engine.inputs()) {
      Shape s = inputShapes.get(b.name());
      setInputShape(b, s);
      long n = bytes(b, s);
      ByteBuffer src = inputs.get(b.name());
      if (src == null || src.capacity() < n) {
        throw new IllegalArgumentException("input '" + b.name() + "' needs a buffer of " + n + " bytes");
      }
      DeviceMemory m = memory.computeIfAbsent(b.name(), k -> new DeviceMemory());
      m.ensure(n);
      m.host(n).put(src.duplicate().position(0).limit(Math.toIntExact(n)));
      Cuda.check(cudaMemcpyAsync(m.device(), m.pinned(), n, cudaMemcpyHostToDevice, stream.handle()),
          "cudaMemcpyAsync to device");
      context.setTensorAddress(b.name(), m.device());
    }
    Map<String, Long> outBytes = new HashMap<>();
    for (Binding b : engine.outputs()) {
      long n = bytes(b, Cuda.shape(context.getTensorShape(b.name())));
      ByteBuffer dst = outputs.get(b.name());
      if (dst == null || dst.capacity() < n) {
        throw new IllegalArgumentException("output '" + b.name() + "' needs a buffer of " + n + " bytes");
      }
      DeviceMemory m = memory.computeIfAbsent(b.name(), k -> new DeviceMemory());
      m.ensure(n);
      context.setTensorAddress(b.name(), m.device());
      outBytes.put(b.name(), n);
    }
    enqueueOrReplay();
    for (Binding b : engine.outputs()) {
      DeviceMemory m = memory.get(b.name());
      Cuda.check(cudaMemcpyAsync(m.pinned(), m.device(), outBytes.get(b.name()), cudaMemcpyDeviceToHost,
          stream.handle()), "cudaMemcpyAsync to host");
    }
    stream.synchronize();
    for (Binding b : engine.outputs()) {
      long n = outBytes.get(b.name());
      outputs.get(b.name()).duplicate().position(0).put(memory.get(b.name()).host(n));
    }
  }

  @Override
  public Shape outputShape(String output, Map<String, Shape> inputShapes) {
    checkOpen();
    for (Binding b : engine.inputs()) {
      setInputShape(b, inputShapes.get(b.name()));
    }
    return Cuda.shape(context.getTensorShape(engine.binding(output).name()));
  }

  @Override
  public void enqueue(Map<String, DeviceTensor> tensors) {
    checkOpen();
    for (Binding b : engine.inputs()) {
      CudaTensor t = tensor(tensors, b);
      setInputShape(b, t.shape());
      context.setTensorAddress(b.name(), t.pointer());
    }
    for (Binding b : engine.outputs()) {
      CudaTensor t = tensor(tensors, b);
      long need = bytes(b, Cuda.shape(context.getTensorShape(b.name())));
      if (t.byteSize() < need) {
        throw new IllegalArgumentException("output '" + b.name() + "' needs " + need + " bytes of device memory, "
            + "the tensor has " + t.byteSize());
      }
      context.setTensorAddress(b.name(), t.pointer());
    }
    enqueueOrReplay();
  }

  /** Enqueues the engine on the stream, or replays the graph captured for the same shapes and addresses. */
  private void enqueueOrReplay() {
    boolean enqueued = graphs == null ? context.enqueueV3(stream.handle())
        : graphs.run(graphKey(), stream, () -> context.enqueueV3(stream.handle()));
    if (!enqueued) {
      throw new IllegalStateException("TensorRT could not enqueue the engine");
    }
  }

  /** What a captured graph bakes in: every binding's shape and address as set now. */
  private List<Object> graphKey() {
    List<Object> key = new ArrayList<>();
    for (Binding b : engine.bindings()) {
      key.add(Cuda.shape(context.getTensorShape(b.name())));
      key.add(context.getTensorAddress(b.name()).address());
    }
    return key;
  }

  private static CudaTensor tensor(Map<String, DeviceTensor> tensors, Binding b) {
    DeviceTensor t = tensors.get(b.name());
    if (t == null) {
      throw new IllegalArgumentException("no device tensor for '" + b.name() + "'; got " + tensors.keySet());
    }
    if (t.type() != b.type()) {
      throw new IllegalArgumentException("device tensor for '" + b.name() + "' is " + t.type().tfName()
          + ", the engine uses " + b.type().tfName());
    }
    return (CudaTensor) t;
  }

  @Override
  public long cudaGraphLaunches() {
    return graphs == null ? 0 : graphs.launches();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("execution context is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      stream.synchronize();
      if (graphs != null) {
        graphs.close();
      }
      context.destroy();
      engine.releaseProfile(profile);
      memory.values().forEach(DeviceMemory::close);
      memory.clear();
      if (ownsStream) {
        stream.close();
      }
    }
  }
}
