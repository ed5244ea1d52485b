package dev.tftrt.engine;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.tftrt.TftrtException;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The engine door with no native code, for tests and dry runs: networks record their layers (shapes come from
 * the given {@link NetworkBuilder}, e.g. {@code RecordingNetworkBuilder}), "plans" are JSON describing the
 * network, and engines compute with a {@link Runner} the test supplies (e.g. native TensorFlow on the
 * segment), or refuse to run without one. Every network layer becomes one engine layer (no fusion). Engines
 * keep TensorRT 8's rule: one live execution context per optimization profile (as many profiles as the config's
 * {@link EngineConfig#executionContexts()}); the contexts made are recorded.
 */
public final class RecordingTensorRtBackend implements TensorRtBackend {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
  private static final String MAGIC = "tftrt-recorded-plan-v1";

  /** Computes an engine's outputs from its inputs (all keyed by binding name). */
  @FunctionalInterface
  public interface Runner {
    Map<String, TensorValue> run(Engine engine, Map<String, TensorValue> inputs);
  }

  /** One call of {@link #build}: the layers it saw and the config it got. */
  public record BuildRecord(List<String> inputNames, List<String> outputNames, List<String> layerNames,
      EngineConfig config) {}

  private final Supplier<NetworkBuilder> networks;
  private final Runner runner;
  private final Predicate<List<String>> failBuild;
  /** How long each layer's "tactic selection" takes in a build; null: builds are immediate and silent. */
  private final Duration layerBuildTime;
  /** One execution context made: the optimization profile it holds and whether it was asked for CUDA graphs. */
  public record ContextRecord(int profile, boolean cudaGraphs) {}

  private final List<BuildRecord> builds = new CopyOnWriteArrayList<>();
  private final List<ContextRecord> contexts = new CopyOnWriteArrayList<>();
  private final List<Integer> runContexts = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicLong copiesToDevice = new java.util.concurrent.atomic.AtomicLong();

  /** A backend whose networks delegate shape work to fresh builders from {@code networks}. */
  public RecordingTensorRtBackend(Supplier<NetworkBuilder> networks) {
    this(networks, null, names -> false, null);
  }

  private RecordingTensorRtBackend(Supplier<NetworkBuilder> networks, Runner runner,
      Predicate<List<String>> failBuild, Duration layerBuildTime) {
    this.networks = Objects.requireNonNull(networks, "networks");
    this.runner = runner;
    this.failBuild = failBuild;
    this.layerBuildTime = layerBuildTime;
  }

  /** The same backend whose engines compute with {@code runner}. */
  public RecordingTensorRtBackend withRunner(Runner runner) {
    return new RecordingTensorRtBackend(networks, Objects.requireNonNull(runner), failBuild, layerBuildTime);
  }

  /** The same backend, failing builds of networks whose layer names match (to exercise fallback). */
  public RecordingTensorRtBackend failingBuilds(Predicate<List<String>> whenLayerNames) {
    return new RecordingTensorRtBackend(networks, runner, Objects.requireNonNull(whenLayerNames), layerBuildTime);
  }

  /**
   * The same backend with builds that take time as TensorRT's do: {@code perLayer} for each layer, reported as
   * the phases "graph optimization", "tactic selection" (a step per layer) and "engine generation" through an
   * {@link InterruptibleBuild}, so an interrupt or a cancel request stops them between layers. The build's
   * thread ignores interrupts, as a native build does.
   */
  public RecordingTensorRtBackend withBuildTime(Duration perLayer) {
    if (perLayer == null || perLayer.isNegative()) {
      throw new IllegalArgumentException("perLayer must be a duration >= 0, was " + perLayer);
    }
    return new RecordingTensorRtBackend(networks, runner, failBuild, perLayer);
  }

  /** The builds so far, in order. */
  public List<BuildRecord> builds() {
    return Collections.unmodifiableList(builds);
  }

  /** How many copies from the host into device tensors of this backend so far (to check that runs avoid them). */
  public long copiesToDevice() {
    return copiesToDevice.get();
  }

  /** The execution contexts made so far, in order. */
  public List<ContextRecord> contexts() {
    return Collections.unmodifiableList(contexts);
  }

  /** For each engine run so far, in order, the profile of the context that ran it (one context per profile). */
  public List<Integer> runContexts() {
    return Collections.unmodifiableList(runContexts);
  }

  @Override
  public Availability availability() {
    return new Availability(true, "", "recording backend (no GPU)", "0.0", "none", "none", "recording");
  }

  @Override
  public NetworkDefinition newNetwork() {
    return new RecordingNetwork(networks.get());
  }

  @Override
  public BuildResult build(NetworkDefinition network, EngineConfig config, BuildListener listener) {
    if (!(network instanceof RecordingNetwork n)) {
      throw new IllegalArgumentException("network was not made by this backend");
    }
    if (n.isClosed()) {
      throw new IllegalStateException("network is closed");
    }
    if (layerBuildTime != null) {
      return InterruptibleBuild.run(listener, monitor -> timedBuild(n, config, monitor));
    }
    return record(n, config, listener);
  }

  /** The phases of a TensorRT build, {@link #layerBuildTime} per layer, stopping when the monitor says so. */
  private BuildResult timedBuild(RecordingNetwork n, EngineConfig config, BuildMonitor monitor) {
    List<RecordingNetwork.Layer> layers = n.layers();
    monitor.phaseStart("graph optimization", 0);
    monitor.phaseFinish("graph optimization");
    monitor.phaseStart("tactic selection", layers.size());
    for (int i = 0; i < layers.size(); i++) {
      long end = System.nanoTime() + layerBuildTime.toNanos();
      // Sleeps through interrupts: only the monitor stops the build, as a builder with a progress monitor
      // (TensorRT 10's) stops; TensorRT 8.6 has none and ends its build in the background.
      while (System.nanoTime() < end && !monitor.cancelled()) {
        java.util.concurrent.locks.LockSupport.parkNanos(Math.min(end - System.nanoTime(), 20_000_000L));
      }
      if (!monitor.stepComplete("tactic selection", i + 1, layers.size(), layers.get(i).name())) {
        monitor.phaseFinish("tactic selection");
        throw new EngineBuildException("build cancelled at layer " + (i + 1), List.of());
      }
    }
    monitor.phaseFinish("tactic selection");
    monitor.phaseStart("engine generation", 0);
    BuildResult r = record(n, config, monitor.asListener());
    monitor.phaseFinish("engine generation");
    return r;
  }

  private BuildResult record(RecordingNetwork n, EngineConfig config, BuildListener listener) {
    long start = System.nanoTime();
    List<String> layerNames = n.layers().stream().map(RecordingNetwork.Layer::name).toList();
    builds.add(new BuildRecord(n.inputNames(), n.outputNames(), layerNames, config));
    listener.progress("recording build of " + layerNames.size() + " layers, " + config.precision());
    if (failBuild.test(layerNames)) {
      throw new EngineBuildException("recording backend failed the build as asked",
          List.of("[E] build failure injected by the test"));
    }
    if (n.outputs().isEmpty()) {
      throw new EngineBuildException("network has no outputs", List.of("[E] network has no outputs"));
    }
    PlanJson plan = new PlanJson();
    plan.magic = MAGIC;
    plan.precision = config.precision().name();
    plan.profiles = config.executionContexts();
    for (TrtTensor t : n.inputs()) {
      ShapeRange r = config.profile().get(t.name());
      plan.bindings.add(BindingJson.of(t.name(), true, t.type(), t.shape(), r));
    }
    for (int i = 0; i < n.outputs().size(); i++) {
      TrtTensor t = n.outputs().get(i);
      plan.bindings.add(BindingJson.of(n.outputNames().get(i), false, t.type(), t.shape(), null));
    }
    n.layers().forEach(l -> plan.layers.add(new LayerJson(l.name(), l.kind())));
    byte[] bytes = GSON.toJson(plan).getBytes(StandardCharsets.UTF_8);
    byte[] table = config.precision() == dev.tftrt.Precision.INT8
        ? ("recorded calibration for " + layerNames.size() + " layers").getBytes(StandardCharsets.UTF_8)
        : new byte[0];
    return new BuildResult(bytes, new byte[0], table, List.of(), (System.nanoTime() - start) / 1_000_000);
  }

  @Override
  public Engine deserialize(byte[] plan) {
    PlanJson p;
    try {
      p = GSON.fromJson(new String(plan, StandardCharsets.UTF_8), PlanJson.class);
    } catch (JsonParseException e) {
      p = null;
    }
    if (p == null || !MAGIC.equals(p.magic)) {
      throw new TftrtException("plan of " + plan.length
          + " bytes is not a valid engine (truncated, corrupt, or not made by the recording backend)");
    }
    return new RecordedEngine(p);
  }

  @Override
  public DeviceStream newStream() {
    return new HostStream();
  }

  @Override
  public DeviceTensor allocate(DataType type, Shape shape) {
    return new HostDeviceTensor(type, shape, copiesToDevice);
  }

  // ---- plan JSON ----

  private static final class PlanJson {
    String magic;
    String precision;
    /** Optimization profiles (0 in plans recorded before there could be several: one). */
    int profiles;
    List<BindingJson> bindings = new ArrayList<>();
    List<LayerJson> layers = new ArrayList<>();
  }

  private record LayerJson(String name, String kind) {}

  private record BindingJson(String name, boolean input, String type, long[] shape, long[] min, long[] opt,
      long[] max) {
    static BindingJson of(String name, boolean input, DataType type, Shape shape, ShapeRange r) {
      return new BindingJson(name, input, type.name(), shape.dims(), r == null ? null : r.min().dims(),
          r == null ? null : r.opt().dims(), r == null ? null : r.max().dims());
    }

    Binding toBinding() {
      ShapeRange r = min == null ? null : new ShapeRange(Shape.of(min), Shape.of(opt), Shape.of(max));
      return new Binding(name, input, DataType.valueOf(type), Shape.of(shape), r);
    }
  }

  // ---- engine and context ----

  private final class RecordedEngine implements Engine {
    private final PlanJson plan;
    private final List<Binding> bindings;
    /** Which profiles a live context holds; guarded by this. */
    private final boolean[] profileHeld;

    RecordedEngine(PlanJson plan) {
      this.plan = plan;
      this.bindings = plan.bindings.stream().map(BindingJson::toBinding).toList();
      this.profileHeld = new boolean[Math.max(1, plan.profiles)];
    }

    @Override
    public List<Binding> bindings() {
      return bindings;
    }

    @Override
    public ExecutionContext createContext() {
      return createContext(new HostStream(), false);
    }

    @Override
    public ExecutionContext createContext(DeviceStream stream) {
      return createContext(stream, false);
    }

    @Override
    public synchronized ExecutionContext createContext(DeviceStream stream, boolean cudaGraphs) {
      for (int k = 0; k < profileHeld.length; k++) {
        if (!profileHeld[k]) {
          profileHeld[k] = true;
          contexts.add(new ContextRecord(k, cudaGraphs));
          return new RecordedContext(this, stream, k);
        }
      }
      throw new IllegalStateException("all " + profileHeld.length + " optimization profile(s) of the engine are "
          + "held by live execution contexts (TensorRT 8 runs one context per profile)");
    }

    @Override
    public int maxContexts() {
      return profileHeld.length;
    }

    synchronized void release(int profile) {
      profileHeld[profile] = false;
    }

    @Override
    public String layerInformationJson() {
      Map<String, Object> info = new LinkedHashMap<>();
      List<Map<String, Object>> layers = new ArrayList<>();
      for (LayerJson l : plan.layers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", l.name());
        m.put("LayerType", l.kind());
        layers.add(m);
      }
      info.put("Layers", layers);
      info.put("Bindings", bindings.stream().map(Binding::name).toList());
      return GSON.toJson(info);
    }

    @Override
    public long deviceMemoryBytes() {
      return 0;
    }

    @Override
    public void close() {}
  }

  private final class RecordedContext implements ExecutionContext {
    private final RecordedEngine engine;
    private final DeviceStream stream;
    private final int profile;
    private boolean closed;

    RecordedContext(RecordedEngine engine, DeviceStream stream, int profile) {
      this.engine = engine;
      this.stream = stream;
      this.profile = profile;
    }

    @Override
    public Engine engine() {
      return engine;
    }

    @Override
    public DeviceStream stream() {
      return stream;
    }

    @Override
    public Map<String, TensorValue> execute(Map<String, TensorValue> inputs) {
      if (closed) {
        throw new IllegalStateException("execution context is closed");
      }
      if (runner == null) {
        throw new UnsupportedOperationException(
            "the recording backend computes nothing; give it a Runner with withRunner(...)");
      }
      for (Binding b : engine.inputs()) {
        TensorValue v = inputs.get(b.name());
        if (v == null) {
          throw new IllegalArgumentException("missing input '" + b.name() + "'");
        }
        if (b.profile() != null && !b.profile().contains(v.shape())) {
          throw new IllegalArgumentException("input '" + b.name() + "' shape " + v.shape()
              + " is outside the engine's profile " + b.profile());
        }
      }
      runContexts.add(profile);
      return runner.run(engine, inputs);
    }

    @Override
    public void execute(Map<String, Shape> inputShapes, Map<String, ByteBuffer> inputs,
        Map<String, ByteBuffer> outputs) {
      Map<String, TensorValue> in = new LinkedHashMap<>();
      for (Binding b : engine.inputs()) {
        Shape s = inputShapes.get(b.name());
        byte[] bytes = new byte[Math.toIntExact(s.numElements() * b.type().byteSize())];
        inputs.get(b.name()).duplicate().position(0).get(bytes);
        in.put(b.name(), TensorValue.ofBytes(b.type(), s, bytes));
      }
      execute(in).forEach((name, v) -> outputs.get(name).duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0)
          .put(v.bytes()));
    }

    /** Output dimension 0 follows the first input's batch; the rest are the recorded static dims. */
    @Override
    public Shape outputShape(String output, Map<String, Shape> inputShapes) {
      Shape s = engine.binding(output).shape();
      if (s.rank() > 0 && s.dim(0) < 0) {
        s = s.withDim(0, inputShapes.get(engine.inputs().get(0).name()).dim(0));
      }
      return s;
    }

    @Override
    public void enqueue(Map<String, DeviceTensor> tensors) {
      Map<String, TensorValue> in = new LinkedHashMap<>();
      for (Binding b : engine.inputs()) {
        HostDeviceTensor t = (HostDeviceTensor) tensors.get(b.name());
        in.put(b.name(), TensorValue.ofBytes(t.type(), t.shape(), t.data));
      }
      execute(in).forEach((name, v) -> {
        byte[] out = v.bytes();
        System.arraycopy(out, 0, ((HostDeviceTensor) tensors.get(name)).data, 0, out.length);
      });
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        engine.release(profile);
      }
    }
  }

  /** "Device" memory in the Java heap. */
  private static final class HostDeviceTensor implements DeviceTensor {
    private final DataType type;
    private final Shape shape;
    private final byte[] data;
    private final java.util.concurrent.atomic.AtomicLong copiesToDevice;

    HostDeviceTensor(DataType type, Shape shape, java.util.concurrent.atomic.AtomicLong copiesToDevice) {
      this.copiesToDevice = copiesToDevice;
      if (!shape.isFullyDefined()) {
        throw new IllegalArgumentException("device tensors need a fully defined shape, got " + shape);
      }
      this.type = type;
      this.shape = shape;
      this.data = new byte[Math.toIntExact(shape.numElements() * type.byteSize())];
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
      return data.length;
    }

    @Override
    public void copyFromHost(ByteBuffer host, DeviceStream stream) {
      copiesToDevice.incrementAndGet();
      host.duplicate().get(data);
    }

    @Override
    public void copyToHost(ByteBuffer host, DeviceStream stream) {
      host.duplicate().put(data);
    }

    @Override
    public void close() {}
  }

  private static final class HostStream implements DeviceStream {
    @Override
    public void synchronize() {}

    @Override
    public DeviceEvent record() {
      return new HostEvent(System.nanoTime());
    }

    @Override
    public void close() {}
  }

  private record HostEvent(long nanos) implements DeviceStream.DeviceEvent {
    @Override
    public float millisSince(DeviceStream.DeviceEvent start) {
      return (nanos - ((HostEvent) start).nanos()) / 1e6f;
    }

    @Override
    public void close() {}
  }
}
