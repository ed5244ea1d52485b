package dev.tftrt;

import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.Converters;
import dev.tftrt.convert.ShapeInference;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Graph;
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
import java.nio.file.Path;
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

  /** Plans the conversion with this converter's parameters; the plan is kept for {@link #summary()}. */
  public ConversionPlan convert() {
    plan = replan(params);
    return plan;
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
