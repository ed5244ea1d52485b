package dev.tftrt.runtime;

import dev.tftrt.engine.Binding;
import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.ForwardingTensorRtBackend;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * A backend whose engines keep TensorRT 8's rule (seen on the GPU): an engine's optimization profile belongs to
 * the first live execution context; any further live context cannot enqueue. Wraps another backend.
 */
public record OneContextPerEngine(TensorRtBackend delegate) implements ForwardingTensorRtBackend {
  static final String NO_PROFILE = "TensorRT could not enqueue the engine (Assertion mOptimizationProfile >= 0 "
      + "failed: the profile belongs to another live context)";

  @Override
  public Engine deserialize(byte[] plan) {
    return new ProfiledEngine(delegate.deserialize(plan));
  }

  private static final class ProfiledEngine implements Engine {
    private final Engine engine;
    private Context holder;

    ProfiledEngine(Engine engine) {
      this.engine = engine;
    }

    @Override
    public List<Binding> bindings() {
      return engine.bindings();
    }

    @Override
    public int maxContexts() {
      return 1;
    }

    @Override
    public synchronized ExecutionContext createContext() {
      return track(new Context(this, engine.createContext()));
    }

    @Override
    public synchronized ExecutionContext createContext(DeviceStream stream) {
      return track(new Context(this, engine.createContext(stream)));
    }

    private Context track(Context c) {
      if (holder == null) {
        holder = c;
      }
      return c;
    }

    synchronized void closed(Context c) {
      if (holder == c) {
        holder = null;
      }
    }

    synchronized void requireProfile(Context c) {
      if (holder != c) {
        throw new IllegalStateException(NO_PROFILE);
      }
    }

    @Override
    public String layerInformationJson() {
      return engine.layerInformationJson();
    }

    @Override
    public long deviceMemoryBytes() {
      return engine.deviceMemoryBytes();
    }

    @Override
    public void close() {
      engine.close();
    }
  }

  private record Context(ProfiledEngine owner, ExecutionContext context) implements ExecutionContext {
    @Override
    public Engine engine() {
      return owner;
    }

    @Override
    public DeviceStream stream() {
      return context.stream();
    }

    @Override
    public Map<String, TensorValue> execute(Map<String, TensorValue> inputs) {
      owner.requireProfile(this);
      return context.execute(inputs);
    }

    @Override
    public void execute(Map<String, Shape> inputShapes, Map<String, ByteBuffer> inputs,
        Map<String, ByteBuffer> outputs) {
      owner.requireProfile(this);
      context.execute(inputShapes, inputs, outputs);
    }

    @Override
    public Shape outputShape(String output, Map<String, Shape> inputShapes) {
      return context.outputShape(output, inputShapes);
    }

    @Override
    public void enqueue(Map<String, DeviceTensor> tensors) {
      owner.requireProfile(this);
      context.enqueue(tensors);
    }

    @Override
    public void close() {
      owner.closed(this);
      context.close();
    }
  }
}
