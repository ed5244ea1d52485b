package dev.tftrt.bench;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.TensorRtBackends;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Native TensorFlow against TensorRT at several precisions, across batch sizes, in one call: every target runs
 * the same {@link Benchmark}, and, with a labelled dataset, the same accuracy check. Where TensorRT is not
 * available the TensorRT rows are absent and the result says why. Immutable; make one with {@link #builder()}.
 */
public final class Comparison {
  private final Benchmark benchmark;
  private final List<Precision> precisions;
  private final IdxDataset calibration;
  private final IdxDataset accuracyData;
  private final String accuracyDataName;
  private final Availability tensorRt;
  private final TrtTargetFactory factory;
  private final TrtConversionParams conversion;
  private final boolean bindInputs;
  private final Progress.Listener listener;

  private Comparison(Builder b) {
    this.benchmark = b.benchmark.toBuilder().progress(b.listener).build();
    this.precisions = List.copyOf(b.precisions);
    this.calibration = b.calibration;
    this.accuracyData = b.accuracyData;
    this.accuracyDataName = b.accuracyDataName;
    this.tensorRt = b.tensorRt;
    this.factory = b.factory;
    this.conversion = b.conversion;
    this.bindInputs = b.bindInputs;
    this.listener = b.listener;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Loads {@code savedModel} natively, converts it at each precision, and measures all of them. */
  public ComparisonResult run(Path savedModel) {
    List<String> notes = new ArrayList<>();
    List<BenchmarkResult> results = new ArrayList<>();
    Map<String, Accuracy.Result> accuracy = new LinkedHashMap<>();
    int maxBatch = Collections.max(benchmark.batchSizes());
    try (SavedModelTarget nativeTarget = SavedModelTarget.load(savedModel)) {
      results.add(benchmark.run(nativeTarget));
      Accuracy check = null;
      if (accuracyData != null) {
        check = Accuracy.against(nativeTarget, accuracyData, accuracyDataName, Math.min(maxBatch, 128), listener);
        accuracy.put(nativeTarget.name(), check.reference());
      }
      if (precisions.isEmpty()) {
        return new ComparisonResult(savedModel.toString(), Environment.capture(tensorRt), settings(), notes,
            results, accuracy);
      }
      if (!tensorRt.available()) {
        notes.add(tensorRt.describe());
        return new ComparisonResult(savedModel.toString(), Environment.capture(tensorRt), settings(), notes,
            results, accuracy);
      }
      for (Precision p : precisions) {
        if (p == Precision.INT8 && calibration == null) {
          notes.add("INT8 skipped: it needs calibration data (--calibration-data)");
          continue;
        }
        InferenceTarget target;
        try {
          target = factory.create(savedModel, conversion.toBuilder().precisionMode(p).maxBatchSize(maxBatch).build(),
              Optional.ofNullable(calibration), bindInputs);
        } catch (TftrtException e) {
          notes.add(p + " not converted: " + e.getMessage());
          continue;
        }
        try (InferenceTarget t = target) {
          results.add(benchmark.run(t));
          if (check != null) {
            accuracy.put(t.name(), check.evaluate(t));
          }
        }
      }
    }
    return new ComparisonResult(savedModel.toString(), Environment.capture(tensorRt), settings(), notes, results,
        accuracy);
  }

  private ComparisonResult.Settings settings() {
    return new ComparisonResult.Settings(benchmark.batchSizes(), precisions.stream().map(Enum::name).toList(),
        benchmark.warmupDescription(), benchmark.measureDescription(), benchmark.repeats(),
        benchmark.input().describe(), accuracyData == null ? "" : accuracyDataName,
        calibration == null ? "" : calibration.size() + " images");
  }

  /** Defaults: the default {@link Benchmark}, FP32, FP16 and INT8, the machine's TensorRT, no accuracy check. */
  public static final class Builder {
    private Benchmark benchmark = Benchmark.builder().build();
    private List<Precision> precisions = List.of(Precision.FP32, Precision.FP16, Precision.INT8);
    private IdxDataset calibration;
    private IdxDataset accuracyData;
    private String accuracyDataName;
    private Availability tensorRt;
    private TrtTargetFactory factory;
    private TrtConversionParams conversion = TrtConversionParams.defaults();
    private boolean bindInputs;
    private Progress.Listener listener = Progress.Listener.NONE;

    private Builder() {}

    /** Batch sizes, warm-up, iterations, repeats and input for every target (its listener is replaced). */
    public Builder benchmark(Benchmark b) {
      this.benchmark = Objects.requireNonNull(b);
      return this;
    }

    /** TensorRT precisions to compare with native TensorFlow (none: native alone). */
    public Builder precisions(List<Precision> p) {
      if (p.stream().distinct().count() != p.size()) {
        throw new TftrtException("a precision is given twice in " + p);
      }
      this.precisions = List.copyOf(p);
      return this;
    }

    public Builder precisions(Precision... p) {
      return precisions(List.of(p));
    }

    /** Images for INT8 calibration. */
    public Builder calibration(IdxDataset data) {
      this.calibration = data;
      return this;
    }

    /** A labelled dataset for top-1, agreement with native TensorFlow and output errors. */
    public Builder accuracy(IdxDataset data, String name) {
      this.accuracyData = Objects.requireNonNull(data);
      this.accuracyDataName = Objects.requireNonNull(name);
      return this;
    }

    /** Where the TensorRT targets come from, and whether TensorRT is there at all. */
    public Builder tensorRt(Availability availability, TrtTargetFactory f) {
      this.tensorRt = Objects.requireNonNull(availability);
      this.factory = Objects.requireNonNull(f);
      return this;
    }

    /**
     * The parameters every TensorRT row converts with (TF32, builder level, contexts, CUDA graphs ...); each row
     * sets its own precision and a maximum batch of the largest batch size. Default: TF-TRT's defaults.
     */
    public Builder conversionParams(TrtConversionParams params) {
      this.conversion = Objects.requireNonNull(params);
      return this;
    }

    /**
     * Whether the TensorRT rows bind each batch to the GPU once ({@code ConvertedModel.bind}) and time runs on it,
     * as for a caller whose data already lives on the GPU; by default each run copies Java arrays in and out,
     * which at large batches measures the copies more than TensorRT. Native TensorFlow rows are unchanged.
     */
    public Builder bindInputs(boolean bind) {
      this.bindInputs = bind;
      return this;
    }

    public Builder progress(Progress.Listener l) {
      this.listener = Objects.requireNonNull(l);
      return this;
    }

    public Comparison build() {
      if (tensorRt == null) {
        tensorRt = TensorRtBackends.system().availability();
        factory = ConvertedTargets::create;
      }
      return new Comparison(this);
    }
  }
}
