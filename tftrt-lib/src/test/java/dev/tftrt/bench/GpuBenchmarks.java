package dev.tftrt.bench;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.data.FashionMnist;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.CalibrationSource;
import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.engine.TensorRtBackends;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.io.AtomicFiles;
import dev.tftrt.runtime.BoundRun;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.runtime.ConvertedModelContents;
import dev.tftrt.runtime.ConvertedModelFiles;
import dev.tftrt.runtime.EngineBuilds;
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
 *   resnet50-fp32|fp16|int8   ResNet-50 (ModelZoo) through the toolkit at one precision, one engine (2
 *                             optimization profiles, one per context, both batch 1 to the largest of bench.batches;
 *                             builder level bench.level, default 3) for every variant: engine alone (enqueue only;
 *                             + CUDA graphs; with copies), ConvertedModel.run (+ CUDA graphs; + 2 threads on 2
 *                             contexts); rows appended to OUT_DIR/resnet50.csv and the table with the Java overhead
 *                             and the speed-up over native re-rendered to OUT_DIR/resnet50.md after each variant
 *   resnet50-PREC-optN        the same at builder optimization level N, fewer variants (engine alone, the
 *                             converted model with CUDA graphs, alone and from 2 threads)
 *   resnet50-table            re-renders OUT_DIR/resnet50.md from OUT_DIR/resnet50.csv
 *   overhead                  issue 5's Java overhead in one run: ResNet-50 FP16 at builder level bench.level
 *                             (default 1 here), variants engine,engine-graphs,bound,bound-graphs,model,model-2ctx
 *                             (the bare loop; ConvertedModel.bind with the inputs on the GPU, without and with CUDA
 *                             graphs; ConvertedModel.run with host inputs, alone and from 2 threads), rows appended
 *                             to resnet50.csv, then one "overhead" line per batch: bound / bare loop throughput,
 *                             p50 added over the bare loop and over the engine's GPU time, issue 5 met or not
 *   fashion                   the Fashion-MNIST classifier (-Dbench.fashionModel=DIR): native vs FP32, FP16,
 *                             INT8 (calibrated on 500 training images), with top-1 on the 10,000 test images
 * Every part runs in its own JVM when gpu-run.sh is given one step per part; the ResNet-50 parts share the
 * generated SavedModel and the TensorRT timing cache under OUT_DIR/work.
 * Properties: bench.batches (1,32,128,256; the largest is where the engine's profiles end), bench.seconds (0.5
 *   per repeat, at least one call), bench.repeats (3), bench.warmup (0.3 s, at least one call), bench.level (3),
 *   bench.dryRun (engines computed by TensorFlow, to check on a CPU), bench.tf32 (false; true builds the ResNet-50
 *   engines with allowTf32, their rows' precision then reads FP32+TF32 for FP32), bench.variants (which ResNet-50
 *   variants, in the order given):
 *     engine          the bare loop: inputs on the GPU, enqueue and wait (CUDA events give the GPU time)
 *     engine-graphs   the same with CUDA graphs
 *     engine-copies   the bare loop with the copies from and to Java buffers
 *     bound           ConvertedModel.bind once, then BoundRun.run() per call (inputs and outputs on the GPU)
 *     bound-graphs    the same with CUDA graphs
 *     bound-2ctx      bound-graphs from 2 threads at once, each with its own BoundRun; each call borrows one of
 *                     the engine's 2 contexts (own stream), so the two threads' engine runs overlap
 *     model           ConvertedModel.run with Java arrays in and out
 *     model-graphs    the same with CUDA graphs
 *     model-2ctx      model-graphs from 2 threads at once on the 2 contexts
 *     native          the same SavedModel run by native TensorFlow (TF Java's session; CPU, TensorFlow Java has no
 *                     GPU build): the table's "x native" column
 *   The 2-thread variants measure one window of repeats x seconds per batch after the warm-up: images of both
 *   threads over the window's wall time, latency of every call.
 * </pre>
 */
public final class GpuBenchmarks {
  private final Path out;
  /** With -Dbench.dryRun=true, engines that compute with TensorFlow: to check this program on a CPU. */
  private final TensorFlowEngines dryRun = Boolean.getBoolean("bench.dryRun") ? TensorFlowEngines.withConverters()
      : null;
  private final TensorRtBackend backend = dryRun != null ? dryRun.backend() : TensorRtBackends.system();
  private final SegmentNetworks networks = dryRun != null ? dryRun : SegmentNetworks.standard();
  private final List<Integer> batches = ints(System.getProperty("bench.batches", "1,32,128,256"));
  /**
   * The ResNet-50 engine's two optimization profiles (one per execution context) both run from batch 1 to the
   * largest batch measured, optimized for it (as TF-TRT's dynamic mode makes them); 256 by default.
   */
  private final int maxBatch = java.util.Collections.max(batches);
  private final double seconds = Double.parseDouble(System.getProperty("bench.seconds", "0.5"));
  private final int repeats = Integer.parseInt(System.getProperty("bench.repeats", "3"));
  private final double warmup = Double.parseDouble(System.getProperty("bench.warmup", "0.3"));
  /** TrtConversionParams.allowTf32 for the ResNet-50 engines: FP32 layers on TF32 tensor cores. */
  private final boolean tf32 = Boolean.getBoolean("bench.tf32");

  private GpuBenchmarks(Path out) {
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: GpuBenchmarks OUT_DIR overhead | resnet50-fp16 | resnet50-int8-opt5 | resnet50-table "
          + "| fashion | charts:A.csv,B.csv | resnet50-chart:resnet50.csv ...");
      System.exit(2);
    }
    Path out = Files.createDirectories(Path.of(args[0]));
    GpuBenchmarks b = new GpuBenchmarks(out);
    say("environment:\n" + Environment.capture(b.backend.availability()).describe());
    for (String part : Arrays.asList(args).subList(1, args.length)) {
      long start = System.nanoTime();
      try {
        if (part.equals("resnet50-table")) {
          b.renderResnet50Table();
        } else if (part.equals("overhead")) {
          b.overhead();
        } else if (part.startsWith("resnet50-chart:")) {
          resnet50Chart(Path.of(part.substring("resnet50-chart:".length())), out);
        } else if (part.startsWith("resnet50-")) {
          b.resnet50Part(part);
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

  /** The throughput chart of a ResNet-50 table ({@code resnet50.csv}), as PNG and SVG named after it. */
  static void resnet50Chart(Path csv, Path out) {
    String base = csv.getFileName().toString().replaceFirst("\\.csv$", "");
    org.knowm.xchart.CategoryChart chart =
        BenchmarkCharts.throughput(ResNet50Table.chartTable(ResNet50Table.read(csv)));
    chart.setTitle("ResNet-50 throughput by precision, variant and batch size");
    BenchmarkCharts.save(chart, out.resolve(base + "-throughput.png"));
    BenchmarkCharts.save(chart, out.resolve(base + "-throughput.svg"));
    say("chart of " + csv + " written to " + out);
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

  /**
   * {@code resnet50-PRECISION} or {@code resnet50-PRECISION-optN}: the zoo's ResNet-50 at one precision, built at
   * builder optimization level {@code bench.level} (TensorRT's default 3) or N, measured in every variant (at an
   * explicit level: the bare loop and the converted model with CUDA graphs, alone and from two threads).
   */
  private void resnet50Part(String part) {
    String[] words = part.split("-");
    if (words.length < 2 || words.length > 3 || (words.length == 3 && !words[2].matches("opt[0-5]"))) {
      throw new IllegalArgumentException("a ResNet-50 part is resnet50-PRECISION or resnet50-PRECISION-optN "
          + "(N in 0..5), e.g. resnet50-fp16, resnet50-int8-opt5; got " + part);
    }
    Precision precision = Precision.parse(words[1]);
    boolean explicitLevel = words.length == 3;
    int level = explicitLevel ? Integer.parseInt(words[2].substring(3)) : Integer.getInteger("bench.level", 3);
    String variants = System.getProperty("bench.variants", explicitLevel ? "engine,model-graphs,model-2ctx"
        : "engine,model,model-graphs,model-2ctx,engine-graphs,engine-copies");
    resnet50(precision, level, variants(variants));
  }

  private static List<String> variants(String keys) {
    return Arrays.stream(keys.split(",")).map(v -> ResNet50Table.variant(v.trim())).toList();
  }

  /**
   * Issue 5's Java overhead, measured in one run on one engine: ResNet-50 FP16 at builder level
   * {@code bench.level} (1 by default here, to keep the build short), the bare loop against the bound converted
   * model ({@link ConvertedModel#bind}: inputs on the GPU), both without and with CUDA graphs, and
   * {@link ConvertedModel#run} with host inputs, alone and from two threads on two contexts; then the overhead
   * per batch size as {@code GPU-RESULT overhead} lines (the rows of the table's second overhead section).
   */
  private void overhead() {
    int level = Integer.getInteger("bench.level", 1);
    resnet50(Precision.FP16, level, variants(System.getProperty("bench.variants",
        "engine,engine-graphs,bound,bound-graphs,model,model-2ctx")));
    List<ResNet50Table.Row> rows = ResNet50Table.read(out.resolve("resnet50.csv")).stream()
        .filter(r -> r.precision().equals("FP16") && r.level() == level).toList();
    say("overhead | precision | builder level | batch | bound / engine alone | bound p50 - engine p50 (us) "
        + "| bound p50 - engine GPU p50 (us) | bound+graphs / engine alone | bound+graphs p50 - engine p50 (us) "
        + "| bound+graphs p50 - engine GPU p50 (us) | issue 5 (batch >= 32: bound >= 0.97 of the bare loop; batch 1: "
        + "bound+graphs adds <= 50 us) |");
    ResNet50Table.overhead(rows).forEach(l -> say("overhead " + l));
  }

  /** The zoo's ResNet-50 SavedModel, generated once per output directory (every part reuses it). */
  private Path resnet50Model() {
    Path dir = out.resolve("work").resolve("resnet50");
    if (!Files.exists(dir.resolve("saved_model.pb"))) {
      long t = System.nanoTime();
      ModelZoo.resnet50(dir);
      say(String.format(Locale.ROOT, "resnet50 SavedModel generated in %.1f s", (System.nanoTime() - t) / 1e9));
    }
    return dir;
  }

  private static Map<String, TensorValue> images(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n * 224 * 224 * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextDouble(-1, 1);
    }
    return Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(n, 224, 224, 3), v));
  }

  private BuildListener progress(String tag) {
    return m -> {
      if (!m.startsWith("[MemUsage") && !m.startsWith("[BlockAssignment")) {
        System.out.println("  [" + tag + "] " + m);
      }
    };
  }

  /**
   * ResNet-50 through the toolkit: frozen, optimized and segmented by {@link TrtGraphConverterV2} (one segment;
   * INT8 planned as FP16, the plan is the same), the segment's engine built by {@link EngineBuilds} with the
   * conversion parameters (2 execution contexts per engine: two optimization profiles) and the timing cache the
   * earlier parts of this output directory left, then run by {@link ConvertedModel}s made from those contents,
   * without and with CUDA graphs, and by the bare loop on the same plan. Each variant's rows are appended to
   * {@code resnet50.csv} and {@code resnet50.md} re-rendered as soon as it is measured.
   */
  private void resnet50(Precision precision, int level, List<String> variants) {
    String tag = label(precision) + " level " + level;
    Path model = resnet50Model();
    TrtConversionParams params = TrtConversionParams.builder().precisionMode(precision).maxBatchSize(maxBatch)
        .maxWorkspaceSizeBytes(8L << 30).builderOptimizationLevel(level).executionContextsPerEngine(2)
        .allowTf32(tf32).build();
    long start = System.nanoTime();
    TrtGraphConverterV2 converter = new TrtGraphConverterV2(model, params.toBuilder()
        .precisionMode(precision == Precision.INT8 ? Precision.FP16 : precision).build()).withBackend(backend)
        .withProgress(progress(tag));
    converter.convert();
    ConvertedModelContents planned = ConvertedModelFiles.read(converter.save(out.resolve("work")
        .resolve("resnet50-planned-" + precision + "-" + level))).contents();
    if (planned.segments().size() != 1) {
      throw new IllegalStateException("resnet50 should be one segment, the plan has " + planned.segments());
    }
    SegmentSpec segment = planned.segments().get(0).spec();
    Path cacheFile = out.resolve("work").resolve("resnet50-timing-cache.bin");
    byte[] cacheIn = readIfExists(cacheFile);
    EngineBuilds builds = new EngineBuilds(planned.graph(), params, backend, networks, cacheIn, Map.of(),
        progress(tag));
    List<ShapeRange> profile = builds.profileFor(List.of(planned.inputs().get(0).shape().withDim(0, maxBatch)));
    // Calibration and the output check at batch 32, or at the largest batch when the profile ends below 32.
    int sampleBatch = Math.min(32, maxBatch);
    long buildStart = System.nanoTime();
    // Calibration input: random images, uniform in [-1, 1), as the benchmark's inputs are.
    EnginePlan plan = builds.build(segment, profile, precision == Precision.INT8 ? calibration(4, sampleBatch)
        : null);
    double buildSeconds = (System.nanoTime() - buildStart) / 1e9;
    AtomicFiles.writeAtomically(cacheFile, builds.timingCache());
    say(String.format(Locale.ROOT, "resnet50 %s: planned in %.1f s; engine built in %.1f s (2 optimization "
        + "profiles, batch 1..%d%s), plan %d bytes, timing cache %d bytes in, %d out", tag, (buildStart - start) / 1e9,
        buildSeconds, maxBatch, precision == Precision.INT8 ? ", calibrated on 4 batches of " + sampleBatch
            + " random images" : "",
        plan.plan().length, cacheIn == null ? 0 : cacheIn.length, builds.timingCache().length));
    ConvertedModelContents contents = new ConvertedModelContents(planned.source(), params, planned.graph(),
        planned.inputs(), planned.outputs(), List.of(new SegmentPlans(segment, List.of(plan),
            builds.calibrationTable(segment.name()), null)), builds.timingCache(), backend.availability());
    ConvertedModelContents withGraphs = new ConvertedModelContents(contents.source(),
        params.toBuilder().cudaGraphs(true).build(), contents.graph(), contents.inputs(), contents.outputs(),
        contents.segments(), contents.timingCache(), contents.builtWith());
    try (Engine engine = backend.deserialize(plan.plan());
        ConvertedModel plain = ConvertedModel.loader().backend(backend).networks(networks).of(contents);
        ConvertedModel graphs = ConvertedModel.loader().backend(backend).networks(networks).of(withGraphs)) {
      say("resnet50 " + tag + ": engine layers " + engineLayers(engine) + ", device memory per context "
          + (engine.deviceMemoryBytes() >> 20) + " MiB, contexts per engine " + engine.maxContexts());
      attempt("resnet50 " + tag + " output check", () -> checkOutputs(tag, sampleBatch, engine, plain, graphs));
      for (String variant : variants) {
        attempt("resnet50 " + tag + " " + variant, () -> measure(precision, level, variant, model, engine, plain,
            graphs));
      }
    }
  }

  /** The precision as the table names it: FP32 built with TF32 allowed is FP32+TF32. */
  private String label(Precision precision) {
    return precision == Precision.FP32 && tf32 ? "FP32+TF32" : precision.name();
  }

  private static byte[] readIfExists(Path file) {
    try {
      return Files.exists(file) ? Files.readAllBytes(file) : null;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Runs one measurement; a failure is printed and the next one goes on. */
  private static void attempt(String what, Runnable measurement) {
    long t = System.nanoTime();
    try {
      measurement.run();
    } catch (RuntimeException | OutOfMemoryError e) {
      say("FAILED " + what + ": " + e);
      e.printStackTrace(System.out);
    }
    say(String.format(Locale.ROOT, "%s took %.1f s", what, (System.nanoTime() - t) / 1e9));
  }

  /**
   * Before measuring: the converted model, with and without CUDA graphs, and the bare engine give the same
   * outputs for one batch of {@code size} images, and graphs are really replayed (a context with CUDA graphs
   * enqueued three times captures on the second and replays on the third).
   */
  private void checkOutputs(String tag, int size, Engine engine, ConvertedModel plain, ConvertedModel graphs) {
    Map<String, TensorValue> batch = images(size, 99);
    float[] model = plain.run(batch).get(ModelZoo.OUTPUT_KEY).toFloats();
    float[] withGraphs = null;
    for (int i = 0; i < 3; i++) {
      withGraphs = graphs.run(batch).get(ModelZoo.OUTPUT_KEY).toFloats();
    }
    float[] bound;
    float[] boundGraphs = null;
    try (BoundRun b = plain.bind(batch); BoundRun g = graphs.bind(batch)) {
      bound = b.run().output(ModelZoo.OUTPUT_KEY).toFloats();
      for (int i = 0; i < 3; i++) {
        boundGraphs = g.run().output(ModelZoo.OUTPUT_KEY).toFloats();
      }
    }
    String input = engine.inputs().get(0).name();
    String output = engine.outputs().get(0).name();
    float[] bare;
    long launches;
    try (DeviceStream stream = backend.newStream();
        ExecutionContext context = engine.createContext(stream, true);
        DeviceTensor in = backend.allocate(engine.inputs().get(0).type(), batch.get(ModelZoo.INPUT_KEY).shape())) {
      in.copyFromHost(batch.get(ModelZoo.INPUT_KEY).buffer(), stream);
      Shape outShape = context.outputShape(output, Map.of(input, in.shape()));
      try (DeviceTensor o = backend.allocate(engine.outputs().get(0).type(), outShape)) {
        for (int i = 0; i < 3; i++) {
          context.enqueue(Map.of(input, in, output, o));
          stream.synchronize();
        }
        launches = context.cudaGraphLaunches();
        java.nio.ByteBuffer host = java.nio.ByteBuffer.allocate(Math.toIntExact(o.byteSize()))
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        o.copyToHost(host, stream);
        bare = TensorValue.ofBytes(o.type(), o.shape(), host.array()).toFloats();
      }
    }
    say(String.format(Locale.ROOT, "resnet50 %s outputs, batch %d: ConvertedModel.run vs bare engine max abs "
        + "difference %.3g; with CUDA graphs vs without %.3g; the bare context replayed its CUDA graph %d time(s) "
        + "of 3 enqueues (1 expected with TensorRT); bound run vs ConvertedModel.run %.3g, with CUDA graphs (3rd "
        + "run) %.3g", tag, size, maxAbsDifference(model, bare), maxAbsDifference(withGraphs, model), launches,
        maxAbsDifference(bound, model), maxAbsDifference(boundGraphs, model)));
  }

  private static double maxAbsDifference(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalStateException("outputs of " + a.length + " and " + b.length + " values");
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
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

  /**
   * Measures one variant at every batch size, appends its rows and re-renders the table. The two-thread variants
   * run through {@link Concurrency} (one window of {@code repeats x seconds} per batch size after the warm-up,
   * throughput of both threads over the window, latency of every call), the others through {@link #benchmark}.
   */
  private void measure(Precision precision, int level, String variant, Path model, Engine engine,
      ConvertedModel plain, ConvertedModel graphs) {
    String p = label(precision);
    InputSource input = InputSource.random(7);
    List<ResNet50Table.Row> rows;
    if (variant.equals(ResNet50Table.NATIVE)) {
      // Loaded for this variant only: its CPU memory (TensorFlow's buffers at the largest batch) is freed after.
      try (SavedModelTarget nativeTarget = SavedModelTarget.load(model)) {
        rows = benchmarkRows(ResNet50Table.NATIVE_PRECISION, 0, variant, nativeTarget, input);
      }
    } else if (ResNet50Table.TWO_THREADS.contains(variant)) {
      // Each thread prepares its own run: its own BoundRun (bound-2ctx) and, per call, its own set of contexts.
      InferenceTarget target = variant.equals(ResNet50Table.BOUND_TWO_CONTEXTS)
          ? ConvertedTargets.bound(graphs, variant, precision)
          : ConvertedTargets.of(graphs, "TF-TRT " + precision, precision);
      rows = new ArrayList<>();
      for (int batch : batches) {
        Concurrency.Result r = Concurrency.measure(target, input.batch(target.inputs(), batch), 2,
            Duration.ofMillis((long) (warmup * 1000)), Duration.ofMillis((long) (seconds * repeats * 1000)));
        rows.add(new ResNet50Table.Row(p, level, variant, batch, r.imagesPerSecond(), Double.NaN,
            r.latency().p50Ms(), r.latency().p99Ms(), Double.NaN));
      }
    } else {
      InferenceTarget target = switch (variant) {
        case ResNet50Table.ENGINE -> new EngineTarget(variant, p, backend, engine, EngineTarget.Mode.ENQUEUE_ONLY);
        case ResNet50Table.ENGINE_GRAPHS -> new EngineTarget(variant, p, backend, engine,
            EngineTarget.Mode.ENQUEUE_ONLY).withCudaGraphs(variant);
        case ResNet50Table.ENGINE_COPIES -> new EngineTarget(variant, p, backend, engine,
            EngineTarget.Mode.WITH_COPIES);
        case ResNet50Table.BOUND -> ConvertedTargets.bound(plain, variant, precision);
        case ResNet50Table.BOUND_GRAPHS -> ConvertedTargets.bound(graphs, variant, precision);
        case ResNet50Table.MODEL -> ConvertedTargets.of(plain, "TF-TRT " + precision, precision);
        case ResNet50Table.MODEL_GRAPHS -> ConvertedTargets.of(graphs, "TF-TRT " + precision, precision);
        default -> throw new IllegalArgumentException("unknown variant " + variant);
      };
      rows = benchmarkRows(p, level, variant, target, input);
    }
    for (ResNet50Table.Row r : rows) {
      say(String.format(Locale.ROOT, "resnet50 %s | batch %d | %.1f img/s | p50 %.3f ms | p99 %.3f ms%s",
          r.label(), r.batch(), r.imagesPerSecond(), r.p50Ms(), r.p99Ms(), Double.isNaN(r.deviceP50Ms())
              ? "" : String.format(Locale.ROOT, " | GPU p50 %.3f ms", r.deviceP50Ms())));
    }
    ResNet50Table.append(out.resolve("resnet50.csv"), rows);
    renderResnet50Table();
  }

  /**
   * One table row per batch size from {@link #benchmark} on {@code target}. In duration mode every warm-up and
   * every repeat completes at least one call, and stops at the first call that ends past its time, so a target
   * whose calls take seconds (native TensorFlow at batch 256 on a CPU) costs about {@code 1 + repeats} calls per
   * batch size.
   */
  private List<ResNet50Table.Row> benchmarkRows(String precision, int level, String variant, InferenceTarget target,
      InputSource input) {
    return benchmark(input).run(target).batches().stream().map(b -> new ResNet50Table.Row(precision, level, variant,
        b.batchSize(), b.throughput().mean(), 100 * b.throughput().relativeStddev(), b.latency().p50Ms(),
        b.latency().p99Ms(), b.deviceLatency() == null ? Double.NaN : b.deviceLatency().p50Ms())).toList();
  }

  private void renderResnet50Table() {
    ResNet50Table.render(out.resolve("resnet50.csv"), out.resolve("resnet50.md"), "ResNet-50 (ModelZoo, generated) "
        + "on " + backend.availability().gpuName() + ", TensorRT " + backend.availability().tensorRtVersion()
        + "; batches " + batches + " (TensorRT profiles batch 1.." + maxBatch + "), " + repeats + " x " + seconds
        + " s per batch after " + warmup + " s warm-up");
    say("resnet50 table so far (" + out.resolve("resnet50.md") + ")\n" + readString(out.resolve("resnet50.md")));
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
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
        .tensorRt(backend.availability(), (m, params, images, bind) -> ConvertedTargets.create(m, params, images,
            bind, message -> System.out.println("  [fashion " + params.precisionMode() + "] " + message)))
        .progress(Progress.Listener.NONE)
        .build();
    ComparisonResult r = c.run(model);
    r.writeCsv(out.resolve("fashion-mnist.csv"));
    say("fashion-mnist csv\n" + r.toCsv());
    r.writeJson(out.resolve("fashion-mnist.json"));
    say("fashion-mnist comparison\n" + r.format() + "\nnotes: " + r.notes() + "\naccuracy: " + r.accuracy());
  }

}
