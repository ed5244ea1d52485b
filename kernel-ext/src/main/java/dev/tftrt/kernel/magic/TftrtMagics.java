package dev.tftrt.kernel.magic;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.bench.Benchmark;
import dev.tftrt.bench.Comparison;
import dev.tftrt.bench.ComparisonResult;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.figures.Graphviz;
import dev.tftrt.kernel.render.Svg;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.ConversionSummary;
import dev.tftrt.plan.DotExport;
import dev.tftrt.runtime.FusionReport;
import io.github.spencerpark.jupyter.kernel.magic.registry.CellMagic;
import io.github.spencerpark.jupyter.kernel.magic.registry.LineMagic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The TF-TRT magics. They keep the session's conversion parameters ({@code %%tftrt_params}) and its last
 * conversion ({@code %tftrt_convert}), which {@code %tftrt_summary}, {@code %tftrt_segments} and
 * {@code %tftrt_fusions} show; {@code %tftrt_bench} compares native TensorFlow with TensorRT precisions. Each
 * returns the Java object it shows, so the next cell can use it.
 */
public final class TftrtMagics {
  private final ConverterFactory converters;
  private final Supplier<Comparison.Builder> comparisons;
  private final Supplier<Graphviz> graphviz;
  private final ProgressSink progress;
  private final Path workingDirectory;

  private TrtConversionParams params = TrtConversionParams.defaults();
  private TrtGraphConverterV2 converter;

  /**
   * @param converters opens a SavedModel for conversion
   * @param comparisons a fresh comparison builder (the machine's TensorRT, or none) for each benchmark
   * @param graphviz the layout engine for segment diagrams
   * @param progress where long work shows progress
   */
  public TftrtMagics(ConverterFactory converters, Supplier<Comparison.Builder> comparisons,
      Supplier<Graphviz> graphviz, ProgressSink progress, Path workingDirectory) {
    this.converters = converters;
    this.comparisons = comparisons;
    this.graphviz = graphviz;
    this.progress = progress;
    this.workingDirectory = workingDirectory;
  }

  /** The parameters {@code %tftrt_convert} starts from (TF-TRT's defaults until {@code %%tftrt_params}). */
  public TrtConversionParams params() {
    return params;
  }

  // ---------------------------------------------------------------- %%tftrt_params

  /** TF-TRT's parameter names (Python spelling) and the Java names they map to. */
  static final Map<String, String> PARAM_NAMES = new LinkedHashMap<>();

  static {
    PARAM_NAMES.put("precision_mode", "precisionMode");
    PARAM_NAMES.put("max_batch_size", "maxBatchSize");
    PARAM_NAMES.put("minimum_segment_size", "minimumSegmentSize");
    PARAM_NAMES.put("max_workspace_size_bytes", "maxWorkspaceSizeBytes");
    PARAM_NAMES.put("use_calibration", "useCalibration");
    PARAM_NAMES.put("maximum_cached_engines", "maximumCachedEngines");
    PARAM_NAMES.put("is_dynamic_op", "isDynamicOp");
    PARAM_NAMES.put("allow_build_at_runtime", "allowBuildAtRuntime");
    PARAM_NAMES.put("op_denylist", "opDenylist");
    PARAM_NAMES.put("max_engines", "maxEngines");
  }

  static final String PARAMS_USAGE = "usage: %%tftrt_params, then one parameter per line, TF-TRT's defaults for the"
      + " rest:\n  precision_mode = FP16\n  max_batch_size = 8\n  minimum_segment_size = 3\n"
      + "  max_workspace_size_bytes = 1073741824\n  use_calibration = true\n  maximum_cached_engines = 1\n"
      + "  is_dynamic_op = true\n  allow_build_at_runtime = true\n  op_denylist = Erf, Sqrt\n  max_engines = 4\n"
      + "(the Java names, like maxBatchSize, work too; # starts a comment; or give the JSON of"
      + " TrtConversionParams.toJson())";

  /** Sets the session's conversion parameters from the cell body; later {@code %tftrt_convert}s start from them. */
  @CellMagic("tftrt_params")
  public TrtConversionParams tftrtParams(List<String> args, String body) {
    if (!args.isEmpty()) {
      throw new MagicUsageException("%%tftrt_params takes no arguments on its line\n" + PARAMS_USAGE);
    }
    try {
      params = TrtConversionParams.fromJson(body.strip().startsWith("{") ? body : paramsJson(body));
    } catch (TftrtException e) {
      throw new MagicUsageException(e.getMessage() + "\n" + PARAMS_USAGE);
    }
    return params;
  }

  /** {@code name = value} lines as the JSON TrtConversionParams reads (so its validation speaks). */
  private static String paramsJson(String body) {
    com.google.gson.JsonObject json = new com.google.gson.JsonObject();
    int lineNumber = 0;
    for (String raw : body.split("\n")) {
      lineNumber++;
      String line = raw.contains("#") ? raw.substring(0, raw.indexOf('#')) : raw;
      if (line.isBlank()) {
        continue;
      }
      int separator = line.indexOf('=') >= 0 ? line.indexOf('=') : line.indexOf(':');
      if (separator < 0) {
        throw new MagicUsageException("line " + lineNumber + " is not 'name = value': " + raw.strip() + "\n"
            + PARAMS_USAGE);
      }
      String name = line.substring(0, separator).strip();
      String value = line.substring(separator + 1).strip();
      String javaName = PARAM_NAMES.getOrDefault(name, name);
      if (javaName.equals("opDenylist")) {
        com.google.gson.JsonArray ops = new com.google.gson.JsonArray();
        for (String op : value.replace("[", "").replace("]", "").split(",")) {
          if (!op.isBlank()) {
            ops.add(op.strip().replace("\"", "").replace("'", ""));
          }
        }
        json.add(javaName, ops);
      } else if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
        json.addProperty(javaName, Boolean.parseBoolean(value.toLowerCase(Locale.ROOT)));
      } else if (value.matches("-?\\d+")) {
        json.addProperty(javaName, Long.parseLong(value));
      } else {
        json.addProperty(javaName, value.replace("\"", "").replace("'", ""));
      }
    }
    return json.toString();
  }

  // ---------------------------------------------------------------- %tftrt_convert

  @Command(name = "%tftrt_convert", description = "Plans the TF-TRT conversion of a SavedModel: which nodes go to"
      + " TensorRT engines, which stay in TensorFlow and why, and the expected fusions. Starts from the parameters"
      + " of %%tftrt_params (TF-TRT's defaults without it).")
  static final class ConvertOptions {
    @Parameters(index = "0", paramLabel = "<saved-model-dir>", description = "the SavedModel directory")
    String model;

    @Option(names = "--precision", paramLabel = "FP32|FP16|INT8", description = "precision_mode")
    String precision;

    @Option(names = "--max-batch-size", paramLabel = "N", description = "max_batch_size")
    Integer maxBatchSize;

    @Option(names = "--minimum-segment-size", paramLabel = "N", description = "minimum_segment_size")
    Integer minimumSegmentSize;

    @Option(names = "--max-workspace-size-bytes", paramLabel = "BYTES", description = "max_workspace_size_bytes")
    Long maxWorkspaceSizeBytes;

    @Option(names = "--use-calibration", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
        description = "use_calibration (INT8)")
    Boolean useCalibration;

    @Option(names = "--maximum-cached-engines", paramLabel = "N", description = "maximum_cached_engines")
    Integer maximumCachedEngines;

    @Option(names = "--dynamic-op", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
        description = "is_dynamic_op")
    Boolean dynamicOp;

    @Option(names = "--allow-build-at-runtime", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
        description = "allow_build_at_runtime")
    Boolean allowBuildAtRuntime;

    @Option(names = "--op-denylist", paramLabel = "OP,...", split = ",", description = "ops kept in TensorFlow")
    List<String> opDenylist;

    @Option(names = "--max-engines", paramLabel = "N", description = "at most this many engines (smallest dropped)")
    Integer maxEngines;

    @Option(names = "--output", paramLabel = "<dir>", description = "build the engines (where TensorRT is;"
        + " otherwise they are built when the model is loaded on a GPU) and save the converted model there")
    String output;

    @Option(names = "--build", description = "build the engines now where TensorRT is, at batch max_batch_size"
        + " (then %%tftrt_fusions shows what TensorRT fused)")
    boolean build;
  }

  /** Plans the conversion (see {@link ConvertOptions}); the converter is kept for the other magics. */
  @LineMagic("tftrt_convert")
  public TrtGraphConverterV2 tftrtConvert(List<String> args) {
    ConvertOptions options = parse(new ConvertOptions(), args);
    Path model = workingDirectory.resolve(options.model).normalize();
    if (!Files.isDirectory(model)) {
      throw new MagicUsageException("no SavedModel directory " + model + "\n" + usage(new ConvertOptions()));
    }
    TrtConversionParams converted;
    try {
      converted = override(params, options);
    } catch (TftrtException e) {
      throw new MagicUsageException(e.getMessage() + "\n" + usage(new ConvertOptions()));
    }
    Path output = options.output == null ? null : workingDirectory.resolve(options.output).normalize();
    boolean build = options.build || output != null;
    if (build && converted.precisionMode() == Precision.INT8 && converted.useCalibration()) {
      throw new MagicUsageException((output != null ? "--output" : "--build") + " with INT8 needs calibration"
          + " data, which %tftrt_convert cannot take: in a cell call converter.convert(calibrationBatches),"
          + " converter.build(null) and converter.save(dir), or set --use-calibration=false\n"
          + usage(new ConvertOptions()));
    }
    ProgressSink.Tracker tracker = progress.start("Converting " + model.getFileName(),
        1 + (build ? 1 : 0) + (output != null ? 1 : 0));
    TrtGraphConverterV2 opened = converters.open(model, converted);
    tracker.at(0, "freezing, optimizing and segmenting");
    opened.convert();
    converter = opened;
    if (build) {
      tracker.at(1, "building the engines (where TensorRT is)");
      // TensorRT's phases per segment in the bar; an interrupt of the cell cancels the build.
      opened.withProgress(new BuildListener() {
        @Override
        public void progress(String message) {
          tracker.at(1, "building the engines: " + message);
        }

        @Override
        public void idle() {
          tracker.idle();
        }
      });
      try {
        // The engines stay in the converter for save; their fusions are kept for %tftrt_fusions.
        opened.build(null).close();
      } finally {
        opened.withProgress(BuildListener.NONE);
      }
    }
    if (output != null) {
      tracker.at(2, "saving to " + output);
      opened.save(output);
    }
    tracker.finish();
    return opened;
  }

  private static TrtConversionParams override(TrtConversionParams base, ConvertOptions o) {
    TrtConversionParams.Builder b = base.toBuilder();
    if (o.precision != null) {
      b.precisionMode(Precision.parse(o.precision));
    }
    if (o.maxBatchSize != null) {
      b.maxBatchSize(o.maxBatchSize);
    }
    if (o.minimumSegmentSize != null) {
      b.minimumSegmentSize(o.minimumSegmentSize);
    }
    if (o.maxWorkspaceSizeBytes != null) {
      b.maxWorkspaceSizeBytes(o.maxWorkspaceSizeBytes);
    }
    if (o.useCalibration != null) {
      b.useCalibration(o.useCalibration);
    }
    if (o.maximumCachedEngines != null) {
      b.maximumCachedEngines(o.maximumCachedEngines);
    }
    if (o.dynamicOp != null) {
      b.isDynamicOp(o.dynamicOp);
    }
    if (o.allowBuildAtRuntime != null) {
      b.allowBuildAtRuntime(o.allowBuildAtRuntime);
    }
    if (o.opDenylist != null) {
      b.opDenylist(new java.util.TreeSet<>(o.opDenylist));
    }
    if (o.maxEngines != null) {
      b.maxEngines(o.maxEngines);
    }
    return b.build();
  }

  // ---------------------------------------------------------------- what the conversion planned

  /** TF-TRT's conversion report of the last {@code %tftrt_convert}. */
  @LineMagic("tftrt_summary")
  public ConversionSummary tftrtSummary(List<String> args) {
    requireNoArgs("tftrt_summary", args);
    return lastPlan("tftrt_summary").summary();
  }

  static final String SEGMENTS_USAGE = "usage: %tftrt_segments [--constants]   (after %tftrt_convert; --constants"
      + " draws the Const nodes too)";

  /** The graph of the last conversion, segments as coloured clusters, laid out by Graphviz. */
  @LineMagic("tftrt_segments")
  public Svg tftrtSegments(List<String> args) {
    boolean constants = args.equals(List.of("--constants"));
    if (!args.isEmpty() && !constants) {
      throw new MagicUsageException("unknown arguments " + String.join(" ", args) + "\n" + SEGMENTS_USAGE);
    }
    ConversionPlan plan = lastPlan("tftrt_segments");
    String svg = graphviz.get().svg(DotExport.toDot(plan, constants));
    return new Svg(svg, plan.segments().size() + " TensorRT segment(s) in a graph of "
        + plan.graph().nodes().size() + " nodes");
  }

  /**
   * What TensorRT fused in the last conversion's engines, compared with the preview, when they were built
   * ({@code %tftrt_convert --build}, or {@code converter.build(...)} in a cell); otherwise the preview, labelled so.
   */
  @LineMagic("tftrt_fusions")
  public FusionReport tftrtFusions(List<String> args) {
    requireNoArgs("tftrt_fusions", args);
    ConversionPlan plan = lastPlan("tftrt_fusions");
    return new FusionReport(plan.summary(), converter.fusions().orElse(null));
  }

  private ConversionPlan lastPlan(String magic) {
    if (converter == null) {
      throw new MagicUsageException("%" + magic + " shows the last conversion, and there is none yet: run"
          + " %tftrt_convert <saved-model-dir> first");
    }
    return converter.plan();
  }

  private static void requireNoArgs(String magic, List<String> args) {
    if (!args.isEmpty()) {
      throw new MagicUsageException("%" + magic + " takes no arguments, got " + String.join(" ", args)
          + "\nusage: %" + magic + "   (after %tftrt_convert)");
    }
  }

  // ---------------------------------------------------------------- %tftrt_bench

  @Command(name = "%tftrt_bench", description = "Throughput and latency of native TensorFlow and of TensorRT at"
      + " each precision, across batch sizes (TensorRT rows only where TensorRT is available), converted with the"
      + " session's %%tftrt_params (each row at its own precision, for batches up to the largest).")
  static final class BenchOptions {
    @Parameters(index = "0", paramLabel = "<saved-model-dir>", description = "the SavedModel directory")
    String model;

    @Option(names = "--precisions", paramLabel = "P,...", split = ",", defaultValue = "FP32,FP16",
        description = "TensorRT precisions to compare with native TensorFlow (default ${DEFAULT-VALUE}; none: "
            + "native only)")
    List<String> precisions;

    @Option(names = "--batch", paramLabel = "N,...", split = ",", defaultValue = "1,8,32",
        description = "batch sizes (default ${DEFAULT-VALUE})")
    List<Integer> batch;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "50", description = "timed runs per repeat")
    int iterations;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "10", description = "untimed runs first")
    int warmup;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "timed repeats")
    int repeats;

    @Option(names = "--bind", description = "TensorRT rows bind each batch to the GPU once and time runs on it "
        + "(ConvertedModel.bind), instead of copying Java arrays in and out on every run")
    boolean bind;
  }

  /** Runs the comparison with live progress; the result shows as a table and a throughput chart. */
  @LineMagic("tftrt_bench")
  public ComparisonResult tftrtBench(List<String> args) {
    BenchOptions options = parse(new BenchOptions(), args);
    Path model = workingDirectory.resolve(options.model).normalize();
    if (!Files.isDirectory(model)) {
      throw new MagicUsageException("no SavedModel directory " + model + "\n" + usage(new BenchOptions()));
    }
    Comparison comparison;
    List<Precision> precisions = new ArrayList<>();
    ProgressSink.Tracker tracker = progress.start("Benchmarking " + model.getFileName(), 1000);
    try {
      for (String p : options.precisions) {
        if (!p.equalsIgnoreCase("none")) {
          precisions.add(Precision.parse(p));
        }
      }
      Benchmark benchmark = Benchmark.builder().batchSizes(options.batch).iterations(options.iterations)
          .warmupIterations(options.warmup).repeats(options.repeats).build();
      int targets = precisions.size() + 1;
      int[] finished = {0};
      String[] current = {""};
      comparison = comparisons.get().benchmark(benchmark).precisions(precisions).conversionParams(params)
          .bindInputs(options.bind).progress(p -> {
            if (!p.target().equals(current[0])) {
              finished[0] += current[0].isEmpty() ? 0 : 1;
              current[0] = p.target();
            }
            tracker.at(Math.round(1000 * (finished[0] + p.fraction()) / targets), p.message());
          }).build();
    } catch (TftrtException e) {
      throw new MagicUsageException(e.getMessage() + "\n" + usage(new BenchOptions()));
    }
    ComparisonResult result = comparison.run(model);
    tracker.finish();
    return result;
  }

  // ---------------------------------------------------------------- arguments

  private static <T> T parse(T options, List<String> args) {
    CommandLine line = commandLine(options);
    try {
      line.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new MagicUsageException(e.getMessage() + "\n" + line.getUsageMessage(CommandLine.Help.Ansi.OFF));
    }
    return options;
  }

  private static String usage(Object options) {
    return commandLine(options).getUsageMessage(CommandLine.Help.Ansi.OFF);
  }

  private static CommandLine commandLine(Object options) {
    return new CommandLine(options).setCaseInsensitiveEnumValuesAllowed(true);
  }
}
