package dev.tftrt.runtime;

import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.EngineBuildCancelledException;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The engine cache of one segment, as TF-TRT's {@code TRTEngineOp} keeps it: the engines built so far, and
 * the decision per call of which engine runs the given input shapes or why the segment runs in TensorFlow.
 * Safe from many threads.
 */
public final class SegmentEngines implements AutoCloseable {

  /** What to do for one call. */
  public sealed interface Choice permits Run, Fallback {}

  public record Run(SegmentEngine engine) implements Choice {}

  public record Fallback(FallbackReason reason, String detail) implements Choice {}

  private final SegmentSpec spec;
  private final List<SegmentEngine> engines = new CopyOnWriteArrayList<>();
  private final Fallback withoutEngine;
  private final boolean allowBuildAtRuntime;
  private final int maximumCachedEngines;
  private final SegmentBuilder builder;
  private final TensorRtBackend backend;
  private final Set<List<Shape>> failedBuilds = ConcurrentHashMap.newKeySet();
  private volatile String lastBuildFailure;

  /**
   * @param engines the engines built at conversion or loaded, possibly none
   * @param withoutEngine why there is no engine when {@code engines} is empty (null if there simply is none)
   * @param builder builds new engines at run time, or null when none can be built here
   */
  public SegmentEngines(SegmentSpec spec, List<SegmentEngine> engines, Fallback withoutEngine,
      boolean allowBuildAtRuntime, int maximumCachedEngines, SegmentBuilder builder, TensorRtBackend backend) {
    this.spec = spec;
    this.engines.addAll(engines);
    this.withoutEngine = withoutEngine;
    this.allowBuildAtRuntime = allowBuildAtRuntime;
    this.maximumCachedEngines = maximumCachedEngines;
    this.builder = builder;
    this.backend = backend;
  }

  /** A segment that always runs in TensorFlow, for {@code reason}. */
  public static SegmentEngines nativeOnly(SegmentSpec spec, FallbackReason reason, String detail) {
    return new SegmentEngines(spec, List.of(), new Fallback(reason, detail), false, 1, null, null);
  }

  public SegmentSpec spec() {
    return spec;
  }

  /** The engines now in the cache (including those built at run time). */
  public List<SegmentEngine> engines() {
    return List.copyOf(engines);
  }

  /** Why the segment has no engine, or null when it has one or simply none was built. */
  public Fallback withoutEngine() {
    return engines.isEmpty() ? withoutEngine : null;
  }

  /** The engine for these input shapes, building one when allowed, or why the segment runs natively. */
  public Choice choose(List<Shape> inputShapes) {
    for (SegmentEngine e : engines) {
      if (e.accepts(inputShapes)) {
        return new Run(e);
      }
    }
    if (engines.isEmpty() && withoutEngine != null) {
      return withoutEngine;
    }
    String outside = "input shapes " + inputShapes + (engines.isEmpty() ? " have no engine"
        : " are outside the engine profiles " + engines.stream().map(SegmentEngine::describeProfile).toList());
    if (!allowBuildAtRuntime) {
      return new Fallback(engines.isEmpty() ? FallbackReason.NO_ENGINE : FallbackReason.SHAPE_OUTSIDE_PROFILE,
          outside + " and allowBuildAtRuntime is false");
    }
    if (engines.size() >= maximumCachedEngines) {
      return new Fallback(FallbackReason.SHAPE_OUTSIDE_PROFILE, outside
          + " and the engine cache is full (maximumCachedEngines=" + maximumCachedEngines + ")");
    }
    if (builder == null || backend == null || !backend.availability().available()) {
      return new Fallback(FallbackReason.SHAPE_OUTSIDE_PROFILE, outside + " and no engine can be built here");
    }
    if (failedBuilds.contains(inputShapes)) {
      return new Fallback(FallbackReason.BUILD_FAILED, lastBuildFailure);
    }
    synchronized (this) {
      for (SegmentEngine e : engines) {
        if (e.accepts(inputShapes)) {
          return new Run(e);
        }
      }
      if (engines.size() >= maximumCachedEngines) {
        return new Fallback(FallbackReason.SHAPE_OUTSIDE_PROFILE, outside
            + " and the engine cache is full (maximumCachedEngines=" + maximumCachedEngines + ")");
      }
      try {
        BuildResult r = builder.build(spec, inputShapes);
        SegmentEngine e = new SegmentEngine(backend.deserialize(r.plan()), r.plan());
        if (!e.accepts(inputShapes)) {
          e.engine().close();
          throw new IllegalStateException("the engine built for " + inputShapes + " does not accept them");
        }
        engines.add(e);
        return new Run(e);
      } catch (EngineBuildCancelledException ex) {
        // The run was interrupted while it built: it stops; the shapes may be built by a later run.
        throw ex;
      } catch (RuntimeException ex) {
        lastBuildFailure = "building an engine for input shapes " + inputShapes + " failed: " + ex.getMessage();
        failedBuilds.add(List.copyOf(inputShapes));
        return new Fallback(FallbackReason.BUILD_FAILED, lastBuildFailure);
      }
    }
  }

  @Override
  public void close() {
    List<SegmentEngine> all = new ArrayList<>(engines);
    engines.clear();
    all.forEach(e -> e.engine().close());
  }
}
