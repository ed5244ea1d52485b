package dev.tftrt.cli;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.bench.Benchmark;
import dev.tftrt.bench.BenchmarkCharts;
import dev.tftrt.bench.Comparison;
import dev.tftrt.bench.ComparisonResult;
import dev.tftrt.bench.InputSource;
import dev.tftrt.data.FashionMnist;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.data.Mnist;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tftrt bench <saved_model_dir>}: native TensorFlow against TensorRT at each precision across batch sizes,
 * printed as a table; optionally CSV, JSON and charts.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Benchmark a SavedModel: native TensorFlow and TF-TRT at each precision, across batch sizes "
        + "(throughput, latency percentiles, speed-up; accuracy with --accuracy-data).",
        "Without a GPU only native TensorFlow is measured, and the output says why TensorRT was not available."})
public final class BenchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "<saved_model_dir>", description = "SavedModel (serve / serving_default)")
  Path model;

  @Option(names = "--precisions", split = ",", paramLabel = "P", defaultValue = "FP32,FP16,INT8",
      description = "TensorRT precisions to compare with native TensorFlow (default: ${DEFAULT-VALUE}); "
          + "'none' for native alone")
  List<String> precisions;

  @Option(names = "--batch", split = ",", paramLabel = "N", defaultValue = "1,8,32,128",
      description = "batch sizes (default: ${DEFAULT-VALUE})")
  List<Integer> batchSizes;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "10",
      description = "untimed runs before each batch size (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--iterations", paramLabel = "N", defaultValue = "100",
      description = "timed runs per repeat (default: ${DEFAULT-VALUE})")
  int iterations;

  @Option(names = "--duration", paramLabel = "SECONDS",
      description = "time each repeat for this long instead of a number of runs")
  Double durationSeconds;

  @Option(names = "--repeats", paramLabel = "N", defaultValue = "3",
      description = "timed repeats per batch size, for the spread (default: ${DEFAULT-VALUE})")
  int repeats;

  @Option(names = "--seed", defaultValue = "42", description = "seed of the random input (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--calibration-data", paramLabel = "DIR",
      description = "IDX images for INT8 calibration: a Fashion-MNIST directory (train-images-idx3-ubyte.gz ...) "
          + "or one with mnist10k-images-idx3-ubyte.gz; 'fashion-mnist' for " + "/usr/share/datasets/fashion-mnist")
  String calibrationData;

  @Option(names = "--calibration-images", paramLabel = "N", defaultValue = "500",
      description = "images drawn (shuffled, --seed) for INT8 calibration (default: ${DEFAULT-VALUE})")
  int calibrationImages;

  @Option(names = "--accuracy-data", paramLabel = "DIR",
      description = "labelled IDX test images (same layouts as --calibration-data) for top-1, agreement with "
          + "native TensorFlow and output errors")
  String accuracyData;

  @Option(names = "--csv", paramLabel = "FILE", description = "write the table as CSV")
  Path csv;

  @Mixin
  EngineSpeedOptions speed;

  @Option(names = "--bind", description = "TensorRT rows bind each batch to the GPU once and time runs on it, as a "
      + "caller whose data is already there; by default every run copies Java arrays in and out, which at large "
      + "batches measures the copies more than TensorRT")
  boolean bind;

  @Option(names = "--json", paramLabel = "FILE", description = "write the table, environment and notes as JSON")
  Path json;

  @Option(names = "--chart", paramLabel = "FILE",
      description = "write the throughput chart (.png or .svg); latency and speed-up charts go beside it as "
          + "<name>-latency and <name>-speedup")
  Path chart;

  @Override
  public Integer call() {
    List<Precision> asked = precisions.size() == 1 && precisions.get(0).equalsIgnoreCase("none") ? List.of()
        : precisions.stream().map(Precision::parse).distinct().toList();
    Benchmark.Builder b = Benchmark.builder().batchSizes(batchSizes).warmupIterations(warmup).repeats(repeats)
        .input(InputSource.random(seed));
    if (durationSeconds != null) {
      b.duration(Duration.ofNanos(Math.round(durationSeconds * 1e9)));
    } else {
      b.iterations(iterations);
    }
    if (chart != null) {
      chartName(chart, "");
    }
    boolean terminal = System.console() != null;
    Comparison.Builder c = Comparison.builder().benchmark(b.build()).precisions(asked)
        .conversionParams(speed.applyTo(TrtConversionParams.builder()).build())
        .bindInputs(bind)
        .progress(new ProgressLine(System.err, terminal));
    if (calibrationData != null) {
      if (calibrationImages < 1) {
        throw new TftrtException("--calibration-images must be >= 1, got " + calibrationImages);
      }
      c.calibration(dataset(calibrationData, "train").shuffled(seed).first(calibrationImages));
    }
    if (accuracyData != null) {
      c.accuracy(dataset(accuracyData, "t10k"), Path.of(accuracyData).getFileName().toString());
    }
    ComparisonResult result = c.build().run(model);
    if (terminal) {
      System.err.println(); // ends the status line
    }
    System.out.println(result.environment().describe());
    System.out.println();
    System.out.print(result.format());
    if (csv != null) {
      result.writeCsv(csv);
      System.out.println("wrote " + csv);
    }
    if (json != null) {
      result.writeJson(json);
      System.out.println("wrote " + json);
    }
    if (chart != null) {
      var table = result.table();
      BenchmarkCharts.save(BenchmarkCharts.throughput(table), chart);
      BenchmarkCharts.save(BenchmarkCharts.latencyPercentiles(table), chartName(chart, "-latency"));
      BenchmarkCharts.save(BenchmarkCharts.speedup(table), chartName(chart, "-speedup"));
      System.out.println("wrote " + chart + ", " + chartName(chart, "-latency") + ", "
          + chartName(chart, "-speedup"));
    }
    return 0;
  }

  /** {@code out.png} with {@code suffix} before the extension; refuses extensions other than png and svg. */
  private static Path chartName(Path chart, String suffix) {
    String name = chart.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot).toLowerCase(Locale.ROOT);
    if (!ext.equals(".png") && !ext.equals(".svg")) {
      throw new TftrtException("--chart " + chart + " must end in .png or .svg");
    }
    return chart.resolveSibling(name.substring(0, dot) + suffix + name.substring(dot));
  }

  /** Fashion-MNIST ({@code <split>-images-idx3-ubyte.gz}) or MNIST first-10k files in {@code dir}. */
  static IdxDataset dataset(String dir, String split) {
    Path path = dir.equalsIgnoreCase("fashion-mnist") ? FashionMnist.DEFAULT_DIR : Path.of(dir);
    if (Files.isRegularFile(path.resolve("mnist10k-images-idx3-ubyte.gz"))) {
      return Mnist.first10k(path);
    }
    if (FashionMnist.isInstalled(path)) {
      return split.equals("train") ? FashionMnist.train(path) : FashionMnist.test(path);
    }
    throw new TftrtException(path + " holds no IDX dataset; give a directory with train- and "
        + "t10k-images-idx3-ubyte.gz and their labels (Fashion-MNIST layout), or with mnist10k-images-idx3-ubyte.gz "
        + "and mnist10k-labels-idx1-ubyte.gz");
  }

  /**
   * Progress on one status line rewritten in place on a terminal; elsewhere (a log file, a CI job, a notebook's
   * shell) one line per message, which carriage returns would run together.
   */
  private static final class ProgressLine implements dev.tftrt.bench.Progress.Listener {
    private final PrintStream out;
    private final boolean terminal;
    private String last = "";

    ProgressLine(PrintStream out, boolean terminal) {
      this.out = out;
      this.terminal = terminal;
    }

    @Override
    public void progress(dev.tftrt.bench.Progress p) {
      String line = p.message();
      if (!line.equals(last)) {
        if (terminal) {
          out.print("\r" + line + " ".repeat(Math.max(0, last.length() - line.length())));
          out.flush();
        } else {
          out.println(line);
        }
        last = line;
      }
    }
  }
}
