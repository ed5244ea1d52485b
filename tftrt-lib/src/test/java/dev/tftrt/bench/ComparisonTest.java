package dev.tftrt.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.data.Mnist;
import dev.tftrt.engine.Availability;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.w3c.dom.Document;
import tech.tablesaw.api.Table;

class ComparisonTest {
  static final Path MODELS = Path.of("src/test/resources/models");
  static final Availability NO_GPU = Availability.unavailable("no CUDA device in this test");
  @TempDir static Path dir;
  static ComparisonResult mlpOnCpu;

  @BeforeAll
  static void compareOnTheCpu() {
    IdxDataset digits = Mnist.first10k(Path.of("src/test/resources/datasets/mnist10k")).shuffled(2).first(200);
    mlpOnCpu = Comparison.builder()
        .benchmark(Benchmark.builder().batchSizes(1, 16).warmupIterations(1).iterations(3).repeats(2).build())
        .precisions(Precision.FP32, Precision.FP16)
        .accuracy(digits, "MNIST")
        .tensorRt(NO_GPU, (model, params, calibration, bind) -> {
          throw new AssertionError("nothing is converted without TensorRT");
        })
        .build().run(MODELS.resolve("kotlindl_mnist_mlp_tf2"));
  }

  @Test
  void withoutTensorRtOnlyNativeRowsAreMeasuredAndTheResultSaysWhy() {
    assertFalse(mlpOnCpu.hasTensorRtRows());
    assertEquals("TensorRT not available: no CUDA device in this test", mlpOnCpu.tensorRtNote().orElseThrow());
    Table t = mlpOnCpu.table();
    assertEquals(ComparisonResult.COLUMNS, t.columnNames());
    assertEquals(2, t.rowCount());
    assertEquals(List.of("native TensorFlow", "native TensorFlow"), t.stringColumn("target").asList());
    assertEquals(List.of(1, 16), t.intColumn("batch").asList());
    assertEquals(List.of(6, 6), t.intColumn("iterations").asList(), "2 repeats x 3 iterations");
    assertEquals(List.of(1.0, 1.0), t.doubleColumn("speedup_vs_native").asList());
    assertTrue(t.doubleColumn("images_per_s").min() > 0);
    assertTrue(t.doubleColumn("top1").getDouble(0) > 0.85, "the MLP's accuracy sits beside its speed");
    assertTrue(t.doubleColumn("device_ms_mean").isMissing(0), "no device timing on the CPU");
    assertTrue(mlpOnCpu.format().contains("TensorRT not available: no CUDA device in this test"));
    assertEquals(List.of("FP32", "FP16"), mlpOnCpu.settings().precisions());
    assertFalse(mlpOnCpu.environment().cpuModel().isBlank());
  }

  /**
   * Every TensorRT row converts with the comparison's conversion parameters at its own precision, for batches up to
   * the largest measured; FP32 with TF32 says so in its name. The factory is told TensorRT is there; on this CPU
   * the converted segments run in TensorFlow, which is enough to follow the parameters.
   */
  @Test
  void eachTensorRtRowConvertsWithTheComparisonsParamsAtItsPrecision() {
    Availability fakeGpu = new Availability(true, "", "a GPU the factory is told of", "9.0", "13.0", "12.3", "8.6.1");
    List<TrtConversionParams> asked = new ArrayList<>();
    ComparisonResult r = Comparison.builder()
        .benchmark(Benchmark.builder().batchSizes(1, 4).warmupIterations(1).iterations(2).repeats(1).build())
        .precisions(Precision.FP32, Precision.FP16)
        .conversionParams(TrtConversionParams.builder().allowTf32(true).builderOptimizationLevel(1).build())
        .tensorRt(fakeGpu, (model, params, calibration, bind) -> {
          asked.add(params);
          return ConvertedTargets.create(model, params, calibration, bind);
        })
        .build().run(MODELS.resolve("kotlindl_mnist_mlp_tf2"));
    assertEquals(List.of(Precision.FP32, Precision.FP16), asked.stream().map(TrtConversionParams::precisionMode)
        .toList());
    asked.forEach(p -> {
      assertEquals(4, p.maxBatchSize(), "the largest batch measured");
      assertTrue(p.allowTf32());
      assertEquals(1, p.builderOptimizationLevel());
    });
    List<String> targets = r.table().stringColumn("target").unique().asList();
    assertEquals(3, targets.size(), targets.toString());
    assertTrue(targets.get(1).startsWith("TF-TRT FP32+TF32 ("), targets.toString());
    assertTrue(targets.get(2).startsWith("TF-TRT FP16 ("), targets.toString());
  }

  /**
   * With bindInputs the TensorRT rows run on batches bound once ({@code ConvertedModel.bind}) and say so; their
   * outputs still reach the accuracy check (on this CPU the binding runs in TensorFlow, so they agree fully).
   */
  @Test
  void boundRowsSayTheirInputsStayOnTheGpuAndKeepTheirAccuracy() {
    Availability fakeGpu = new Availability(true, "", "a GPU the factory is told of", "9.0", "13.0", "12.3", "8.6.1");
    IdxDataset digits = Mnist.first10k(Path.of("src/test/resources/datasets/mnist10k")).first(64);
    List<Boolean> bound = new ArrayList<>();
    ComparisonResult r = Comparison.builder()
        .benchmark(Benchmark.builder().batchSizes(1, 8).warmupIterations(1).iterations(2).repeats(1).build())
        .precisions(Precision.FP16)
        .bindInputs(true)
        .accuracy(digits, "MNIST")
        .tensorRt(fakeGpu, (model, params, calibration, bind) -> {
          bound.add(bind);
          return ConvertedTargets.create(model, params, calibration, bind);
        })
        .build().run(MODELS.resolve("kotlindl_mnist_mlp_tf2"));
    assertEquals(List.of(true), bound);
    Table t = r.table();
    String name = t.stringColumn("target").getString(2);
    assertTrue(name.startsWith("TF-TRT FP16 (") && name.endsWith(", inputs on the GPU"), name);
    assertEquals(1.0, t.doubleColumn("agreement_with_native").getDouble(2), name);
    assertTrue(t.doubleColumn("images_per_s").getDouble(2) > 0);
  }

  @Test
  void csvHasTheColumnsAndOneLinePerRowWithMissingValuesEmpty() throws IOException {
    Path csv = dir.resolve("out/bench.csv");
    mlpOnCpu.writeCsv(csv);
    List<String> lines = Files.readAllLines(csv);
    assertEquals(3, lines.size());
    assertEquals(String.join(",", ComparisonResult.COLUMNS), lines.get(0));
    String[] cells = lines.get(1).split(",", -1);
    assertEquals(ComparisonResult.COLUMNS.size(), cells.length);
    assertEquals("native TensorFlow", cells[0]);
    assertEquals("", cells[ComparisonResult.COLUMNS.indexOf("device_ms_mean")]);
    assertEquals("", cells[ComparisonResult.COLUMNS.indexOf("agreement_with_native")]);
    assertTrue(Files.list(csv.getParent()).allMatch(p -> p.equals(csv)), "no temporary file is left");
  }

  @Test
  void jsonHoldsEnvironmentSettingsNotesRowsAndRepeats() throws IOException {
    Path file = dir.resolve("bench.json");
    mlpOnCpu.writeJson(file);
    JsonObject root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    assertEquals(false, root.get("tensorrt_rows").getAsBoolean());
    assertEquals("TensorRT not available: no CUDA device in this test",
        root.getAsJsonArray("notes").get(0).getAsString());
    JsonObject env = root.getAsJsonObject("environment");
    assertFalse(env.get("tensorFlowVersion").getAsString().isBlank());
    assertEquals(false, env.getAsJsonObject("tensorRt").get("available").getAsBoolean());
    JsonArray rows = root.getAsJsonArray("rows");
    assertEquals(2, rows.size());
    JsonObject row = rows.get(1).getAsJsonObject();
    assertEquals(ComparisonResult.COLUMNS, List.copyOf(row.keySet()));
    assertEquals(16, row.get("batch").getAsInt());
    assertTrue(row.get("device_ms_mean").isJsonNull());
    assertEquals(2, root.getAsJsonArray("repeats").get(0).getAsJsonObject().getAsJsonArray("images_per_s").size());
    assertEquals(List.of(1, 16), List.of(root.getAsJsonObject("settings").getAsJsonArray("batchSizes").get(0)
        .getAsInt(), root.getAsJsonObject("settings").getAsJsonArray("batchSizes").get(1).getAsInt()));
  }

  @Test
  void speedupDividesEachTargetsThroughputByNativeAtTheSameBatch() {
    ComparisonResult r = handMade();
    Table t = r.table();
    assertEquals(4, t.rowCount());
    assertEquals(List.of(1.0, 1.0, 3.0, 2.5), t.doubleColumn("speedup_vs_native").asList());
    assertEquals(0.97, t.doubleColumn("agreement_with_native").getDouble(2));
    assertTrue(r.hasTensorRtRows());
    assertTrue(r.tensorRtNote().isEmpty());
    String text = r.format();
    assertTrue(text.contains("GPU ms"), "device timing is shown when a target has it:\n" + text);
    assertTrue(text.contains("3.00x"), text);
  }

  @Test
  void chartsAreWrittenAsPngAndAsValidSvg() throws Exception {
    Table t = handMade().table();
    CategoryChart throughput = BenchmarkCharts.throughput(t);
    assertEquals(List.of("native TensorFlow", "TF-TRT FP16"), List.copyOf(throughput.getSeriesMap().keySet()));
    assertEquals(List.of("p50", "p90", "p99"),
        List.copyOf(BenchmarkCharts.latencyPercentiles(t).getSeriesMap().keySet()));
    for (CategoryChart chart : List.of(throughput, BenchmarkCharts.latencyPercentiles(t),
        BenchmarkCharts.speedup(t))) {
      Path png = dir.resolve(chart.getTitle().hashCode() + ".png");
      BenchmarkCharts.save(chart, png);
      byte[] bytes = Files.readAllBytes(png);
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
          java.util.Arrays.copyOf(bytes, 8));
      Path svg = dir.resolve(chart.getTitle().hashCode() + ".svg");
      BenchmarkCharts.save(chart, svg);
      byte[] svgBytes = Files.readAllBytes(svg);
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(svgBytes));
      assertEquals("svg", doc.getDocumentElement().getTagName());
      int elements = doc.getElementsByTagName("*").getLength();
      assertTrue(elements > 30, "axes, bars and glyphs are drawn: " + elements + " elements");
      assertTrue(new String(svgBytes, StandardCharsets.UTF_8).contains("<svg"));
    }
    TftrtException e = assertThrows(TftrtException.class,
        () -> BenchmarkCharts.save(throughput, dir.resolve("chart.gif")));
    assertTrue(e.getMessage().contains(".png or .svg"));
  }

  @Test
  void aJavaWithoutFontSupportGetsOneMessageSayingWhatToInstallAndNoChartFile() {
    // What a JRE without libharfbuzz throws from the first text measurement while painting (seen on a GPU host).
    CategoryChart chart = new CategoryChart(400, 300) {
      @Override
      public void paint(java.awt.Graphics2D g, int width, int height) {
        throw new UnsatisfiedLinkError("/jre/lib/libfontmanager.so: libharfbuzz.so.0: cannot open shared object file");
      }
    };
    for (String name : List.of("no-fonts.png", "no-fonts.svg")) {
      TftrtException e = assertThrows(TftrtException.class, () -> BenchmarkCharts.save(chart, dir.resolve(name)));
      assertTrue(e.getMessage().startsWith("the chart could not be drawn: this Java has no working font support "
          + "(UnsatisfiedLinkError: /jre/lib/libfontmanager.so: libharfbuzz.so.0"), e.getMessage());
      assertTrue(e.getMessage().contains("apt-get install libharfbuzz0b libfreetype6 fontconfig"), e.getMessage());
      assertFalse(Files.exists(dir.resolve(name)), name);
    }
    IllegalStateException other = new IllegalStateException("not about fonts");
    assertSame(other, assertThrows(IllegalStateException.class, () -> BenchmarkCharts.draw(() -> {
      throw other;
    })));
  }

  /** Two targets at batch 1 and 8 with round numbers, to check arithmetic (not a measurement). */
  static ComparisonResult handMade() {
    BenchmarkResult nativeTf = new BenchmarkResult("native TensorFlow", "native", "random (seed 1)", "1 iterations",
        "2 iterations", List.of(batch(1, 100, 10, null), batch(8, 400, 20, null)));
    BenchmarkResult fp16 = new BenchmarkResult("TF-TRT FP16", "FP16", "random (seed 1)", "1 iterations",
        "2 iterations", List.of(batch(1, 300, 3, 2.5), batch(8, 1000, 8, 7.0)));
    return new ComparisonResult("/models/m", Environment.capture(NO_GPU),
        new ComparisonResult.Settings(List.of(1, 8), List.of("FP16"), "1 iterations", "2 iterations", 1,
            "random (seed 1)", "MNIST", ""),
        List.of(), List.of(nativeTf, fp16),
        Map.of("native TensorFlow", new Accuracy.Result("native TensorFlow", "MNIST", 10, 0.9, Double.NaN,
            Double.NaN, Double.NaN), "TF-TRT FP16", new Accuracy.Result("TF-TRT FP16", "MNIST", 10, 0.9, 0.97,
            0.01, 0.001)));
  }

  private static BenchmarkResult.BatchResult batch(int size, double imagesPerSecond, double latencyMs,
      Double deviceMs) {
    Statistics.Latency l = Statistics.Latency.ofMillis(new double[] {latencyMs, latencyMs});
    return new BenchmarkResult.BatchResult(size, 1, List.of(new BenchmarkResult.Repeat(2, 2 * size
        / imagesPerSecond, imagesPerSecond)), Statistics.Spread.of(new double[] {imagesPerSecond}), l,
        deviceMs == null ? null : Statistics.Latency.ofMillis(new double[] {deviceMs, deviceMs}));
  }
}
