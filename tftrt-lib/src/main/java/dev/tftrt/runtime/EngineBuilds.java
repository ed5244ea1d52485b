package dev.tftrt.runtime;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.CalibrationSource;
import dev.tftrt.engine.EngineBuildCancelledException;
import dev.tftrt.engine.EngineBuildException;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Builds the engines of one model's segments with its conversion parameters: the segment's network through
 * the converters, the precision flags, the workspace limit, the builder optimization level, the optimization
 * profile (once per execution context allowed to run the engine at once), the model's timing
 * cache (updated by every build, so rebuilding takes a fraction of the first build) and the segment's INT8
 * calibration table (kept from the first calibrated build). Safe from many threads (run-time builds).
 */
public final class EngineBuilds {
  /** TensorRT's log lines about tactics skipped for lack of workspace (8.x spells it "insuficient" at times). */
  private static final Pattern WORKSPACE_SHORTAGE = Pattern.compile("(?i)workspace|insuf+icient memory");

  private final Graph graph;
  private final TrtConversionParams params;
  private final TensorRtBackend backend;
  private final SegmentNetworks networks;
  private final BuildListener progress;
  private final Map<String, byte[]> calibrationTables = new ConcurrentHashMap<>();
  private byte[] timingCache;

  public EngineBuilds(Graph graph, TrtConversionParams params, TensorRtBackend backend, SegmentNetworks networks,
      byte[] timingCache, Map<String, byte[]> calibrationTables, BuildListener progress) {
    this.graph = graph;
    this.params = params;
    this.backend = backend;
    this.networks = networks;
    this.timingCache = timingCache == null ? new byte[0] : timingCache.clone();
    this.calibrationTables.putAll(calibrationTables);
    this.progress = progress;
  }

  public TensorRtBackend backend() {
    return backend;
  }

  /**
   * The profile TF-TRT uses for these input shapes: with {@code isDynamicOp} the batch runs from 1 to
   * {@code maxBatchSize} (or to the given batch when larger) and the other dimensions are fixed; without it,
   * exactly these shapes.
   */
  public List<ShapeRange> profileFor(List<Shape> inputShapes) {
    List<ShapeRange> out = new ArrayList<>();
    for (Shape s : inputShapes) {
      if (!params.isDynamicOp() || s.rank() == 0) {
        out.add(ShapeRange.fixed(s));
      } else {
        long max = Math.max(params.maxBatchSize(), s.dim(0));
        out.add(new ShapeRange(s.withDim(0, 1), s.withDim(0, max), s.withDim(0, max)));
      }
    }
    return out;
  }

  /**
   * Builds an engine for {@code segment} covering {@code profile}. INT8 calibrates with {@code calibration}
   * unless the segment already has a table; the table is kept for later builds.
   *
   * @throws TftrtException when the converters or TensorRT cannot build it (the message says which)
   * @throws EngineBuildCancelledException when the thread was interrupted during the build (it stays
   *     interrupted), or the progress listener asked to cancel
   */
  public EnginePlan build(SegmentSpec segment, List<ShapeRange> profile, CalibrationSource calibration) {
    Precision precision = params.precisionMode();
    byte[] table = calibrationTables.get(segment.name());
    if (precision == Precision.INT8 && table == null && calibration == null) {
      throw new TftrtException("segment '" + segment.name() + "' has no INT8 calibration table and no "
          + "calibration input; convert with calibration input (TrtGraphConverterV2.convert(calibrationInput))");
    }
    try (NetworkDefinition network = backend.newNetwork()) {
      try {
        networks.define(graph, segment, precision, network);
      } catch (RuntimeException e) {
        throw new TftrtException("the converters could not define segment '" + segment.name() + "': "
            + e.getMessage(), e);
      }
      if (network.inputNames().size() != segment.inputs().size()
          || network.outputNames().size() != segment.outputs().size()) {
        throw new TftrtException("segment '" + segment.name() + "' became a network with inputs "
            + network.inputNames() + " and outputs " + network.outputNames() + "; expected "
            + segment.inputs().size() + " inputs and " + segment.outputs().size() + " outputs");
      }
      EngineConfig.Builder config = EngineConfig.builder()
          .precision(precision)
          .tf32(params.allowTf32())
          .workspaceBytes(params.maxWorkspaceSizeBytes())
          .detailedProfiling(true)
          .optimizationLevel(params.builderOptimizationLevel())
          .executionContexts(params.executionContextsPerEngine())
          .timingCache(timingCache())
          .calibrationCache(table)
          .calibration(table == null ? calibration : null);
      for (int i = 0; i < profile.size(); i++) {
        config.profile(SegmentSpec.inputBinding(i), profile.get(i));
      }
      BuildResult r;
      try {
        r = backend.build(network, config.build(), progress);
      } catch (EngineBuildCancelledException e) {
        throw new EngineBuildCancelledException("segment '" + segment.name() + "': " + e.getMessage());
      } catch (EngineBuildException e) {
        throw new TftrtException("TensorRT could not build segment '" + segment.name() + "': " + e.getMessage()
            + workspaceAdvice(e.log()), e);
      }
      synchronized (this) {
        if (r.timingCache().length > 0) {
          timingCache = r.timingCache().clone();
        }
      }
      if (r.calibrationTable().length > 0) {
        calibrationTables.putIfAbsent(segment.name(), r.calibrationTable().clone());
      }
      progress.progress("segment '" + segment.name() + "': " + precision + " engine for " + profile + " built in "
          + String.format(java.util.Locale.ROOT, "%.1f", r.buildMillis() / 1000.0) + " s (" + r.plan().length
          + " bytes)");
      return EnginePlan.of(r.plan(), profile);
    }
  }

  /**
   * What to change when the failed build's log says tactics did not fit the workspace: TensorRT ends such a
   * build with a generic error ("could not find any implementation", an assertion), the cause is in its log.
   */
  private String workspaceAdvice(List<String> log) {
    if (log.stream().noneMatch(line -> WORKSPACE_SHORTAGE.matcher(line).find())) {
      return "";
    }
    return "; TensorRT found no implementation that fits the workspace limit, maxWorkspaceSizeBytes = "
        + params.maxWorkspaceSizeBytes() + " bytes: raise maxWorkspaceSizeBytes (default "
        + TrtConversionParams.ONE_GIB + " = 1 GiB)";
  }

  /** Builds for input shapes no engine covers, as {@code allowBuildAtRuntime} does. */
  public SegmentBuilder runtimeBuilder() {
    return (segment, shapes) -> {
      EnginePlan p = build(segment, profileFor(shapes), null);
      return new BuildResult(p.plan(), timingCache(), new byte[0], List.of(), 0);
    };
  }

  public synchronized byte[] timingCache() {
    return timingCache.clone();
  }

  /** The calibration table of {@code segment}, or null. */
  public byte[] calibrationTable(String segment) {
    byte[] t = calibrationTables.get(segment);
    return t == null ? null : t.clone();
  }
}
