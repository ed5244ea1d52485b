package dev.tftrt.engine;

import dev.tftrt.Precision;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to build one engine. Immutable; make one with {@link #builder()}.
 *
 * <ul>
 *   <li>precision: FP16 allows half-precision kernels; INT8 allows INT8 with FP16 as fallback, and needs a
 *       calibration source or a calibration cache.
 *   <li>tf32: lets FP32 layers use TF32 tensor cores (TensorRT's default). Off by default here so that FP32
 *       engines match TensorFlow's float32 results to ~1e-5; benchmarks may turn it on.
 *   <li>profile: per network input, the shape range of the optimization profile; inputs not listed must
 *       have static shapes.
 *   <li>executionContexts: how many contexts may run the engine at once. TensorRT 8 gives each live context
 *       its own optimization profile, so the profile is added this many times (build time and memory grow).
 * </ul>
 */
public final class EngineConfig {
  private final Precision precision;
  private final boolean tf32;
  private final long workspaceBytes;
  private final Map<String, ShapeRange> profile;
  private final CalibrationSource calibration;
  private final byte[] calibrationCache;
  private final byte[] timingCache;
  private final int optimizationLevel;
  private final boolean detailedProfiling;
  private final int executionContexts;

  private EngineConfig(Builder b) {
    this.precision = b.precision;
    this.tf32 = b.tf32;
    this.workspaceBytes = b.workspaceBytes;
    this.profile = Collections.unmodifiableMap(new LinkedHashMap<>(b.profile));
    this.calibration = b.calibration;
    this.calibrationCache = b.calibrationCache;
    this.timingCache = b.timingCache;
    this.optimizationLevel = b.optimizationLevel;
    this.detailedProfiling = b.detailedProfiling;
    this.executionContexts = b.executionContexts;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder().precision(precision).tf32(tf32).workspaceBytes(workspaceBytes)
        .calibration(calibration).calibrationCache(calibrationCache).timingCache(timingCache)
        .optimizationLevel(optimizationLevel).detailedProfiling(detailedProfiling)
        .executionContexts(executionContexts);
    profile.forEach(b::profile);
    return b;
  }

  public Precision precision() {
    return precision;
  }

  public boolean tf32() {
    return tf32;
  }

  public long workspaceBytes() {
    return workspaceBytes;
  }

  public Map<String, ShapeRange> profile() {
    return profile;
  }

  /** May be null: INT8 then needs a calibration cache. */
  public CalibrationSource calibration() {
    return calibration;
  }

  /** A calibration table from an earlier build, or null. */
  public byte[] calibrationCache() {
    return calibrationCache == null ? null : calibrationCache.clone();
  }

  /** A timing cache from an earlier build, or null. */
  public byte[] timingCache() {
    return timingCache == null ? null : timingCache.clone();
  }

  /** TensorRT's builder optimization level, 0..5 (3 is TensorRT's default). */
  public int optimizationLevel() {
    return optimizationLevel;
  }

  /** Detailed profiling verbosity, so that the engine inspector names every fused layer. */
  public boolean detailedProfiling() {
    return detailedProfiling;
  }

  /** How many execution contexts may run the engine at once: the number of identical profiles built. */
  public int executionContexts() {
    return executionContexts;
  }

  @Override
  public String toString() {
    return "EngineConfig[" + precision + (tf32 ? "+TF32" : "") + ", workspace " + (workspaceBytes >> 20)
        + " MiB, profile " + profile + ", calibration " + (calibration != null ? "source" : "none")
        + (calibrationCache != null ? " + cache" : "") + ", timing cache "
        + (timingCache != null ? timingCache.length + " bytes" : "none") + ", level " + optimizationLevel
        + (detailedProfiling ? ", detailed" : "") + (executionContexts > 1 ? ", " + executionContexts + " contexts"
        : "") + "]";
  }

  /** Builder with fluent setters; {@link #build()} checks the combination. */
  public static final class Builder {
    private Precision precision = Precision.FP32;
    private boolean tf32;
    private long workspaceBytes = 1L << 30;
    private final Map<String, ShapeRange> profile = new LinkedHashMap<>();
    private CalibrationSource calibration;
    private byte[] calibrationCache;
    private byte[] timingCache;
    private int optimizationLevel = 3;
    private boolean detailedProfiling = true;
    private int executionContexts = 1;

    private Builder() {}

    public Builder precision(Precision precision) {
      this.precision = Objects.requireNonNull(precision, "precision");
      return this;
    }

    public Builder tf32(boolean tf32) {
      this.tf32 = tf32;
      return this;
    }

    public Builder workspaceBytes(long workspaceBytes) {
      if (workspaceBytes <= 0) {
        throw new IllegalArgumentException("workspace must be > 0 bytes, got " + workspaceBytes);
      }
      this.workspaceBytes = workspaceBytes;
      return this;
    }

    public Builder profile(String input, ShapeRange range) {
      profile.put(Objects.requireNonNull(input, "input"), Objects.requireNonNull(range, "range"));
      return this;
    }

    public Builder calibration(CalibrationSource calibration) {
      this.calibration = calibration;
      return this;
    }

    public Builder calibrationCache(byte[] calibrationCache) {
      this.calibrationCache = calibrationCache == null || calibrationCache.length == 0 ? null
          : calibrationCache.clone();
      return this;
    }

    public Builder timingCache(byte[] timingCache) {
      this.timingCache = timingCache == null || timingCache.length == 0 ? null : timingCache.clone();
      return this;
    }

    public Builder optimizationLevel(int optimizationLevel) {
      if (optimizationLevel < 0 || optimizationLevel > 5) {
        throw new IllegalArgumentException("builder optimization level is 0..5, got " + optimizationLevel);
      }
      this.optimizationLevel = optimizationLevel;
      return this;
    }

    public Builder detailedProfiling(boolean detailedProfiling) {
      this.detailedProfiling = detailedProfiling;
      return this;
    }

    public Builder executionContexts(int executionContexts) {
      if (executionContexts < 1) {
        throw new IllegalArgumentException("an engine needs at least one execution context, got " + executionContexts);
      }
      this.executionContexts = executionContexts;
      return this;
    }

    public EngineConfig build() {
      if (precision == Precision.INT8 && calibration == null && calibrationCache == null) {
        throw new IllegalArgumentException(
            "INT8 needs calibration data or a calibration cache; give calibration(...) or calibrationCache(...)");
      }
      return new EngineConfig(this);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EngineConfig c && precision == c.precision && tf32 == c.tf32
        && workspaceBytes == c.workspaceBytes && profile.equals(c.profile) && calibration == c.calibration
        && Arrays.equals(calibrationCache, c.calibrationCache) && Arrays.equals(timingCache, c.timingCache)
        && optimizationLevel == c.optimizationLevel && detailedProfiling == c.detailedProfiling
        && executionContexts == c.executionContexts;
  }

  @Override
  public int hashCode() {
    return Objects.hash(precision, tf32, workspaceBytes, profile, optimizationLevel, detailedProfiling,
        executionContexts);
  }
}
