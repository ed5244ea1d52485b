package dev.tftrt.bench;

import dev.tftrt.TftrtException;
import dev.tftrt.engine.Binding;
import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * One TensorRT engine alone, as the yardstick for what the toolkit adds around it: the bare loop. Inputs and
 * outputs are the engine's bindings. Each {@link #prepare} makes its own execution context and stream, so that
 * several threads can run their own prepared batches at once.
 */
public final class EngineTarget implements InferenceTarget {

  /** What one run does besides enqueuing the engine. */
  public enum Mode {
    /** Only enqueues the engine on tensors already on the GPU, then waits: the engine's own time. */
    ENQUEUE_ONLY,
    /**
     * Also copies the inputs from Java buffers to the GPU and the outputs back (through pinned buffers), as any
     * caller holding its data in Java must.
     */
    WITH_COPIES
  }

  private final String name;
  private final String precision;
  private final TensorRtBackend backend;
  private final Engine engine;
  private final Mode mode;
  private final boolean cudaGraphs;
  private final Map<String, TensorInfo> inputs = new LinkedHashMap<>();

  /** The engine stays the caller's: {@link #close()} does not close it. */
  public EngineTarget(String name, String precision, TensorRtBackend backend, Engine engine, Mode mode) {
    this(name, precision, backend, engine, mode, false);
  }

  private EngineTarget(String name, String precision, TensorRtBackend backend, Engine engine, Mode mode,
      boolean cudaGraphs) {
    this.name = name;
    this.precision = precision;
    this.backend = backend;
    this.engine = engine;
    this.mode = mode;
    this.cudaGraphs = cudaGraphs;
    for (Binding b : engine.inputs()) {
      inputs.put(b.name(), new TensorInfo(b.type(), b.shape()));
    }
  }

  /**
   * The same loop, named {@code name}, whose contexts replay the enqueue as a CUDA graph (captured on the second
   * run of a prepared batch).
   */
  public EngineTarget withCudaGraphs(String name) {
    return new EngineTarget(name, precision, backend, engine, mode, true);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String precision() {
    return precision;
  }

  @Override
  public Map<String, TensorInfo> inputs() {
    return inputs;
  }

  @Override
  public PreparedRun prepare(Map<String, TensorValue> batch) {
    if (!batch.keySet().equals(inputs.keySet())) {
      throw new TftrtException("the batch holds " + batch.keySet() + " but the engine takes " + inputs.keySet());
    }
    return mode == Mode.ENQUEUE_ONLY ? new EnqueueOnly(batch) : new WithCopies(batch);
  }

  @Override
  public void close() {}

  private Map<String, Shape> shapes(Map<String, TensorValue> batch) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    batch.forEach((k, v) -> shapes.put(k, v.shape()));
    return shapes;
  }

  /** A stream for a context with CUDA graphs; null when the context makes its own. */
  private DeviceStream graphStream() {
    return cudaGraphs ? backend.newStream() : null;
  }

  /** A context on its own stream: {@code ownStream}, or one it makes when that is null. */
  private ExecutionContext newContext(DeviceStream ownStream) {
    if (ownStream == null) {
      return engine.createContext();
    }
    try {
      return engine.createContext(ownStream, true);
    } catch (RuntimeException e) {
      ownStream.close();
      throw e;
    }
  }

  private static void closeContext(ExecutionContext context, DeviceStream ownStream) {
    context.close();
    if (ownStream != null) {
      ownStream.close();
    }
  }

  private static ByteBuffer heap(long bytes) {
    return ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Device tensors filled once; each run enqueues between two CUDA events and waits. */
  private final class EnqueueOnly implements PreparedRun {
    private final DeviceStream ownStream = graphStream();
    private final ExecutionContext context = newContext(ownStream);
    private final Map<String, DeviceTensor> tensors = new LinkedHashMap<>();
    private final List<DeviceTensor> outputs = new ArrayList<>();
    private double deviceMillis = Double.NaN;

    EnqueueOnly(Map<String, TensorValue> batch) {
      try {
        DeviceStream s = context.stream();
        Map<String, Shape> shapes = shapes(batch);
        batch.forEach((k, v) -> {
          DeviceTensor t = backend.allocate(v.dtype(), v.shape());
          tensors.put(k, t);
          t.copyFromHost(v.buffer(), s);
        });
        for (Binding b : engine.outputs()) {
          DeviceTensor t = backend.allocate(b.type(), context.outputShape(b.name(), shapes));
          tensors.put(b.name(), t);
          outputs.add(t);
        }
        s.synchronize();
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public void run() {
      DeviceStream s = context.stream();
      try (DeviceStream.DeviceEvent start = s.record()) {
        context.enqueue(tensors);
        try (DeviceStream.DeviceEvent end = s.record()) {
          deviceMillis = end.millisSince(start);
        }
      }
      s.synchronize();
    }

    @Override
    public OptionalDouble lastDeviceMillis() {
      return Double.isNaN(deviceMillis) ? OptionalDouble.empty() : OptionalDouble.of(deviceMillis);
    }

    @Override
    public Map<String, TensorValue> outputs() {
      Map<String, TensorValue> out = new LinkedHashMap<>();
      for (Binding b : engine.outputs()) {
        DeviceTensor t = tensors.get(b.name());
        ByteBuffer host = heap(t.byteSize());
        t.copyToHost(host, context.stream());
        out.put(b.name(), TensorValue.ofBytes(t.type(), t.shape(), host.array()));
      }
      return out;
    }

    @Override
    public void close() {
      closeContext(context, ownStream);
      tensors.values().forEach(DeviceTensor::close);
    }
  }

  /** The engine's host path: Java buffers in, Java buffers out, through its context's pinned buffers. */
  private final class WithCopies implements PreparedRun {
    private final DeviceStream ownStream = graphStream();
    private final ExecutionContext context = newContext(ownStream);
    private final Map<String, Shape> shapes;
    private final Map<String, ByteBuffer> in = new LinkedHashMap<>();
    private final Map<String, ByteBuffer> out = new LinkedHashMap<>();
    private final Map<String, Shape> outShapes = new LinkedHashMap<>();

    WithCopies(Map<String, TensorValue> batch) {
      shapes = shapes(batch);
      batch.forEach((k, v) -> in.put(k, ByteBuffer.wrap(v.bytes()).order(ByteOrder.LITTLE_ENDIAN)));
      try {
        for (Binding b : engine.outputs()) {
          Shape s = context.outputShape(b.name(), shapes);
          outShapes.put(b.name(), s);
          out.put(b.name(), heap(s.numElements() * b.type().byteSize()));
        }
      } catch (RuntimeException e) {
        closeContext(context, ownStream);
        throw e;
      }
    }

    @Override
    public void run() {
      context.execute(shapes, in, out);
    }

    @Override
    public Map<String, TensorValue> outputs() {
      Map<String, TensorValue> result = new LinkedHashMap<>();
      out.forEach((k, buf) -> result.put(k, TensorValue.ofBytes(engine.binding(k).type(), outShapes.get(k),
          buf.array())));
      return result;
    }

    @Override
    public void close() {
      closeContext(context, ownStream);
    }
  }
}
