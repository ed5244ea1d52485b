package dev.tftrt.bench;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.data.FashionMnist;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.CalibrationSource;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.engine.TensorRtBackends;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.runtime.ConvertedModelContents;
import dev.tftrt.runtime.ConvertedModelFiles;
import dev.tftrt.runtime.EnginePlan;
import dev.tftrt.runtime.SegmentNetworks;
import dev.tftrt.runtime.SegmentPlans;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.runtime.TensorFlowEngines;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Issue 5's measurements on a GPU host, printed (lines starting {@code GPU-RESULT}) and written under the
 * output directory as CSV, JSON, Markdown and PNG charts. Not a test: speed is measured here, never asserted
 * in unit tests.
 *
 * <pre>
 * java -cp "$KIT_CP" dev.tftrt.bench.GpuBenchmarks OUT_DIR PART...
 *   resnet50:FP32,FP16,INT8   ResNet-50 (ModelZoo) through the toolkit: the engine alone (enqueue only and
 *                             with copies), the converted model from 1..N threads, across batch sizes; the
 *                             Java overhead of the converted model over the bare engine loop
 *   fashion                   the Fashion-MNIST classifier (-Dbench.fashionModel=DIR): native vs FP32, FP16,
 *                             INT8 (calibrated on 500 training images), with top-1 on the 10,000 test images
 * Properties: bench.batches (1,8,32,64,128,256), bench.seconds (0.5 per repeat), bench.repeats (3),
 *   bench.warmup (0.3 s), bench.threads (2,4), bench.tf32 (true: also an FP32+TF32 engine)
 * </pre>
 */
public final class GpuBenchmarks {
  private static final int MAX_BATCH = 256;
  private final Path out;
  /** With -Dbench.dryRun=true, engines that compute with TensorFlow: to check this program on a CPU. */
  private final TensorFlowEngines dryRun = Boolean.getBoolean("bench.dryRun") ? TensorFlowEngines.withConverters()
      : null;
  private final TensorRtBackend backend = dryRun != null ? dryRun.backend() : TensorRtBackends.system();
  private final SegmentNetworks networks = dryRun != null ? dryRun : SegmentNetworks.standard();
  private final List<Integer> batches = ints(System.getProperty("bench.batches", "1,8,32,64,128,256"));
  private final List<Integer> threads = ints(System.getProperty("bench.threads", "2,4"));
  private final double seconds = Double.parseDouble(System.getProperty("bench.seconds", "0.5"));
  private final int repeats = Integer.parseInt(System.getProperty("bench.repeats", "3"));
  private final double warmup = Double.parseDouble(System.getProperty("bench.warmup", "0.3"));
  private Path resnet50;

  private GpuBenchmarks(Path out) {
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: GpuBenchmarks OUT_DIR resnet50:FP32,FP16,INT8 | fashion ...");
      System.exit(2);
    }
    Path out = Files.createDirectories(Path.of(args[0]));
    GpuBenchmarks b = new GpuBenchmarks(out);
    say("environment:\n" + Environment.capture(b.backend.availability()).describe());
    for (String part : Arrays.asList(args).subList(1, args.length)) {
      long start = System.nanoTime();
      try {
        if (part.startsWith("resnet50:")) {
          for (String p : part.substring("resnet50:".length()).split(",")) {
            b.resnet50(Precision.valueOf(p.trim()));
          }
        } else if (part.equals("fashion")) {
          b.fashion();
        } else if (part.startsWith("charts:")) {
          charts(part.substring("charts:".length()), out);
        } else {
          throw new IllegalArgumentException("unknown part " + part);
        }
      } catch (RuntimeException e) {
        say("FAILED " + part + ": " + e);
        e.printStackTrace(System.out);
      }
      say(String.format(Locale.ROOT, "part %s took %.1f s", part, (System.nanoTime() - start) / 1e9));
    }
  }

  /**
   * Draws the throughput and latency charts of tables written by this program ({@code a.csv,b.csv}: their
   * rows together), as PNG files named after the first; run where fonts exist (the GPU host may have none).
   */
  static void charts(String csvs, Path out) {
    tech.tablesaw.api.Table all = null;
    for (String csv : csvs.split(",")) {
      tech.tablesaw.api.ColumnType[] types = ComparisonResult.COLUMNS.stream().map(c -> switch (c) {
        case "target", "precision" -> tech.tablesaw.api.ColumnType.STRING;
        case "batch", "repeats", "iterations" -> tech.tablesaw.api.ColumnType.INTEGER;
        default -> tech.tablesaw.api.ColumnType.DOUBLE;
      }).toArray(tech.tablesaw.api.ColumnType[]::new);
      tech.tablesaw.api.Table t = tech.tablesaw.api.Table.read().usingOptions(
          tech.tablesaw.io.csv.CsvReadOptions.builder(new java.io.File(csv)).columnTypes(types));
      all = all == null ? t : all.append(t);
    }
    String base = Path.of(csvs.split(",")[0]).getFileName().toString().replaceFirst("\\.csv$", "");
    BenchmarkCharts.save(BenchmarkCharts.throughput(all), out.resolve(base + "-throughput.png"));
    BenchmarkCharts.save(BenchmarkCharts.latencyPercentiles(all), out.resolve(base + "-latency.png"));
    say("charts of " + csvs + " written to " + out);
  }

  static void say(String line) {
    System.out.println("GPU-RESULT " + line);
    System.out.flush();
  }

  private static List<Integer> ints(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Integer::valueOf).toList();
  }

  private Benchmark benchmark(InputSource input) {
    return Benchmark.builder().batchSizes(batches).warmupDuration(Duration.ofMillis((long) (warmup * 1000)))
        .duration(Duration.ofMillis((long) (seconds * 1000))).repeats(repeats).input(input).build();
  }

  // ---- ResNet-50 ----

  private Path resnet50Model() {
    if (resnet50 == null) {
      long t = System.nanoTime();
      resnet50 = ModelZoo.resnet50(out.resolve("work").resolve("resnet50"));
      say(String.format(Locale.ROOT, "resnet50 SavedModel generated in %.1f s", (System.nanoTime() - t) / 1e9));
    }
    return resnet50;
  }

  private static Map<String, TensorValue> images(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n * 224 * 224 * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextDouble(-1, 1);
    }
    return Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(n, 224, 224, 3), v));
  }

  /**
   * ResNet-50 through the toolkit: frozen, optimized and segmented by {@link TrtGraphConverterV2}, the segment
   * made a network by the project's converters ({@link SegmentNetworks#standard()}), built by the backend with
   * a profile for batch 1..256 at builder optimization level {@code bench.level} (TrtConversionParams has no
   * such knob: the default level 3 took minutes per build at batch 256), and run by a {@link ConvertedModel}
   * made from those contents.
   */
  private void resnet50(Precision precision) {
    Path model = resnet50Model();
    int level = Integer.getInteger("bench.level", 3);
    // Planning is the same at every precision; INT8 is planned as FP16 (its calibration is done below).
    Precision planned = precision == Precision.INT8 ? Precision.FP16 : precision;
    TrtConversionParams params = TrtConversionParams.builder().precisionMode(planned).maxBatchSize(MAX_BATCH)
        .maxWorkspaceSizeBytes(8L << 30).build();
    long start = System.nanoTime();
    TrtGraphConverterV2 converter = new TrtGraphConverterV2(model, params).withBackend(backend)
        .withProgress(m -> System.out.println("  [" + precision + "] " + m));
    converter.convert();
    ConvertedModelContents c = ConvertedModelFiles.read(converter.save(out.resolve("work")
        .resolve("resnet50-planned-" + precision))).contents();
    if (c.segments().size() != 1) {
      throw new IllegalStateException("resnet50 should be one segment, the plan has " + c.segments());
    }
    SegmentPlans segment = c.segments().get(0);
    ShapeRange range = ShapeRange.batch(c.inputs().get(0).shape(), MAX_BATCH);
    EngineConfig.Builder config = EngineConfig.builder().precision(precision).workspaceBytes(8L << 30)
        .optimizationLevel(level).profile(SegmentSpec.inputBinding(0), range);
    if (precision == Precision.INT8) {
      config.calibration(calibration(8, 32));
    }
    BuildResult built;
    try (NetworkDefinition network = backend.newNetwork()) {
      networks.define(c.graph(), segment.spec(), precision, network);
      built = backend.build(network, config.build(), m -> {
        if (!m.startsWith("[MemUsage") && !m.startsWith("[BlockAssignment")) {
          System.out.println("  [" + precision + "] " + m);
        }
      });
    }
    double buildSeconds = (System.nanoTime() - start) / 1e9;
    say(String.format(Locale.ROOT, "resnet50 %s: planned, converted and built (level %d) in %.1f s, engine build "
        + "%.1f s, plan %d bytes, timing cache %d bytes", precision, level, buildSeconds, built.buildMillis() / 1e3,
        built.plan().length, built.timingCache().length));
    ConvertedModelContents withEngine = new ConvertedModelContents(c.source(), c.params(), c.graph(), c.inputs(),
        c.outputs(), List.of(new SegmentPlans(segment.spec(), List.of(EnginePlan.of(built.plan(), List.of(range))),
            built.calibrationTable().length > 0 ? built.calibrationTable() : null, null)),
        built.timingCache(), backend.availability());
    try (ConvertedModel converted = ConvertedModel.loader().backend(backend).networks(networks).of(withEngine);
        Engine engine = backend.deserialize(built.plan())) {
      say("resnet50 " + precision + " segments " + converted.segments() + "; engine layers "
          + engineLayers(engine));
      measure(converted, engine, precision, buildSeconds);
    }
  }

  /** {@code batches} batches of {@code size} random images for the segment's one input. */
  private static CalibrationSource calibration(int batches, int size) {
    return new CalibrationSource() {
      private int next;

      @Override
      public Map<String, Shape> batchShapes() {
        return Map.of(SegmentSpec.inputBinding(0), Shape.of(size, 224, 224, 3));
      }

      @Override
      public int batchCount() {
        return batches;
      }

      @Override
      public Optional<Map<String, TensorValue>> next() {
        if (next >= batches) {
          return Optional.empty();
        }
        return Optional.of(Map.of(SegmentSpec.inputBinding(0), images(size, 1000 + next++).get(ModelZoo.INPUT_KEY)));
      }
    };
  }

  /** How many layers the engine has (after fusion), from the engine inspector. */
  private static int engineLayers(Engine engine) {
    return com.google.gson.JsonParser.parseString(engine.layerInformationJson()).getAsJsonObject()
        .getAsJsonArray("Layers").size();
  }

  private void measure(ConvertedModel converted, Engine engine, Precision precision, double buildSeconds) {
    String p = precision.name();
    List<BenchmarkResult> results = new ArrayList<>();
    InputSource input = InputSource.random(7);
    EngineTarget bare = new EngineTarget("engine enqueue only " + p, p, backend, engine,
        EngineTarget.Mode.ENQUEUE_ONLY);
    EngineTarget copies = new EngineTarget("engine with copies " + p, p, backend, engine,
        EngineTarget.Mode.WITH_COPIES);
    ModelTarget model = new ModelTarget(converted, precision);
    for (InferenceTarget t : List.of(bare, copies, model)) {
      BenchmarkResult r = benchmark(input).run(t);
      results.add(r);
      for (BenchmarkResult.BatchResult b : r.batches()) {
        say(String.format(Locale.ROOT, "resnet50 %-28s batch %3d: %9.1f img/s (+-%.1f%%)  p50 %.3f ms  p99 %.3f ms%s",
            r.target(), b.batchSize(), b.throughput().mean(), 100 * b.throughput().relativeStddev(),
            b.latency().p50Ms(), b.latency().p99Ms(), b.deviceLatency() == null ? ""
                : String.format(Locale.ROOT, "  device p50 %.3f ms", b.deviceLatency().p50Ms())));
      }
    }
    ComparisonResult table = comparison("resnet50-" + p, results, Map.of());
    table.writeCsv(out.resolve("resnet50-" + p + ".csv"));
    table.writeJson(out.resolve("resnet50-" + p + ".json"));
    say("resnet50 " + p + " csv\n" + table.toCsv());
    say("resnet50 " + p + " table (build " + String.format(Locale.ROOT, "%.1f", buildSeconds) + " s)\n"
        + table.format());
    overhead(results, p);
    List<String> lines = new ArrayList<>();
    for (int batch : List.of(32, MAX_BATCH)) {
      if (!batches.contains(batch)) {
        continue;
      }
      Map<String, TensorValue> images = input.batch(model.inputs(), batch);
      Map<String, TensorValue> engineImages = Map.of(engine.inputs().get(0).name(),
          images.get(ModelZoo.INPUT_KEY));
      for (int n : threads) {
        lines.add(concurrent(bare, engineImages, n));
        lines.add(concurrent(model, images, n));
      }
    }
    say("resnet50 " + p + " with several threads (own contexts and streams)\n" + String.join("\n", lines));
  }

  private String concurrent(InferenceTarget t, Map<String, TensorValue> batch, int n) {
    Concurrency.Result r = Concurrency.measure(t, batch, n, Duration.ofMillis((long) (warmup * 1000)),
        Duration.ofMillis((long) (seconds * 2000)));
    return String.format(Locale.ROOT, "| %s | %d | %d threads | %.1f img/s |", r.target(), r.batchSize(),
        r.threads(), r.imagesPerSecond());
  }

  /** Issue 5: converted model vs the bare loops, per batch size (1 thread each). */
  private void overhead(List<BenchmarkResult> results, String p) {
    BenchmarkResult bare = results.get(0);
    BenchmarkResult copies = results.get(1);
    BenchmarkResult model = results.get(2);
    StringBuilder s = new StringBuilder("resnet50 " + p + " Java overhead (converted model vs bare loops)\n"
        + "| batch | model img/s | engine+copies img/s | model / engine+copies | engine only img/s "
        + "| model / engine only | model p50 - engine+copies p50 (us) | model p50 - engine only p50 (us) |\n"
        + "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (int batch : batches) {
      BenchmarkResult.BatchResult m = model.batch(batch);
      BenchmarkResult.BatchResult c = copies.batch(batch);
      BenchmarkResult.BatchResult b = bare.batch(batch);
      s.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.3f | %.1f | %.3f | %.1f | %.1f |%n", batch,
          m.throughput().mean(), c.throughput().mean(), m.throughput().mean() / c.throughput().mean(),
          b.throughput().mean(), m.throughput().mean() / b.throughput().mean(),
          1000 * (m.latency().p50Ms() - c.latency().p50Ms()), 1000 * (m.latency().p50Ms() - b.latency().p50Ms())));
    }
    say(s.toString());
  }

  private static ComparisonResult comparison(String model, List<BenchmarkResult> results,
      Map<String, Accuracy.Result> accuracy) {
    return new ComparisonResult(model, Environment.capture(), new ComparisonResult.Settings(List.of(), List.of(),
        "", "", 0, "", "", ""), List.of(), results, accuracy);
  }

  // ---- Fashion-MNIST ----

  private void fashion() {
    Path model = Path.of(System.getProperty("bench.fashionModel", out.resolve("work/fashion-mnist").toString()));
    if (!Files.isDirectory(model)) {
      say("training the Fashion-MNIST classifier into " + model);
      dev.tftrt.zoo.FashionMnistClassifier.train(model, 2);
    }
    IdxDataset test = FashionMnist.test();
    IdxDataset calibration = FashionMnist.train().first(500);
    Comparison c = Comparison.builder()
        .benchmark(Benchmark.builder().batchSizes(1, 32, 128, 256)
            .warmupDuration(Duration.ofMillis((long) (warmup * 1000)))
            .duration(Duration.ofMillis((long) (seconds * 1000))).repeats(repeats)
            .input(InputSource.dataset(test, "Fashion-MNIST test")).build())
        .precisions(Precision.FP32, Precision.FP16, Precision.INT8)
        .calibration(calibration)
        .accuracy(test, "Fashion-MNIST test (10,000 images)")
        .tensorRt(backend.availability(), GpuBenchmarks::convertedTarget)
        .progress(Progress.Listener.NONE)
        .build();
    ComparisonResult r = c.run(model);
    r.writeCsv(out.resolve("fashion-mnist.csv"));
    say("fashion-mnist csv\n" + r.toCsv());
    r.writeJson(out.resolve("fashion-mnist.json"));
    say("fashion-mnist comparison\n" + r.format() + "\nnotes: " + r.notes() + "\naccuracy: " + r.accuracy());
  }

  /** The classifier converted at {@code precision}, calibrated on the given images for INT8. */
  static InferenceTarget convertedTarget(Path savedModel, Precision precision, int maxBatchSize,
      Optional<IdxDataset> calibration) {
    TrtConversionParams params = TrtConversionParams.builder().precisionMode(precision).maxBatchSize(maxBatchSize)
        .build();
    TrtGraphConverterV2 converter = new TrtGraphConverterV2(savedModel, params)
        .withProgress(m -> System.out.println("  [fashion " + precision + "] " + m));
    if (precision == Precision.INT8) {
      IdxDataset data = calibration.orElseThrow();
      Map<String, TensorInfo> inputs;
      try (SavedModelTarget t = SavedModelTarget.load(savedModel)) {
        inputs = t.inputs();
      }
      String key = Batches.singleInput(inputs);
      List<Map<String, TensorValue>> batches = new ArrayList<>();
      for (int i = 0; i + 100 <= data.size(); i += 100) {
        batches.add(Map.of(key, Batches.imageBatch(data, i, 100, key, inputs.get(key))));
      }
      converter.convert(batches);
    }
    return new ModelTarget(converter.build(null), precision);
  }

  /** A converted model as a benchmark target; each run is one {@link ConvertedModel#run} call. */
  static final class ModelTarget implements InferenceTarget {
    private final ConvertedModel model;
    private final Precision precision;

    ModelTarget(ConvertedModel model, Precision precision) {
      this.model = model;
      this.precision = precision;
    }

    @Override
    public String name() {
      return "TF-TRT " + precision;
    }

    @Override
    public String precision() {
      return precision.name();
    }

    @Override
    public Map<String, TensorInfo> inputs() {
      return model.inputs();
    }

    @Override
    public PreparedRun prepare(Map<String, TensorValue> batch) {
      Map<String, TensorValue> feeds = new LinkedHashMap<>(batch);
      return new PreparedRun() {
        private Map<String, TensorValue> last;

        @Override
        public void run() {
          last = model.run(feeds);
        }

        @Override
        public Map<String, TensorValue> outputs() {
          return last;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
