package dev.tftrt.runtime;

import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.Binding;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.EngineBuildCancelledException;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.engine.TensorRtBackends;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.savedmodel.SignatureTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A SavedModel converted by TF-TRT, ready to run: the optimized frozen graph whose segments run on TensorRT
 * engines and everything else in TensorFlow. Made by {@code TrtGraphConverterV2.build(...)} or read back with
 * {@link #load(Path)}.
 *
 * <p>A segment runs in TensorFlow, exactly as TF-TRT's {@code TRTEngineOp} decides, when there is no GPU or
 * TensorRT, its build failed, the input shapes are outside every engine's profile (a batch larger than
 * {@code maxBatchSize} included: a new engine is built when {@code allowBuildAtRuntime} and the engine cache
 * has room, otherwise the segment runs natively), or no engine exists and {@code allowBuildAtRuntime} is false.
 * {@link #fallbacks()} counts each with its reason; {@link #messages()} says what loading found.
 *
 * <p>{@link #run} is safe from many threads at once and gives the same results as one thread: each call borrows
 * execution contexts from a pool no larger than the engines allow (TensorRT 8: one live context per optimization
 * profile; {@code TrtConversionParams.executionContextsPerEngine} profiles per engine, further calls wait). {@link #close()} waits for running calls and frees every engine.
 *
 * <p>{@link #run} copies its inputs from Java to the GPU on every call; {@link #bind} copies them once, for
 * repeated runs on the same inputs whose tensors stay on the device ({@link BoundRun}).
 */
public final class ConvertedModel implements AutoCloseable {
  private final ConvertedModelContents contents;
  private final EngineBuilds builds;
  private final HybridExecutor executor;
  private final List<String> messages;

  private ConvertedModel(ConvertedModelContents contents, EngineBuilds builds, HybridExecutor executor,
      List<String> messages) {
    this.contents = contents;
    this.builds = builds;
    this.executor = executor;
    this.messages = List.copyOf(messages);
  }

  /** Loads a converted model with the machine's TensorRT ({@link TensorRtBackends#system()}). */
  public static ConvertedModel load(Path dir) {
    return loader().load(dir);
  }

  public static Loader loader() {
    return new Loader();
  }

  /** Options for loading; fluent. */
  public static final class Loader {
    private TensorRtBackend backend;
    private SegmentNetworks networks = SegmentNetworks.standard();
    private BuildListener progress = BuildListener.NONE;
    private boolean rebuild = true;

    private Loader() {}

    /** What runs the engines (default: {@link TensorRtBackends#system()}). */
    public Loader backend(TensorRtBackend backend) {
      this.backend = Objects.requireNonNull(backend, "backend");
      return this;
    }

    /** What turns segments into networks when engines are rebuilt (default: the project's converters). */
    public Loader networks(SegmentNetworks networks) {
      this.networks = Objects.requireNonNull(networks, "networks");
      return this;
    }

    /** Receives messages while loading and building (rebuilds are slow). */
    public Loader progress(BuildListener progress) {
      this.progress = Objects.requireNonNull(progress, "progress");
      return this;
    }

    /**
     * Whether plans that cannot be used here (another GPU or TensorRT version, missing, truncated) are rebuilt
     * at load from their recorded profiles (default) or their segments run in TensorFlow.
     */
    public Loader rebuild(boolean rebuild) {
      this.rebuild = rebuild;
      return this;
    }

    public ConvertedModel load(Path dir) {
      ConvertedModelFiles.Read read = ConvertedModelFiles.read(dir);
      List<String> messages = new ArrayList<>(read.problems());
      read.problems().forEach(progress::progress);
      try {
        return open(read.contents(), messages);
      } catch (IllegalArgumentException e) {
        throw new TftrtException("the converted model in " + dir.toAbsolutePath() + " does not hold together ("
            + e.getMessage() + "); convert the SavedModel again", e);
      }
    }

    /** A model from contents in memory (what a converter built). */
    public ConvertedModel of(ConvertedModelContents contents) {
      return open(contents, new ArrayList<>());
    }

    private ConvertedModel open(ConvertedModelContents c, List<String> messages) {
      TensorRtBackend b = backend != null ? backend : TensorRtBackends.system();
      BuildListener listen = m -> {
        messages.add(m);
        progress.progress(m);
      };
      return ConvertedModel.open(c, b, networks, progress, listen, rebuild, messages);
    }
  }

  private static ConvertedModel open(ConvertedModelContents c, TensorRtBackend backend, SegmentNetworks networks,
      BuildListener progress, BuildListener say, boolean rebuild, List<String> messages) {
    ModelInputs.requireSupported(c.inputs(), c.outputs());
    Availability here = backend.availability();
    Map<String, byte[]> tables = new LinkedHashMap<>();
    c.segments().stream().filter(s -> s.calibrationTable() != null)
        .forEach(s -> tables.put(s.spec().name(), s.calibrationTable()));
    EngineBuilds builds = new EngineBuilds(c.graph(), c.params(), backend, networks, c.timingCache(), tables,
        progress);
    boolean hasPlans = c.segments().stream().anyMatch(s -> !s.engines().isEmpty());
    boolean sameMachine = here.available() && c.builtWith().available()
        && here.gpuName().equals(c.builtWith().gpuName())
        && here.computeCapability().equals(c.builtWith().computeCapability())
        && here.tensorRtVersion().equals(c.builtWith().tensorRtVersion());
    if (!here.available() && !c.segments().isEmpty()) {
      say.progress(here.describe() + "; " + (c.segments().size() == 1 ? "the segment runs"
          : "all " + c.segments().size() + " segments run") + " in TensorFlow");
    } else if (hasPlans && !sameMachine) {
      say.progress("the engines were built for " + c.builtWith().describe() + "; this machine has "
          + here.describe() + ": " + (rebuild ? "rebuilding them" : "their segments run in TensorFlow"));
    }
    List<SegmentEngines> segments = new ArrayList<>();
    try {
      for (SegmentPlans s : c.segments()) {
        segments.add(segmentEngines(s, c.params(), here, backend, builds, sameMachine, rebuild, say));
      }
      HybridExecutor executor = new HybridExecutor(c.graph(),
          c.inputs().stream().map(SignatureTensor::tensor).toList(),
          c.outputs().stream().map(SignatureTensor::tensor).toList(), segments, backend, c.params().cudaGraphs());
      return new ConvertedModel(c, builds, executor, messages);
    } catch (RuntimeException e) {
      segments.forEach(SegmentEngines::close);
      throw e;
    }
  }

  private static SegmentEngines segmentEngines(SegmentPlans s, TrtConversionParams params, Availability here,
      TensorRtBackend backend, EngineBuilds builds, boolean sameMachine, boolean rebuild, BuildListener say) {
    SegmentSpec spec = s.spec();
    if (!here.available()) {
      return SegmentEngines.nativeOnly(spec, FallbackReason.TENSORRT_UNAVAILABLE, here.describe());
    }
    if (s.buildFailure() != null) {
      return SegmentEngines.nativeOnly(spec, FallbackReason.BUILD_FAILED, s.buildFailure());
    }
    List<SegmentEngine> engines = new ArrayList<>();
    List<String> unusable = new ArrayList<>();
    String rebuildFailure = null;
    try {
      for (EnginePlan p : s.engines()) {
        String problem = p.problem();
        if (problem == null && !sameMachine) {
          problem = "built for another GPU or TensorRT version";
        }
        if (problem == null) {
          try {
            engines.add(new SegmentEngine(backend.deserialize(p.plan()), p.plan()));
            continue;
          } catch (RuntimeException e) {
            problem = "TensorRT cannot load the plan: " + e.getMessage();
            say.progress("segment '" + spec.name() + "': " + problem);
          }
        }
        unusable.add(problem);
        if (rebuild) {
          try {
            EnginePlan rebuilt = builds.build(spec, p.profile(), null);
            engines.add(new SegmentEngine(backend.deserialize(rebuilt.plan()), rebuilt.plan()));
            say.progress("segment '" + spec.name() + "': rebuilt the engine for " + p.profile());
          } catch (EngineBuildCancelledException e) {
            throw e;
          } catch (RuntimeException e) {
            rebuildFailure = e.getMessage();
            say.progress("segment '" + spec.name() + "': rebuilding failed, it runs in TensorFlow: " + e.getMessage());
          }
        }
      }
    } catch (RuntimeException e) {
      engines.forEach(x -> x.engine().close());
      throw e;
    }
    if (engines.isEmpty() && !unusable.isEmpty()) {
      return rebuildFailure != null
          ? SegmentEngines.nativeOnly(spec, FallbackReason.BUILD_FAILED, rebuildFailure)
          : SegmentEngines.nativeOnly(spec, FallbackReason.PLAN_UNUSABLE, String.join("; ", unusable));
    }
    return new SegmentEngines(spec, engines, null, params.allowBuildAtRuntime(), params.maximumCachedEngines(),
        builds.runtimeBuilder(), backend);
  }

  // ---- running ----

  /**
   * Runs the model: {@code inputs} maps every signature input key to a {@link TensorValue} or an
   * {@code org.tensorflow.Tensor} (not closed here); returns every signature output by key, in signature order.
   *
   * @throws TftrtException when an input is missing, unknown, null, or of the wrong dtype or shape, or the model
   *     is closed
   */
  public Map<String, TensorValue> run(Map<String, ?> inputs) {
    if (executor.isClosed()) {
      throw new TftrtException("this model is closed; load it again to run it");
    }
    Map<TensorRef, TensorValue> out = executor.run(ModelInputs.feeds(contents.inputs(), inputs, "the input"));
    Map<String, TensorValue> byKey = new LinkedHashMap<>();
    contents.outputs().forEach(o -> byKey.put(o.key(), out.get(o.tensor())));
    return byKey;
  }

  /**
   * Binds {@code inputs} (as {@link #run} takes them) for repeated runs that keep tensors on the GPU: the inputs
   * are copied to the device once, here; see {@link BoundRun}. Close the binding to free its device memory.
   *
   * @throws TftrtException when an input is missing, unknown, null, or of the wrong dtype or shape, or the model
   *     is closed
   */
  public BoundRun bind(Map<String, ?> inputs) {
    if (executor.isClosed()) {
      throw new TftrtException("this model is closed; load it again to run it");
    }
    return new BoundRun(executor.bind(ModelInputs.feeds(contents.inputs(), inputs, "the input")),
        contents.outputs());
  }

  /** Native fallbacks so far, per segment and reason, with the latest detail. */
  public List<FallbackCount> fallbacks() {
    return executor.fallbacks();
  }

  /** What loading or building said: unusable plans, rebuilds, TensorRT missing. */
  public List<String> messages() {
    return messages;
  }

  /** The signature's inputs by key. */
  public Map<String, TensorInfo> inputs() {
    return infos(contents.inputs());
  }

  /** The signature's outputs by key. */
  public Map<String, TensorInfo> outputs() {
    return infos(contents.outputs());
  }

  private static Map<String, TensorInfo> infos(List<SignatureTensor> tensors) {
    Map<String, TensorInfo> m = new LinkedHashMap<>();
    tensors.forEach(t -> m.put(t.key(), new TensorInfo(t.dtype(), t.shape())));
    return Collections.unmodifiableMap(m);
  }

  public TrtConversionParams params() {
    return contents.params();
  }

  /** What runs the engines. */
  public Availability tensorRt() {
    return builds.backend().availability();
  }

  /** One segment now: its engines' profiles, or why it runs in TensorFlow. */
  public record SegmentStatus(String name, int nodes, List<String> engineProfiles, String runsNativelyBecause) {
    public SegmentStatus {
      engineProfiles = List.copyOf(engineProfiles);
    }

    @Override
    public String toString() {
      return name + " (" + nodes + " nodes): " + (engineProfiles.isEmpty()
          ? (runsNativelyBecause != null ? "TensorFlow, " + runsNativelyBecause : "no engine yet")
          : engineProfiles.size() + " engine(s) " + engineProfiles);
    }
  }

  public List<SegmentStatus> segments() {
    return executor.segments().stream().map(s -> {
      SegmentEngines.Fallback f = s.withoutEngine();
      return new SegmentStatus(s.spec().name(), s.spec().nodes().size(),
          s.engines().stream().map(SegmentEngine::describeProfile).toList(),
          f == null ? null : f.reason() + ": " + f.detail());
    }).toList();
  }

  /**
   * What TensorRT fused in the engines this model has now: every engine layer mapped back to its TF nodes
   * (read from TensorRT's engine inspector); segments without an engine are listed with why.
   */
  public EngineFusions fusions() {
    if (executor.isClosed()) {
      throw new TftrtException("this model is closed; load it again to see its engines' fusions");
    }
    return EngineFusions.of(contents.graph(), executor.segments());
  }

  // ---- saving ----

  /**
   * Writes this model, with the engines it has now (those built at run time included), to {@code dir}
   * atomically; see {@link ConvertedModelFiles}.
   */
  public Path save(Path dir) {
    return ConvertedModelFiles.write(contentsNow(), dir);
  }

  /** The contents with the engines as they are now; segments without live engines keep their stored plans. */
  ConvertedModelContents contentsNow() {
    Map<String, SegmentEngines> live = new LinkedHashMap<>();
    executor.segments().forEach(s -> live.put(s.spec().name(), s));
    boolean anyLive = false;
    List<SegmentPlans> segments = new ArrayList<>();
    for (SegmentPlans s : contents.segments()) {
      SegmentEngines l = live.get(s.spec().name());
      List<EnginePlan> plans;
      if (l != null && !l.engines().isEmpty()) {
        anyLive = true;
        plans = l.engines().stream().map(e -> EnginePlan.of(e.plan(), profileOf(e.engine()))).toList();
      } else {
        plans = s.engines().stream().filter(EnginePlan::usable).toList();
      }
      byte[] table = builds.calibrationTable(s.spec().name());
      segments.add(new SegmentPlans(s.spec(), plans, table != null ? table : s.calibrationTable(),
          s.buildFailure()));
    }
    return new ConvertedModelContents(contents.source(), contents.params(), contents.graph(), contents.inputs(),
        contents.outputs(), segments, builds.timingCache(), anyLive ? tensorRt() : contents.builtWith());
  }

  private static List<ShapeRange> profileOf(Engine engine) {
    List<ShapeRange> out = new ArrayList<>();
    for (int i = 0; i < engine.inputs().size(); i++) {
      Binding b = engine.binding(SegmentSpec.inputBinding(i));
      out.add(b.profile() != null ? b.profile() : ShapeRange.fixed(b.shape()));
    }
    return out;
  }

  /** Waits for running calls, then frees engines, contexts and TensorFlow sessions. Idempotent. */
  @Override
  public void close() {
    executor.close();
  }

  public boolean isClosed() {
    return executor.isClosed();
  }
}
