package dev.tftrt.runtime;

import dev.tftrt.TftrtException;
import dev.tftrt.engine.Binding;
import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.tensorflow.GraphOperation;
import org.tensorflow.exceptions.TensorFlowException;

/**
 * Runs a frozen graph whose segments may have TensorRT engines: stages in topological order, TensorFlow
 * stages with TensorFlow Java, segments on their engine when one fits the input shapes and in TensorFlow
 * otherwise (counted, with the reason). Tensors that one engine produces for the next stay on the device;
 * the stages of one call share a stream. Safe from many threads: each call borrows a set of execution
 * contexts (one stream, one context per engine) from a pool. {@link #close()} waits for running calls.
 */
public final class HybridExecutor implements AutoCloseable {
  private final Graph graph;
  private final List<TensorRef> inputs;
  private final List<TensorRef> outputs;
  private final List<StageSpec> stageSpecs;
  private final List<Stage> stages = new ArrayList<>();
  private final TensorRtBackend backend;
  private final FallbackCounter fallbacks = new FallbackCounter();
  /** Idle and all sets of contexts; guarded by idleContexts. Calls wait when every set allowed is in use. */
  private final java.util.ArrayDeque<Contexts> idleContexts = new java.util.ArrayDeque<>();
  private final List<Contexts> allContexts = new ArrayList<>();
  /** Live contexts per engine, to keep within {@link Engine#maxContexts()}; guarded by itself. */
  private final Map<Engine, Integer> liveContexts = new IdentityHashMap<>();
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private final Map<TensorRef, DataType> types;
  /** Constants a segment reads as an input (when the converters left the Const out of it): fed from the graph. */
  private final Map<TensorRef, TensorValue> constantInputs = new HashMap<>();
  private final boolean cudaGraphs;
  /** Bindings not yet closed, closed with this executor; guarded by itself. */
  private final Set<Bound> bound = new java.util.HashSet<>();
  /** Guarded by {@link #lifecycle}; volatile for the messages of closed bindings. */
  private volatile boolean closed;

  /**
   * @param inputs the model's input tensors (placeholders), fed by {@link #run}
   * @param outputs the model's output tensors
   * @param segments the segments and their engines; a segment without a usable engine runs in TensorFlow
   * @param backend what runs the engines (may be unavailable when no segment has an engine)
   */
  public HybridExecutor(Graph graph, List<TensorRef> inputs, List<TensorRef> outputs,
      List<SegmentEngines> segments, TensorRtBackend backend) {
    this(graph, inputs, outputs, segments, backend, false);
  }

  /**
   * As above; with {@code cudaGraphs} each execution context replays its engine's enqueue as a CUDA graph while
   * shapes repeat (the device tensors of a set of contexts are reused, so their addresses repeat too).
   */
  public HybridExecutor(Graph graph, List<TensorRef> inputs, List<TensorRef> outputs,
      List<SegmentEngines> segments, TensorRtBackend backend, boolean cudaGraphs) {
    this.cudaGraphs = cudaGraphs;
    this.graph = graph.copy();
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.backend = backend;
    this.stageSpecs = StagePlanner.split(this.graph, this.inputs, this.outputs,
        segments.stream().map(SegmentEngines::spec).toList());
    Map<String, SegmentEngines> byName = new HashMap<>();
    segments.forEach(s -> byName.put(s.spec().name(), s));
    Set<TensorRef> crossing = new java.util.HashSet<>(this.inputs);
    stageSpecs.forEach(s -> crossing.addAll(s.inputs()));
    this.types = tensorTypes(this.graph, crossing);
    for (TensorRef t : crossing) {
      if (StagePlanner.isConstant(this.graph, t.node()) && t.index() == 0) {
        constantInputs.put(t, this.graph.node(t.node()).tensorAttr("value"));
      }
    }
    try {
      for (StageSpec s : stageSpecs) {
        if (s.isSegment()) {
          stages.add(new SegmentStage(s, byName.get(s.name())));
        } else {
          stages.add(new NativeRun(newNativeStage(s)));
        }
      }
    } catch (RuntimeException e) {
      stages.forEach(Stage::close);
      throw e;
    }
  }

  /** The element types of tensors, from TensorFlow's own view of the graph. */
  private static Map<TensorRef, DataType> tensorTypes(Graph graph, Collection<TensorRef> refs) {
    Map<TensorRef, DataType> out = new HashMap<>();
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(GraphDefs.toProto(graph));
      for (TensorRef r : refs) {
        GraphOperation op = g.operationOrThrow(r.node());
        out.put(r, DataType.fromNumber(op.output(r.index()).dataType().getNumber()));
      }
    } catch (IllegalArgumentException | TensorFlowException e) {
      throw new TftrtException("TensorFlow cannot load the frozen graph: " + e.getMessage(), e);
    }
    return out;
  }

  private NativeStage newNativeStage(StageSpec s) {
    return new NativeStage(s.name(), graph, s.nodes(), s.inputs(), types, s.outputs());
  }

  /** The stages in the order they run. */
  public List<StageSpec> stages() {
    return stageSpecs;
  }

  /** The element type TensorFlow gives a model input. */
  public DataType inputType(TensorRef input) {
    return types.get(input);
  }

  /** Native fallbacks so far, per segment and reason. */
  public List<FallbackCount> fallbacks() {
    return fallbacks.snapshot();
  }

  /** The segments' engine caches, in stage order. */
  public List<SegmentEngines> segments() {
    return stages.stream().filter(s -> s instanceof SegmentStage).map(s -> ((SegmentStage) s).engines).toList();
  }

  /**
   * Runs the graph: {@code feeds} holds a value for every model input; returns every model output, in
   * order. Values are not checked against the signature here (the model does that).
   */
  public Map<TensorRef, TensorValue> run(Map<TensorRef, TensorValue> feeds) {
    return run(feeds, List.of(), true);
  }

  /**
   * Runs every stage in TensorFlow (engines unused, nothing counted) and returns the given intermediate
   * tensors: the inputs of the segments, for INT8 calibration, as TF-TRT computes them.
   */
  public Map<TensorRef, TensorValue> runNatively(Map<TensorRef, TensorValue> feeds, Collection<TensorRef> wanted) {
    return run(feeds, wanted, false);
  }

  private Map<TensorRef, TensorValue> run(Map<TensorRef, TensorValue> feeds, Collection<TensorRef> wanted,
      boolean useEngines) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new TftrtException("this model is closed; load it again to run it");
      }
      Contexts contexts = useEngines ? borrowContexts(null, false) : null;
      Values values = new Values(contexts, contexts == null ? null : contexts.tensors);
      try {
        for (TensorRef in : inputs) {
          TensorValue v = feeds.get(in);
          if (v == null) {
            throw new IllegalArgumentException("no value for model input " + in);
          }
          values.putHost(in, v);
        }
        runStages(values, useEngines);
        Map<TensorRef, TensorValue> out = new LinkedHashMap<>();
        for (TensorRef o : outputs) {
          out.put(o, values.host(o));
        }
        for (TensorRef w : wanted) {
          out.put(w, values.host(w));
        }
        return out;
      } finally {
        values.release();
        if (contexts != null) {
          giveBack(contexts);
        }
      }
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Runs every stage on {@code values}, which hold the model inputs; leaves the model outputs in them. */
  private void runStages(Values values, boolean useEngines) {
    constantInputs.forEach(values::putHost);
    for (Stage s : stages) {
      s.run(values, useEngines);
    }
    for (TensorRef o : outputs) {
      if (StagePlanner.isConstant(graph, o.node())) {
        values.putHost(o, graph.node(o.node()).tensorAttr("value"));
      }
    }
  }

  /**
   * Binds {@code feeds} (a value for every model input) for runs that keep tensors on the device: the inputs
   * that a segment with an engine reads are copied to the device now, once; see {@link Bound}.
   *
   * @throws TftrtException when this executor is closed
   */
  public Bound bind(Map<TensorRef, TensorValue> feeds) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new TftrtException("this model is closed; load it again to run it");
      }
      Bound b = new Bound(feeds);
      synchronized (bound) {
        bound.add(b);
      }
      return b;
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Whether a stage that may run on an engine reads {@code ref}: such inputs are worth a device copy. */
  private boolean engineMayRead(TensorRef ref) {
    for (Stage s : stages) {
      if (s instanceof SegmentStage seg && seg.engines.withoutEngine() == null && seg.spec.inputs().contains(ref)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Model inputs held on the device for repeated runs, as ONNX Runtime's I/O binding: the executor's stages run
   * as in {@link HybridExecutor#run}, segments on engines reading the bound device tensors directly, and the
   * tensors the run produces stay in device memory that this binding owns (reused while shapes repeat), the
   * outputs included until {@link #output} copies one to the host. Stages that run in TensorFlow read the host
   * values given to {@link #bind} and copy device tensors to the host as they need them. One run at a time:
   * the methods of one binding are serialized; different bindings run at once as {@link HybridExecutor#run}
   * calls do. Closed with the executor at the latest.
   */
  public final class Bound implements AutoCloseable {
    private final Map<TensorRef, TensorValue> hostInputs = new LinkedHashMap<>();
    private final Map<TensorRef, DeviceTensor> deviceInputs = new LinkedHashMap<>();
    private final TensorCache tensors = new TensorCache();
    /** Where each output of the last run is: a host value, or a device tensor of {@link #tensors}. */
    private final Map<TensorRef, TensorValue> hostOutputs = new HashMap<>();
    private final Map<TensorRef, DeviceTensor> deviceOutputs = new HashMap<>();
    private DeviceStream stream;
    /**
     * The contexts of this binding's last run, taken again when idle: a context replays its CUDA graph only while
     * its tensors' addresses stay the same, and two bindings taking turns on one context would recapture each run.
     */
    private Contexts lastContexts;
    private boolean ran;
    private boolean closed;

    private Bound(Map<TensorRef, TensorValue> feeds) {
      try {
        for (TensorRef in : inputs) {
          TensorValue v = feeds.get(in);
          if (v == null) {
            throw new IllegalArgumentException("no value for model input " + in);
          }
          hostInputs.put(in, v);
          if (engineMayRead(in)) {
            DeviceTensor d = backend.allocate(v.dtype(), v.shape());
            deviceInputs.put(in, d);
            d.copyFromHost(v.buffer(), stream());
          }
        }
        if (stream != null) {
          stream.synchronize();
        }
      } catch (RuntimeException e) {
        free();
        throw e;
      }
    }

    private DeviceStream stream() {
      if (stream == null) {
        stream = backend.newStream();
      }
      return stream;
    }

    /** How many model inputs were copied to the device (those a segment with an engine reads). */
    public int inputsOnDevice() {
      return deviceInputs.size();
    }

    /**
     * Runs the model on the bound inputs; returns when the run's device work has finished, its outputs left
     * where the last stage put them.
     *
     * @throws TftrtException when this binding or its executor is closed
     */
    public synchronized void run() {
      lifecycle.readLock().lock();
      try {
        runLocked();
      } finally {
        lifecycle.readLock().unlock();
      }
    }

    private void runLocked() {
      checkOpen();
      if (HybridExecutor.this.closed) {
        throw new TftrtException("this model is closed; load it again to run it");
      }
      hostOutputs.clear();
      deviceOutputs.clear();
      ran = false;
      // A binding's first run takes a new set while the engines allow one: another binding's set would make both
      // recapture their CUDA graphs on every run.
      Contexts contexts = borrowContexts(lastContexts, lastContexts == null);
      lastContexts = contexts;
      Values values = new Values(contexts, tensors);
      try {
        hostInputs.forEach(values::putHost);
        deviceInputs.forEach(values::putDevice);
        runStages(values, true);
        for (TensorRef o : outputs) {
          TensorValue h = values.hostOrNull(o);
          if (h != null) {
            hostOutputs.put(o, h);
          } else {
            deviceOutputs.put(o, values.deviceOrNull(o));
          }
        }
        ran = true;
      } finally {
        values.release();
        giveBack(contexts);
      }
    }

    /** Whether {@code output} of the last run is still on the device (not yet copied to the host). */
    public synchronized boolean onDevice(TensorRef output) {
      checkRan(output);
      return !hostOutputs.containsKey(output);
    }

    /**
     * An output of the last {@link #run()}, copied to the host on the first call (later calls return the same
     * value until the next run).
     *
     * @throws TftrtException when nothing ran yet or this binding is closed
     */
    public synchronized TensorValue output(TensorRef output) {
      checkRan(output);
      TensorValue v = hostOutputs.get(output);
      if (v == null) {
        v = copyToHost(deviceOutputs.get(output), stream());
        hostOutputs.put(output, v);
      }
      return v;
    }

    private void checkOpen() {
      if (closed) {
        throw new TftrtException(HybridExecutor.this.closed ? "this model is closed; load it again to run it"
            : "this bound run is closed; bind the inputs again to run them");
      }
    }

    private void checkRan(TensorRef output) {
      checkOpen();
      if (!outputs.contains(output)) {
        throw new IllegalArgumentException("no model output " + output + "; the outputs are " + outputs);
      }
      if (!ran) {
        throw new TftrtException("no output yet: call run() first (a run that failed leaves none)");
      }
    }

    public synchronized boolean isClosed() {
      return closed;
    }

    /** Frees the device memory this binding holds. Idempotent. */
    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        free();
        synchronized (bound) {
          bound.remove(this);
        }
      }
    }

    private void free() {
      if (stream != null) {
        stream.synchronize();
      }
      deviceInputs.values().forEach(DeviceTensor::close);
      deviceInputs.clear();
      tensors.close();
      hostOutputs.clear();
      deviceOutputs.clear();
      if (stream != null) {
        stream.close();
        stream = null;
      }
    }
  }

  /**
   * A set of contexts for one call: {@code preferred} if it is idle; else an idle one, or a new one while the
   * engines allow more contexts (TensorRT 8: one live context per optimization profile of an engine), a new one
   * first when {@code newSetFirst}; else the next one given back.
   */
  private Contexts borrowContexts(Contexts preferred, boolean newSetFirst) {
    synchronized (idleContexts) {
      while (true) {
        if (preferred != null && idleContexts.remove(preferred)) {
          return preferred;
        }
        boolean mayCreate = allContexts.size() < contextLimit();
        if (!(newSetFirst && mayCreate)) {
          Contexts idle = idleContexts.poll();
          if (idle != null) {
            return idle;
          }
        }
        if (mayCreate) {
          Contexts c = new Contexts();
          allContexts.add(c);
          return c;
        }
        try {
          idleContexts.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TftrtException("interrupted while waiting for a free execution context", e);
        }
      }
    }
  }

  private void giveBack(Contexts c) {
    synchronized (idleContexts) {
      if (allContexts.size() > contextLimit()) {
        // An engine built at run time allows fewer contexts than there are sets: retire this one.
        allContexts.remove(c);
        c.close();
      } else {
        idleContexts.add(c);
      }
      idleContexts.notifyAll();
    }
  }

  /** The fewest contexts any engine allows (at least one). */
  private int contextLimit() {
    int limit = Integer.MAX_VALUE;
    for (SegmentEngines s : segments()) {
      for (SegmentEngine e : s.engines()) {
        limit = Math.min(limit, e.engine().maxContexts());
      }
    }
    return Math.max(1, limit);
  }

  /** Waits for running calls, then frees sessions, contexts, streams and engines. Idempotent. */
  @Override
  public void close() {
    List<Bound> open;
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      synchronized (bound) {
        open = new ArrayList<>(bound);
      }
      synchronized (idleContexts) {
        allContexts.forEach(Contexts::close);
        allContexts.clear();
        idleContexts.clear();
      }
      stages.forEach(Stage::close);
    } finally {
      lifecycle.writeLock().unlock();
    }
    // After the lock: a binding's run holds the binding's monitor while it waits for the lock (and then fails).
    open.forEach(Bound::close);
  }

  public boolean isClosed() {
    lifecycle.readLock().lock();
    try {
      return closed;
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  // ---- per-call state ----

  /**
   * One stream, one execution context per engine and the device tensors of the last call, used by one call at
   * a time. Tensors are reused while their shapes repeat, so that a steady stream of calls allocates nothing
   * on the device (cudaMalloc and cudaFree would add tens of microseconds and synchronize the GPU).
   */
  private final class Contexts implements AutoCloseable {
    private DeviceStream stream;
    private final Map<Engine, ExecutionContext> byEngine = new IdentityHashMap<>();
    private final TensorCache tensors = new TensorCache();

    DeviceStream stream() {
      if (stream == null) {
        stream = backend.newStream();
      }
      return stream;
    }

    ExecutionContext forEngine(Engine e) {
      ExecutionContext c = byEngine.get(e);
      if (c == null) {
        synchronized (liveContexts) {
          int live = liveContexts.getOrDefault(e, 0);
          if (live >= e.maxContexts()) {
            throw new IllegalStateException("the engine's " + live + " execution context(s) are all held by "
                + "other calls (TensorRT allows " + e.maxContexts() + ")");
          }
          liveContexts.put(e, live + 1);
        }
        try {
          c = e.createContext(stream(), cudaGraphs);
        } catch (RuntimeException ex) {
          synchronized (liveContexts) {
            liveContexts.merge(e, -1, Integer::sum);
          }
          throw ex;
        }
        byEngine.put(e, c);
      }
      return c;
    }

    @Override
    public void close() {
      if (stream != null) {
        stream.synchronize();
      }
      tensors.close();
      byEngine.values().forEach(ExecutionContext::close);
      synchronized (liveContexts) {
        byEngine.keySet().forEach(e -> liveContexts.merge(e, -1, Integer::sum));
      }
      byEngine.clear();
      if (stream != null) {
        stream.close();
        stream = null;
      }
    }
  }

  /**
   * Device tensors by graph tensor, reused while type and shape repeat, so that a steady stream of calls
   * allocates nothing on the device (cudaMalloc and cudaFree would add tens of microseconds and synchronize the
   * GPU). Used by one call at a time.
   */
  private final class TensorCache implements AutoCloseable {
    private final Map<TensorRef, DeviceTensor> tensors = new HashMap<>();

    /** The tensor for {@code ref}: the last call's when type and shape match, else a new one. */
    DeviceTensor tensor(TensorRef ref, DataType type, Shape shape, DeviceStream stream) {
      DeviceTensor t = tensors.get(ref);
      if (t != null && t.type() == type && t.shape().equals(shape)) {
        return t;
      }
      if (t != null) {
        stream.synchronize();
        t.close();
        tensors.remove(ref);
      }
      t = backend.allocate(type, shape);
      tensors.put(ref, t);
      return t;
    }

    @Override
    public void close() {
      tensors.values().forEach(DeviceTensor::close);
      tensors.clear();
    }
  }

  /** {@code d}'s values on the host, once {@code stream} has copied them. */
  private static TensorValue copyToHost(DeviceTensor d, DeviceStream stream) {
    ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(d.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    d.copyToHost(buf, stream);
    stream.synchronize();
    return TensorValue.ofBytes(d.type(), d.shape(), buf.array());
  }

  /** The tensors of one call: on the host, on the device, or both. */
  private static final class Values {
    private final Contexts contexts;
    private final TensorCache cache;
    private final Map<TensorRef, TensorValue> host = new HashMap<>();
    private final Map<TensorRef, DeviceTensor> device = new HashMap<>();

    /** {@code cache} holds the device tensors the call makes (the contexts' own, or a binding's). */
    Values(Contexts contexts, TensorCache cache) {
      this.contexts = contexts;
      this.cache = cache;
    }

    void putHost(TensorRef ref, TensorValue v) {
      host.put(ref, v);
    }

    void putDevice(TensorRef ref, DeviceTensor t) {
      device.put(ref, t);
    }

    DeviceTensor deviceOrNull(TensorRef ref) {
      return device.get(ref);
    }

    TensorValue hostOrNull(TensorRef ref) {
      return host.get(ref);
    }

    Shape shape(TensorRef ref) {
      TensorValue v = host.get(ref);
      if (v != null) {
        return v.shape();
      }
      DeviceTensor d = device.get(ref);
      if (d == null) {
        throw new IllegalStateException("no value for " + ref);
      }
      return d.shape();
    }

    DeviceTensor allocate(TensorRef ref, DataType type, Shape shape) {
      return cache.tensor(ref, type, shape, contexts.stream());
    }

    /** The host value, copying it from the device (and waiting for the stream) when needed. */
    TensorValue host(TensorRef ref) {
      TensorValue v = host.get(ref);
      if (v != null) {
        return v;
      }
      DeviceTensor d = device.get(ref);
      if (d == null) {
        throw new IllegalStateException("no value for " + ref);
      }
      v = copyToHost(d, contexts.stream());
      host.put(ref, v);
      return v;
    }

    Map<TensorRef, TensorValue> hostAll(List<TensorRef> refs) {
      Map<TensorRef, TensorValue> m = new HashMap<>();
      refs.forEach(r -> m.put(r, host(r)));
      return m;
    }

    /** Waits for the call's GPU work, so that the next call may reuse its tensors. */
    void release() {
      if (!device.isEmpty()) {
        contexts.stream().synchronize();
      }
    }
  }

  // ---- stages ----

  private interface Stage extends AutoCloseable {
    void run(Values values, boolean useEngines);

    @Override
    void close();
  }

  private record NativeRun(NativeStage stage) implements Stage {
    @Override
    public void run(Values values, boolean useEngines) {
      stage.run(values.hostAll(stage.inputs())).forEach(values::putHost);
    }

    @Override
    public void close() {
      stage.close();
    }
  }

  private final class SegmentStage implements Stage {
    /** Input shapes whose output shapes are remembered per engine (a model fed ever new shapes keeps no more). */
    private static final int MAX_KNOWN_SHAPES = 64;
    private final StageSpec spec;
    private final SegmentEngines engines;
    private final Map<Engine, Map<Map<String, Shape>, Map<String, Shape>>> outputShapesByEngine =
        new java.util.concurrent.ConcurrentHashMap<>();
    private volatile NativeStage fallback;

    SegmentStage(StageSpec spec, SegmentEngines engines) {
      this.spec = spec;
      this.engines = engines;
    }

    @Override
    public void run(Values values, boolean useEngines) {
      if (!useEngines) {
        runNatively(values);
        return;
      }
      List<Shape> shapes = spec.inputs().stream().map(values::shape).toList();
      SegmentEngines.Choice choice = engines.choose(shapes);
      if (choice instanceof SegmentEngines.Run r) {
        try {
          runEngine(r.engine().engine(), values);
          return;
        } catch (RuntimeException e) {
          // As TRTEngineOp: an engine that fails to execute is retried as the native segment.
          fallbacks.count(spec.name(), FallbackReason.EXECUTION_FAILED, String.valueOf(e.getMessage()));
        }
      } else {
        SegmentEngines.Fallback f = (SegmentEngines.Fallback) choice;
        fallbacks.count(spec.name(), f.reason(), f.detail());
      }
      runNatively(values);
    }

    private void runEngine(Engine engine, Values values) {
      ExecutionContext ctx = values.contexts.forEngine(engine);
      Map<String, DeviceTensor> bindings = new LinkedHashMap<>();
      Map<String, Shape> inputShapes = new LinkedHashMap<>();
      for (int i = 0; i < spec.inputs().size(); i++) {
        TensorRef ref = spec.inputs().get(i);
        String name = SegmentSpec.inputBinding(i);
        DeviceTensor d = values.deviceOrNull(ref);
        if (d == null) {
          TensorValue v = values.host(ref);
          Binding b = engine.binding(name);
          if (b.type() != v.dtype()) {
            throw new IllegalStateException("engine input " + name + " is " + b.type().tfName() + ", the tensor "
                + ref + " is " + v.dtype().tfName());
          }
          d = values.allocate(ref, v.dtype(), v.shape());
          d.copyFromHost(v.buffer(), ctx.stream());
          values.putDevice(ref, d);
        }
        bindings.put(name, d);
        inputShapes.put(name, d.shape());
      }
      Map<String, Shape> outputShapes = outputShapes(engine, ctx, inputShapes);
      Map<TensorRef, DeviceTensor> produced = new LinkedHashMap<>();
      for (int i = 0; i < spec.outputs().size(); i++) {
        String name = SegmentSpec.outputBinding(i);
        Binding b = engine.binding(name);
        DeviceTensor d = values.allocate(spec.outputs().get(i), b.type(), outputShapes.get(name));
        bindings.put(name, d);
        produced.put(spec.outputs().get(i), d);
      }
      ctx.enqueue(bindings);
      produced.forEach(values::putDevice);
    }

    /**
     * The engine's output shapes for these input shapes, asked of TensorRT once per engine and input shapes: asking
     * sets the context's input shapes and has TensorRT infer every shape again, on top of what the enqueue does.
     */
    private Map<String, Shape> outputShapes(Engine engine, ExecutionContext ctx, Map<String, Shape> inputShapes) {
      Map<Map<String, Shape>, Map<String, Shape>> known = outputShapesByEngine.computeIfAbsent(engine,
          e -> new java.util.concurrent.ConcurrentHashMap<>());
      Map<String, Shape> out = known.get(inputShapes);
      if (out == null) {
        out = new LinkedHashMap<>();
        for (int i = 0; i < spec.outputs().size(); i++) {
          String name = SegmentSpec.outputBinding(i);
          out.put(name, ctx.outputShape(name, inputShapes));
        }
        if (known.size() >= MAX_KNOWN_SHAPES) {
          known.clear();
        }
        known.put(Map.copyOf(inputShapes), out);
      }
      return out;
    }

    private void runNatively(Values values) {
      fallbackStage().run(values.hostAll(spec.inputs())).forEach(values::putHost);
    }

    private NativeStage fallbackStage() {
      NativeStage s = fallback;
      if (s == null) {
        synchronized (this) {
          if (fallback == null) {
            fallback = newNativeStage(spec);
          }
          s = fallback;
        }
      }
      return s;
    }

    @Override
    public void close() {
      if (fallback != null) {
        fallback.close();
      }
      engines.close();
    }
  }
}
