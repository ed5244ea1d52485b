package dev.tftrt;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What TF-TRT's {@code TrtConversionParams} holds, with its defaults, plus two of its environment knobs as
 * proper options: {@code opDenylist} ({@code TF_TRT_OP_DENYLIST}) and {@code maxEngines}
 * ({@code TF_TRT_MAX_ALLOWED_ENGINES}, smallest segments dropped first), and four for speed:
 * {@code builderOptimizationLevel} (TensorRT's 0..5, default 3), {@code executionContextsPerEngine} (how many
 * calls may run one engine at once; each adds an optimization profile, so build time and device memory),
 * {@code cudaGraphs} (replay each engine's enqueue as a CUDA graph while shapes repeat) and {@code allowTf32}
 * (FP32 layers on TF32 tensor cores, TensorRT's own default; off here so that FP32 engines match TensorFlow to
 * about 1e-6). Immutable; build with {@link #builder()} and change a copy with {@link #toBuilder()}. Invalid
 * values fail in {@link Builder#build()} with a {@link TftrtException} naming the field and the allowed values.
 */
public final class TrtConversionParams {
  public static final long ONE_GIB = 1L << 30;
  /** Each context adds a profile to every engine (build time, device memory): more is surely a mistake. */
  public static final int MAX_CONTEXTS_PER_ENGINE = 16;

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  private final Precision precisionMode;
  private final int maxBatchSize;
  private final int minimumSegmentSize;
  private final long maxWorkspaceSizeBytes;
  private final boolean useCalibration;
  private final int maximumCachedEngines;
  private final boolean isDynamicOp;
  private final boolean allowBuildAtRuntime;
  private final Set<String> opDenylist;
  private final int maxEngines;
  private final int builderOptimizationLevel;
  private final int executionContextsPerEngine;
  private final boolean cudaGraphs;
  private final boolean allowTf32;

  private TrtConversionParams(Builder b) {
    precisionMode = b.precisionMode;
    maxBatchSize = b.maxBatchSize;
    minimumSegmentSize = b.minimumSegmentSize;
    maxWorkspaceSizeBytes = b.maxWorkspaceSizeBytes;
    useCalibration = b.useCalibration;
    maximumCachedEngines = b.maximumCachedEngines;
    isDynamicOp = b.isDynamicOp;
    allowBuildAtRuntime = b.allowBuildAtRuntime;
    opDenylist = Collections.unmodifiableSet(new TreeSet<>(b.opDenylist));
    maxEngines = b.maxEngines;
    builderOptimizationLevel = b.builderOptimizationLevel;
    executionContextsPerEngine = b.executionContextsPerEngine;
    cudaGraphs = b.cudaGraphs;
    allowTf32 = b.allowTf32;
  }

  /** TF-TRT's defaults. */
  public static TrtConversionParams defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .precisionMode(precisionMode)
        .maxBatchSize(maxBatchSize)
        .minimumSegmentSize(minimumSegmentSize)
        .maxWorkspaceSizeBytes(maxWorkspaceSizeBytes)
        .useCalibration(useCalibration)
        .maximumCachedEngines(maximumCachedEngines)
        .isDynamicOp(isDynamicOp)
        .allowBuildAtRuntime(allowBuildAtRuntime)
        .opDenylist(opDenylist)
        .maxEngines(maxEngines)
        .builderOptimizationLevel(builderOptimizationLevel)
        .executionContextsPerEngine(executionContextsPerEngine)
        .cudaGraphs(cudaGraphs)
        .allowTf32(allowTf32);
  }

  public Precision precisionMode() {
    return precisionMode;
  }

  public int maxBatchSize() {
    return maxBatchSize;
  }

  public int minimumSegmentSize() {
    return minimumSegmentSize;
  }

  public long maxWorkspaceSizeBytes() {
    return maxWorkspaceSizeBytes;
  }

  public boolean useCalibration() {
    return useCalibration;
  }

  public int maximumCachedEngines() {
    return maximumCachedEngines;
  }

  public boolean isDynamicOp() {
    return isDynamicOp;
  }

  public boolean allowBuildAtRuntime() {
    return allowBuildAtRuntime;
  }

  /** Op types never converted, sorted. */
  public Set<String> opDenylist() {
    return opDenylist;
  }

  public int maxEngines() {
    return maxEngines;
  }

  /** TensorRT's builder optimization level: 0 (fastest build) to 5 (most tactics tried); 3 is its default. */
  public int builderOptimizationLevel() {
    return builderOptimizationLevel;
  }

  /**
   * How many calls may run one engine at once, each on its own execution context and stream (so that one's
   * copies overlap another's compute). TensorRT 8 gives each live context its own optimization profile, so
   * every engine is built with this many identical profiles; further concurrent calls wait.
   */
  public int executionContextsPerEngine() {
    return executionContextsPerEngine;
  }

  /**
   * Whether an engine's enqueue is captured once into a CUDA graph and replayed while input shapes and tensor
   * addresses repeat (one launch instead of one per layer; helps small batches most).
   */
  public boolean cudaGraphs() {
    return cudaGraphs;
  }

  /**
   * Whether layers TensorRT runs in FP32 may use TF32 tensor cores (10-bit mantissa products, FP32 sums): several
   * times faster for convolutions and matrix products on Ampere and newer GPUs, with errors near 1e-3 instead of
   * 1e-6. TensorRT allows it unless told not to; off by default here, so FP32 means FP32.
   */
  public boolean allowTf32() {
    return allowTf32;
  }

  /** As JSON with the field names above (the conversion manifest stores this). */
  public String toJson() {
    return GSON.toJson(toJsonTree());
  }

  public JsonObject toJsonTree() {
    JsonObject o = new JsonObject();
    o.addProperty("precisionMode", precisionMode.name());
    o.addProperty("maxBatchSize", maxBatchSize);
    o.addProperty("minimumSegmentSize", minimumSegmentSize);
    o.addProperty("maxWorkspaceSizeBytes", maxWorkspaceSizeBytes);
    o.addProperty("useCalibration", useCalibration);
    o.addProperty("maximumCachedEngines", maximumCachedEngines);
    o.addProperty("isDynamicOp", isDynamicOp);
    o.addProperty("allowBuildAtRuntime", allowBuildAtRuntime);
    o.add("opDenylist", GSON.toJsonTree(opDenylist));
    o.addProperty("maxEngines", maxEngines);
    o.addProperty("builderOptimizationLevel", builderOptimizationLevel);
    o.addProperty("executionContextsPerEngine", executionContextsPerEngine);
    o.addProperty("cudaGraphs", cudaGraphs);
    o.addProperty("allowTf32", allowTf32);
    return o;
  }

  /**
   * Reads what {@link #toJson()} writes; absent fields keep their defaults, unknown fields and bad values fail
   * naming the field.
   */
  public static TrtConversionParams fromJson(String json) {
    JsonElement root;
    try {
      root = JsonParser.parseString(json);
    } catch (JsonParseException e) {
      throw new TftrtException("conversion parameters are not valid JSON: " + e.getMessage(), e);
    }
    if (!root.isJsonObject()) {
      throw new TftrtException("conversion parameters must be a JSON object, got " + root);
    }
    Builder b = builder();
    for (var e : root.getAsJsonObject().entrySet()) {
      JsonElement v = e.getValue();
      try {
        switch (e.getKey()) {
          case "precisionMode" -> b.precisionMode(v.getAsString());
          case "maxBatchSize" -> b.maxBatchSize(v.getAsInt());
          case "minimumSegmentSize" -> b.minimumSegmentSize(v.getAsInt());
          case "maxWorkspaceSizeBytes" -> b.maxWorkspaceSizeBytes(v.getAsLong());
          case "useCalibration" -> b.useCalibration(bool(v));
          case "maximumCachedEngines" -> b.maximumCachedEngines(v.getAsInt());
          case "isDynamicOp" -> b.isDynamicOp(bool(v));
          case "allowBuildAtRuntime" -> b.allowBuildAtRuntime(bool(v));
          case "opDenylist" -> {
            Set<String> ops = new TreeSet<>();
            v.getAsJsonArray().forEach(op -> ops.add(op.getAsString()));
            b.opDenylist(ops);
          }
          case "maxEngines" -> b.maxEngines(v.getAsInt());
          case "builderOptimizationLevel" -> b.builderOptimizationLevel(v.getAsInt());
          case "executionContextsPerEngine" -> b.executionContextsPerEngine(v.getAsInt());
          case "cudaGraphs" -> b.cudaGraphs(bool(v));
          case "allowTf32" -> b.allowTf32(bool(v));
          default -> throw new TftrtException("unknown conversion parameter '" + e.getKey() + "'; known: "
              + "precisionMode, maxBatchSize, minimumSegmentSize, maxWorkspaceSizeBytes, useCalibration, "
              + "maximumCachedEngines, isDynamicOp, allowBuildAtRuntime, opDenylist, maxEngines, "
              + "builderOptimizationLevel, executionContextsPerEngine, cudaGraphs, allowTf32");
        }
      } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException
          | ClassCastException ex) {
        throw new TftrtException("conversion parameter '" + e.getKey() + "' has the wrong type: " + v, ex);
      }
    }
    return b.build();
  }

  private static boolean bool(JsonElement v) {
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
      throw new IllegalStateException("not a boolean");
    }
    return v.getAsBoolean();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrtConversionParams p && p.precisionMode == precisionMode && p.maxBatchSize == maxBatchSize
        && p.minimumSegmentSize == minimumSegmentSize && p.maxWorkspaceSizeBytes == maxWorkspaceSizeBytes
        && p.useCalibration == useCalibration && p.maximumCachedEngines == maximumCachedEngines
        && p.isDynamicOp == isDynamicOp && p.allowBuildAtRuntime == allowBuildAtRuntime
        && p.opDenylist.equals(opDenylist) && p.maxEngines == maxEngines
        && p.builderOptimizationLevel == builderOptimizationLevel
        && p.executionContextsPerEngine == executionContextsPerEngine && p.cudaGraphs == cudaGraphs
        && p.allowTf32 == allowTf32;
  }

  @Override
  public int hashCode() {
    return Objects.hash(precisionMode, maxBatchSize, minimumSegmentSize, maxWorkspaceSizeBytes, useCalibration,
        maximumCachedEngines, isDynamicOp, allowBuildAtRuntime, opDenylist, maxEngines, builderOptimizationLevel,
        executionContextsPerEngine, cudaGraphs, allowTf32);
  }

  @Override
  public String toString() {
    return "TrtConversionParams{precisionMode=" + precisionMode + ", maxBatchSize=" + maxBatchSize
        + ", minimumSegmentSize=" + minimumSegmentSize + ", maxWorkspaceSizeBytes=" + maxWorkspaceSizeBytes
        + ", useCalibration=" + useCalibration + ", maximumCachedEngines=" + maximumCachedEngines
        + ", isDynamicOp=" + isDynamicOp + ", allowBuildAtRuntime=" + allowBuildAtRuntime
        + ", opDenylist=" + opDenylist + ", maxEngines=" + maxEngines + ", builderOptimizationLevel="
        + builderOptimizationLevel + ", executionContextsPerEngine=" + executionContextsPerEngine + ", cudaGraphs="
        + cudaGraphs + ", allowTf32=" + allowTf32 + "}";
  }

  /** Fluent builder starting from TF-TRT's defaults; {@link #build()} validates. */
  public static final class Builder {
    private Precision precisionMode = Precision.FP32;
    private int maxBatchSize = 1;
    private int minimumSegmentSize = 3;
    private long maxWorkspaceSizeBytes = ONE_GIB;
    private boolean useCalibration = true;
    private int maximumCachedEngines = 1;
    private boolean isDynamicOp = true;
    private boolean allowBuildAtRuntime = true;
    private Set<String> opDenylist = new TreeSet<>();
    private int maxEngines = 20;
    private int builderOptimizationLevel = 3;
    private int executionContextsPerEngine = 1;
    private boolean cudaGraphs;
    private boolean allowTf32;

    private Builder() {}

    public Builder precisionMode(Precision precision) {
      if (precision == null) {
        throw new TftrtException("precisionMode must be one of " + allowedPrecisions() + ", not null");
      }
      this.precisionMode = precision;
      return this;
    }

    /** Parses {@code "FP16"}, {@code "fp16"}; anything else fails naming the field and the allowed values. */
    public Builder precisionMode(String precision) {
      try {
        return precisionMode(Precision.parse(precision));
      } catch (TftrtException e) {
        throw new TftrtException("precisionMode '" + precision + "' is not supported; use one of "
            + allowedPrecisions(), e);
      }
    }

    public Builder maxBatchSize(int n) {
      this.maxBatchSize = n;
      return this;
    }

    public Builder minimumSegmentSize(int n) {
      this.minimumSegmentSize = n;
      return this;
    }

    public Builder maxWorkspaceSizeBytes(long bytes) {
      this.maxWorkspaceSizeBytes = bytes;
      return this;
    }

    public Builder useCalibration(boolean use) {
      this.useCalibration = use;
      return this;
    }

    public Builder maximumCachedEngines(int n) {
      this.maximumCachedEngines = n;
      return this;
    }

    public Builder isDynamicOp(boolean dynamic) {
      this.isDynamicOp = dynamic;
      return this;
    }

    public Builder allowBuildAtRuntime(boolean allow) {
      this.allowBuildAtRuntime = allow;
      return this;
    }

    /** Op types never to convert (replaces the set). */
    public Builder opDenylist(Collection<String> opTypes) {
      if (opTypes == null) {
        throw new TftrtException("opDenylist must be a set of op type names (possibly empty), not null");
      }
      this.opDenylist = new TreeSet<>(opTypes);
      return this;
    }

    public Builder opDenylist(String... opTypes) {
      return opDenylist(Arrays.asList(opTypes));
    }

    public Builder maxEngines(int n) {
      this.maxEngines = n;
      return this;
    }

    public Builder builderOptimizationLevel(int level) {
      this.builderOptimizationLevel = level;
      return this;
    }

    public Builder executionContextsPerEngine(int n) {
      this.executionContextsPerEngine = n;
      return this;
    }

    public Builder cudaGraphs(boolean use) {
      this.cudaGraphs = use;
      return this;
    }

    public Builder allowTf32(boolean allow) {
      this.allowTf32 = allow;
      return this;
    }

    /** Checks every field; the first bad one fails naming the field and what it allows. */
    public TrtConversionParams build() {
      atLeast("maxBatchSize", maxBatchSize, 1);
      atLeast("minimumSegmentSize", minimumSegmentSize, 1);
      if (maxWorkspaceSizeBytes <= 0) {
        throw new TftrtException("maxWorkspaceSizeBytes must be a positive number of bytes (default "
            + ONE_GIB + " = 1 GiB), was " + maxWorkspaceSizeBytes);
      }
      atLeast("maximumCachedEngines", maximumCachedEngines, 1);
      atLeast("maxEngines", maxEngines, 1);
      if (builderOptimizationLevel < 0 || builderOptimizationLevel > 5) {
        throw new TftrtException("builderOptimizationLevel must be TensorRT's builder optimization level, an "
            + "integer from 0 (fastest build) to 5 (most tactics tried; default 3), was " + builderOptimizationLevel);
      }
      if (executionContextsPerEngine < 1 || executionContextsPerEngine > MAX_CONTEXTS_PER_ENGINE) {
        throw new TftrtException("executionContextsPerEngine must be an integer from 1 to " + MAX_CONTEXTS_PER_ENGINE
            + " (each adds an optimization profile to every engine: build time and device memory), was "
            + executionContextsPerEngine);
      }
      for (String op : opDenylist) {
        if (op == null || op.isBlank() || !op.strip().equals(op)) {
          throw new TftrtException("opDenylist entries must be op type names such as \"Conv2D\", without "
              + "blanks; got \"" + op + "\"");
        }
      }
      return new TrtConversionParams(this);
    }

    private static void atLeast(String field, long value, long min) {
      if (value < min) {
        throw new TftrtException(field + " must be an integer >= " + min + ", was " + value);
      }
    }
  }

  private static String allowedPrecisions() {
    return String.join(", ", Arrays.stream(Precision.values()).map(Enum::name).toList());
  }
}
