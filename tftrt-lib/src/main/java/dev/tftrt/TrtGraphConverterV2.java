package dev.tftrt;

import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.Converters;
import dev.tftrt.convert.ShapeInference;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.CalibrationSource;
import dev.tftrt.engine.EngineBuildCancelledException;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.engine.TensorRtBackends;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.runtime.ConvertedModelContents;
import dev.tftrt.runtime.ConvertedModelFiles;
import dev.tftrt.runtime.EngineBuilds;
import dev.tftrt.runtime.EngineFusions;
import dev.tftrt.runtime.EnginePlan;
import dev.tftrt.runtime.FallbackReason;
import dev.tftrt.runtime.HybridExecutor;
import dev.tftrt.runtime.ModelInputs;
import dev.tftrt.runtime.SegmentCalibration;
import dev.tftrt.runtime.SegmentEngines;
import dev.tftrt.runtime.SegmentNetworks;
import dev.tftrt.runtime.SegmentPlans;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.savedmodel.SignatureTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.ConversionSummary;
import dev.tftrt.plan.Planner;
import dev.tftrt.plan.PreparedGraph;
import dev.tftrt.savedmodel.FrozenModel;
import dev.tftrt.savedmodel.SavedModelFreezer;
import java.nio.file.Files;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * TF-TRT's {@code TrtGraphConverterV2}, shaped so that a course exercise translates line by line:
 * {@code new TrtGraphConverterV2(dir, params)}, {@code convert()}, {@code summary()}. This class holds the
 * model's state between those calls and delegates every phase to plain functions ({@link Planner}).
 *
 * <p>{@link #convert()} freezes the SavedModel, runs the graph passes, asks the converters which nodes they can
 * take, segments and previews fusions. Everything up to the converters' verdicts is kept, so
 * {@link #replan(TrtConversionParams)} answers "what if" questions without freezing or validating again.
 */
public final class TrtGraphConverterV2 {
  private final TrtConversionParams params;
  private final Supplier<FrozenModel> freezer;
  private final Function<Graph, Map<TensorRef, TensorInfo>> shapeInference;
  private final BiFunction<Graph, Precision, Function<Node, Optional<String>>> checkers;

  private PreparedGraph prepared;
  private final Map<Precision, Map<String, Optional<String>>> verdicts = new EnumMap<>(Precision.class);
  private ConversionPlan plan;

  private TensorRtBackend backend;
  private SegmentNetworks networks = SegmentNetworks.standard();
  private BuildListener progress = BuildListener.NONE;
  /** The listener of the moment, for the builds kept between calls (withProgress may change it). */
  private final BuildListener toProgress = new BuildListener() {
    @Override
    public void progress(String message) {
      progress.progress(message);
    }

    @Override
    public boolean cancelRequested() {
      return progress.cancelRequested();
    }

    @Override
    public void idle() {
      progress.idle();
    }
  };
  /** What was built for {@link #plan}: per segment, its engines or why it failed; null until built. */
  private Built built;
  private boolean calibrated;
  /** What TensorRT fused in the engines of the last {@link #build}; null until it built some. */
  private EngineFusions fusions;

  /**
   * Converts the {@value SavedModelFreezer#DEFAULT_SIGNATURE} signature of the
   * {@value SavedModelFreezer#DEFAULT_TAG} MetaGraphDef in {@code savedModelDir}, as Python's
   * {@code TrtGraphConverterV2(input_saved_model_dir=..., conversion_params=...)}.
   */
  public TrtGraphConverterV2(Path savedModelDir, TrtConversionParams params) {
    this(savedModelDir, SavedModelFreezer.DEFAULT_TAG, SavedModelFreezer.DEFAULT_SIGNATURE, params);
  }

  /**
   * Converts signature {@code signatureKey} of the MetaGraphDef tagged {@code tag} (several joined by commas).
   * The model is read when first needed ({@link #convert()}); a missing directory is reported at once.
   */
  public TrtGraphConverterV2(Path savedModelDir, String tag, String signatureKey, TrtConversionParams params) {
    this(params, () -> SavedModelFreezer.freeze(savedModelDir, tag, signatureKey), ShapeInference::infer,
        standardCheckers());
    if (savedModelDir == null || !Files.isDirectory(savedModelDir)) {
      throw new TftrtException("SavedModel directory " + savedModelDir
          + " does not exist; give the directory that holds saved_model.pb");
    }
  }

  /**
   * The standard converters' verdicts on the optimized graph, whose tensors are inferred again: the passes
   * replaced nodes (folded constants) after the first inference.
   */
  private static BiFunction<Graph, Precision, Function<Node, Optional<String>>> standardCheckers() {
    ConverterRegistry registry = Converters.standard();
    return (graph, precision) -> Converters.checker(registry,
        new ValidationContext(graph, ShapeInference.infer(graph), precision));
  }

  /**
   * With explicit collaborators: {@code freezer} gives the frozen model (called once), {@code shapeInference}
   * the static tensor types, {@code checkers} the candidate predicate for a graph and precision (empty =
   * convertible, otherwise the reason).
   */
  TrtGraphConverterV2(TrtConversionParams params, Supplier<FrozenModel> freezer,
      Function<Graph, Map<TensorRef, TensorInfo>> shapeInference,
      BiFunction<Graph, Precision, Function<Node, Optional<String>>> checkers) {
    if (params == null) {
      throw new TftrtException("conversion parameters are required; use TrtConversionParams.defaults()");
    }
    this.params = params;
    this.freezer = freezer;
    this.shapeInference = shapeInference;
    this.checkers = checkers;
  }

  public TrtConversionParams params() {
    return params;
  }

  /** Uses {@code backend} to build and run engines instead of the machine's ({@link TensorRtBackends#system()}). */
  public TrtGraphConverterV2 withBackend(TensorRtBackend backend) {
    this.backend = java.util.Objects.requireNonNull(backend, "backend");
    return this;
  }

  /** Turns segments into networks with {@code networks} instead of the project's converters. */
  public TrtGraphConverterV2 withNetworks(SegmentNetworks networks) {
    this.networks = java.util.Objects.requireNonNull(networks, "networks");
    return this;
  }

  /** Receives progress while calibrating and building (per segment, and TensorRT's own messages). */
  public TrtGraphConverterV2 withProgress(BuildListener progress) {
    this.progress = java.util.Objects.requireNonNull(progress, "progress");
    return this;
  }

  private TensorRtBackend backend() {
    if (backend == null) {
      backend = TensorRtBackends.system();
    }
    return backend;
  }

  /** Plans the conversion with this converter's parameters; the plan is kept for {@link #summary()}. */
  public ConversionPlan convert() {
    plan = replan(params);
    built = null;
    fusions = null;
    calibrated = false;
    return plan;
  }

  /**
   * Plans, then calibrates INT8 as TF-TRT's {@code convert(calibration_input_fn)} does: every batch of
   * {@code calibrationInput} (input key to value, for the whole model; iterated once per segment) runs through
   * the native graph, and each segment's input tensors calibrate that segment's engine (batch 1 ..
   * {@code maxBatchSize}, at the first batch's other dimensions). The engines and calibration tables are kept
   * for {@link #build} and {@link #save}. Without TensorRT the input is still checked and every segment will run
   * in TensorFlow.
   *
   * @throws TftrtException when the precision is not INT8 with {@code useCalibration}, or the input yields no
   *     batches or a batch of the wrong inputs, dtype or shape
   * @throws EngineBuildCancelledException when the thread is interrupted during calibration or a build (it
   *     stays interrupted); call this again to calibrate
   */
  public ConversionPlan convert(Iterable<Map<String, TensorValue>> calibrationInput) {
    if (params.precisionMode() != Precision.INT8) {
      throw new TftrtException("calibration input is only used for INT8; precisionMode is "
          + params.precisionMode() + ": call convert() without it");
    }
    if (!params.useCalibration()) {
      throw new TftrtException("useCalibration is false, so calibration input would not be used: call convert() "
          + "without it, or set useCalibration(true)");
    }
    if (calibrationInput == null) {
      throw new TftrtException("calibration input is null; give batches for the whole model (input name to "
          + "tensor), e.g. 500 training images");
    }
    ConversionPlan p = convert();
    FrozenModel model = p.model();
    int batches = 0;
    for (Map<String, TensorValue> batch : calibrationInput) {
      batches++;
      ModelInputs.feeds(model.inputs(), batch, "calibration batch " + batches);
    }
    if (batches == 0) {
      throw new TftrtException("the calibration input yielded no batches; INT8 calibration needs batches for the "
          + "model's inputs (" + ModelInputs.describe(model.inputs()) + ")");
    }
    Built b = built(p);
    Availability a = backend().availability();
    if (!a.available()) {
      progress.progress("INT8 calibration needs TensorRT (" + a.describe() + "); the " + p.segments().size()
          + " segments will run in TensorFlow");
    } else {
      try (HybridExecutor probe = probe(p)) {
        List<SegmentSpec> specs = specs(p);
        for (int i = 0; i < specs.size(); i++) {
          SegmentSpec spec = specs.get(i);
          SegmentCalibration calibration = new SegmentCalibration(spec, calibrationInput,
              batch -> probe.runNatively(ModelInputs.feeds(model.inputs(), batch, "calibration batch"),
                  spec.inputs()), progress);
          progress.progress("segment " + (i + 1) + "/" + specs.size() + " '" + spec.name() + "' ("
              + spec.nodes().size() + " nodes): calibrating INT8 on " + batches + " batches");
          buildSegment(b, spec, List.of(calibration.inputShapes()), calibration);
        }
      }
    }
    calibrated = true;
    return p;
  }

  /**
   * Builds the engines, as TF-TRT's {@code build(input_fn)}: for each batch of {@code inputFn} (input key to
   * value; null to use the static shapes with batch {@code maxBatchSize}) the native graph gives every
   * segment's input shapes, and each segment gets an engine for them unless one covers them already, up to
   * {@code maximumCachedEngines} per segment. The profile covers batch 1 .. {@code maxBatchSize} with
   * {@code isDynamicOp}, else exactly the shapes. A segment whose build fails is reported and runs in
   * TensorFlow. Without TensorRT nothing is built and every segment runs in TensorFlow.
   *
   * @return the converted model, ready to run (close it); {@link #save} writes the same engines
   * @throws TftrtException for INT8 without calibration, or input batches that do not fit the signature
   * @throws EngineBuildCancelledException when the thread is interrupted (or the progress listener asks to
   *     cancel) during a build: building stops there, the thread stays interrupted, the engines built so far
   *     are kept and a later {@code build} goes on from the cancelled segment
   */
  public ConvertedModel build(Iterable<Map<String, TensorValue>> inputFn) {
    ConversionPlan p = plan != null ? plan : convert();
    if (params.precisionMode() == Precision.INT8 && params.useCalibration() && !calibrated
        && !p.segments().isEmpty()) {
      throw new TftrtException("INT8 needs calibration: call convert(calibrationInput) with batches for the "
          + "model (e.g. 500 training images) before build(), or use FP16 or FP32");
    }
    Built b = built(p);
    Availability a = backend().availability();
    List<SegmentSpec> specs = specs(p);
    // Without TensorRT nothing is built; the model says so when it opens.
    if (a.available() && !specs.isEmpty()) {
      List<List<List<Shape>>> shapes = inputFn == null ? staticShapes(p, specs) : shapesOf(p, specs, inputFn);
      for (int i = 0; i < specs.size(); i++) {
        SegmentSpec spec = specs.get(i);
        if (shapes.get(i).isEmpty()) {
          continue;
        }
        progress.progress("segment " + (i + 1) + "/" + specs.size() + " '" + spec.name() + "' ("
            + spec.nodes().size() + " nodes): " + params.precisionMode() + " engines for input shapes "
            + shapes.get(i));
        buildSegment(b, spec, shapes.get(i), null);
      }
    }
    ConvertedModel model = ConvertedModel.loader().backend(backend()).networks(networks).progress(progress)
        .of(contents(p, b));
    try {
      EngineFusions f = model.fusions();
      fusions = f.layers().isEmpty() ? null : f;
    } catch (TftrtException e) {
      // The engines run all the same; only the report of their fusions is missing.
      progress.progress("cannot tell what TensorRT fused: " + e.getMessage());
      fusions = null;
    }
    return model;
  }

  /**
   * What TensorRT fused in the engines the last {@link #build} made (compare it with {@code plan().fusions()},
   * the preview); empty before building or when no engine was built.
   */
  public Optional<EngineFusions> fusions() {
    return Optional.ofNullable(fusions);
  }

  /**
   * Writes the converted model to {@code dir} (atomically; never into or over the SavedModel): the optimized
   * graph, the engines built so far (none when {@link #build} was not called: they are then built at run time
   * when allowed), calibration tables and timing cache. See {@link ConvertedModelFiles}.
   */
  public Path save(Path dir) {
    if (plan == null) {
      throw new TftrtException("nothing converted yet: call convert() first");
    }
    return ConvertedModelFiles.write(contents(plan, built(plan)), dir);
  }

  // ---- building ----

  /** Per segment, the engines built and why building failed; plus the model's builds (timing cache, tables). */
  private record Built(EngineBuilds builds, Map<String, List<EnginePlan>> engines, Map<String, String> failures) {}

  private Built built(ConversionPlan p) {
    if (built == null) {
      built = new Built(new EngineBuilds(p.graph(), p.params(), backend(), networks, null, Map.of(), toProgress),
          new LinkedHashMap<>(), new LinkedHashMap<>());
    }
    return built;
  }

  private void buildSegment(Built b, SegmentSpec spec, List<List<Shape>> shapeSets, CalibrationSource calibration) {
    List<EnginePlan> engines = b.engines().computeIfAbsent(spec.name(), k -> new ArrayList<>());
    for (List<Shape> shapes : shapeSets) {
      String failure = b.failures().get(spec.name());
      if (failure != null) {
        return;
      }
      if (engines.stream().anyMatch(e -> covers(e, shapes))) {
        continue;
      }
      if (engines.size() >= params.maximumCachedEngines()) {
        progress.progress("segment '" + spec.name() + "': no engine for input shapes " + shapes
            + ": the engine cache is full (maximumCachedEngines=" + params.maximumCachedEngines() + ")");
        continue;
      }
      try {
        engines.add(b.builds().build(spec, b.builds().profileFor(shapes), calibration));
      } catch (EngineBuildCancelledException e) {
        // An interrupted build stops the conversion, not just this segment: the user asked to stop.
        throw new EngineBuildCancelledException(e.getMessage() + "; no further engines were built (those built"
            + " before are kept: build again to go on)");
      } catch (RuntimeException e) {
        b.failures().put(spec.name(), e.getMessage());
        progress.progress("segment '" + spec.name() + "' will run in TensorFlow: " + e.getMessage());
      }
    }
  }

  private static boolean covers(EnginePlan engine, List<Shape> shapes) {
    if (engine.profile().size() != shapes.size()) {
      return false;
    }
    for (int i = 0; i < shapes.size(); i++) {
      if (!engine.profile().get(i).contains(shapes.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static List<SegmentSpec> specs(ConversionPlan p) {
    return p.segments().stream().map(SegmentSpec::of).toList();
  }

  /** The native graph with every segment in TensorFlow, to compute the segments' inputs. */
  private HybridExecutor probe(ConversionPlan p) {
    List<SegmentEngines> none = specs(p).stream()
        .map(s -> SegmentEngines.nativeOnly(s, FallbackReason.NO_ENGINE, "computing segment inputs")).toList();
    return new HybridExecutor(p.graph(), p.model().inputs().stream().map(SignatureTensor::tensor).toList(),
        p.model().outputs().stream().map(SignatureTensor::tensor).toList(), none, backend());
  }

  /** Per segment, the distinct input shapes the batches give it, in first-seen order. */
  private List<List<List<Shape>>> shapesOf(ConversionPlan p, List<SegmentSpec> specs,
      Iterable<Map<String, TensorValue>> batches) {
    List<java.util.LinkedHashSet<List<Shape>>> seen = new ArrayList<>();
    specs.forEach(s -> seen.add(new java.util.LinkedHashSet<>()));
    List<TensorRef> wanted = specs.stream().flatMap(s -> s.inputs().stream()).distinct().toList();
    int n = 0;
    try (HybridExecutor probe = probe(p)) {
      for (Map<String, TensorValue> batch : batches) {
        n++;
        Map<TensorRef, TensorValue> values = probe.runNatively(
            ModelInputs.feeds(p.model().inputs(), batch, "input batch " + n), wanted);
        for (int i = 0; i < specs.size(); i++) {
          seen.get(i).add(specs.get(i).inputs().stream().map(t -> values.get(t).shape()).toList());
        }
      }
    }
    if (n == 0) {
      throw new TftrtException("the build input yielded no batches; give at least one batch of the model's inputs ("
          + ModelInputs.describe(p.model().inputs()) + "), or null to build for the static shapes");
    }
    return seen.stream().map(s -> (List<List<Shape>>) new ArrayList<>(s)).toList();
  }

  /**
   * Per segment, its static input shapes with batch {@code maxBatchSize}; none for a segment whose inputs are
   * not known beyond the batch (its engine is then built at run time, when allowed).
   */
  private List<List<List<Shape>>> staticShapes(ConversionPlan p, List<SegmentSpec> specs) {
    List<List<List<Shape>>> out = new ArrayList<>();
    for (SegmentSpec s : specs) {
      List<Shape> shapes = new ArrayList<>();
      for (TensorRef in : s.inputs()) {
        Shape shape = p.tensorInfo(in).map(TensorInfo::shape).orElse(Shape.unknown());
        boolean known = shape.hasRank() && shape.rank() > 0;
        for (int d = 1; known && d < shape.rank(); d++) {
          known = shape.dim(d) >= 0;
        }
        if (!known) {
          progress.progress("segment '" + s.name() + "': input " + in + " has shape " + shape + ", not known "
              + "beyond the batch, so no engine is built now (give build() input batches to build one; otherwise "
              + "it is built at run time when allowBuildAtRuntime)");
          shapes = null;
          break;
        }
        shapes.add(shape.withDim(0, params.maxBatchSize()));
      }
      out.add(shapes == null ? List.of() : List.of(shapes));
    }
    return out;
  }

  private ConvertedModelContents contents(ConversionPlan p, Built b) {
    List<SegmentPlans> segments = new ArrayList<>();
    boolean any = false;
    for (SegmentSpec s : specs(p)) {
      List<EnginePlan> engines = b.engines().getOrDefault(s.name(), List.of());
      any |= !engines.isEmpty();
      segments.add(new SegmentPlans(s, engines, b.builds().calibrationTable(s.name()), b.failures().get(s.name())));
    }
    FrozenModel m = p.model();
    return new ConvertedModelContents(new ConvertedModelContents.Source(m.source(), m.tag(), m.signatureKey()),
        p.params(), p.graph(), m.inputs(), m.outputs(), segments, b.builds().timingCache(),
        any ? backend().availability() : Availability.unavailable("no engine was built"));
  }

  /**
   * Plans with other parameters, reusing the frozen and optimized graph and the converters' verdicts (per
   * precision); {@link #convert()}'s plan is not replaced. Freezes first when nothing has been yet.
   */
  public ConversionPlan replan(TrtConversionParams other) {
    PreparedGraph p = prepared();
    Map<String, Optional<String>> v = verdicts.computeIfAbsent(other.precisionMode(), precision -> {
      Function<Node, Optional<String>> check = checkers.apply(p.graph(), precision);
      Map<String, Optional<String>> m = new HashMap<>();
      p.graph().nodes().forEach(n -> m.put(n.name(), check.apply(n)));
      return m;
    });
    return Planner.plan(p, other, n -> v.get(n.name()));
  }

  /** The graph after freezing and the passes (frozen on first use). */
  public PreparedGraph prepared() {
    if (prepared == null) {
      prepared = Planner.prepare(freezer.get(), shapeInference);
    }
    return prepared;
  }

  /** The plan {@link #convert()} made. */
  public ConversionPlan plan() {
    if (plan == null) {
      throw new TftrtException("nothing converted yet: call convert() first");
    }
    return plan;
  }

  /** TF-TRT's conversion report for {@link #convert()}'s plan. */
  public ConversionSummary summary() {
    return plan().summary();
  }
}
