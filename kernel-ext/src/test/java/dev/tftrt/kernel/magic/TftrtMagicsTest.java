package dev.tftrt.kernel.magic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.bench.Comparison;
import dev.tftrt.bench.ComparisonResult;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.RecordingTensorRtBackend;
import dev.tftrt.figures.Graphviz;
import dev.tftrt.runtime.ConvertedModelFiles;
import dev.tftrt.runtime.FusionComparison;
import dev.tftrt.runtime.FusionReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TftrtMagicsTest {
  static final Path MODELS = Path.of("../tftrt-lib/src/test/resources/models").toAbsolutePath().normalize();

  private final List<String> progress = new ArrayList<>();
  private final List<Path> opened = new ArrayList<>();

  private final ProgressSink sink = (title, total) -> new ProgressSink.Tracker() {
    @Override
    public void at(long done, String message) {
      progress.add(title + " " + done + "/" + total + " " + message);
    }

    @Override
    public void finish() {
      progress.add(title + " finished");
    }
  };

  /** No TensorRT on this machine as far as the comparison knows: native rows only, with the reason. */
  private final TftrtMagics magics = new TftrtMagics((dir, params) -> {
    opened.add(dir);
    throw new TftrtException("converter not available in this test");
  }, () -> Comparison.builder().tensorRt(Availability.unavailable("no GPU in unit tests"),
      (model, params, calibration, bind) -> {
        throw new AssertionError("TensorRT rows must not be built without TensorRT");
      }), Graphviz::find, sink, MODELS);

  @Test
  void paramsCellTakesTfTrtNamesAndSetsTheSessionDefaults() {
    TrtConversionParams params = magics.tftrtParams(List.of(),
        "precision_mode = FP16   # half precision\nmax_batch_size: 8\nminimumSegmentSize = 3\n"
            + "op_denylist = [Erf, Sqrt]\nis_dynamic_op = false\n");
    assertEquals(Precision.FP16, params.precisionMode());
    assertEquals(8, params.maxBatchSize());
    assertEquals(3, params.minimumSegmentSize());
    assertEquals(Set.of("Erf", "Sqrt"), params.opDenylist());
    assertFalse(params.isDynamicOp());
    assertEquals(params, magics.params());
    assertEquals(TrtConversionParams.defaults().maxWorkspaceSizeBytes(), params.maxWorkspaceSizeBytes());
  }

  @Test
  void paramsCellAcceptsJson() {
    String json = TrtConversionParams.defaults().toBuilder().maxBatchSize(4).build().toJson();
    assertEquals(4, magics.tftrtParams(List.of(), json).maxBatchSize());
  }

  @Test
  void badParamNamesTheProblemAndPrintsUsage() {
    MagicUsageException unknown = assertThrows(MagicUsageException.class,
        () -> magics.tftrtParams(List.of(), "max_batch = 8"));
    assertTrue(unknown.getMessage().startsWith("unknown conversion parameter 'max_batch'"), unknown.getMessage());
    assertTrue(unknown.getMessage().contains(TftrtMagics.PARAMS_USAGE));
    MagicUsageException precision = assertThrows(MagicUsageException.class,
        () -> magics.tftrtParams(List.of(), "precision_mode = FP64"));
    assertTrue(precision.getMessage().contains("FP64"), precision.getMessage());
    MagicUsageException notAssignment = assertThrows(MagicUsageException.class,
        () -> magics.tftrtParams(List.of(), "FP16"));
    assertTrue(notAssignment.getMessage().startsWith("line 1 is not 'name = value': FP16"));
    assertEquals(TrtConversionParams.defaults(), magics.params(), "a failed cell keeps the previous parameters");
  }

  @Test
  void convertArgumentErrorsPrintUsage() {
    MagicUsageException missing = assertThrows(MagicUsageException.class, () -> magics.tftrtConvert(List.of()));
    assertTrue(missing.getMessage().startsWith("Missing required parameter: '<saved-model-dir>'"),
        missing.getMessage());
    assertTrue(missing.getMessage().contains("Usage: %tftrt_convert"), missing.getMessage());
    assertTrue(missing.getMessage().contains("--max-batch-size=N"), missing.getMessage());

    MagicUsageException notANumber = assertThrows(MagicUsageException.class,
        () -> magics.tftrtConvert(List.of("kotlindl_mnist_mlp_tf2", "--max-batch-size", "eight")));
    assertTrue(notANumber.getMessage().contains("'eight' is not an int"), notANumber.getMessage());

    MagicUsageException noDir = assertThrows(MagicUsageException.class,
        () -> magics.tftrtConvert(List.of("no_such_model")));
    assertTrue(noDir.getMessage().startsWith("no SavedModel directory " + MODELS.resolve("no_such_model")));

    MagicUsageException badValue = assertThrows(MagicUsageException.class,
        () -> magics.tftrtConvert(List.of("kotlindl_mnist_mlp_tf2", "--max-batch-size", "0")));
    assertTrue(badValue.getMessage().toLowerCase().contains("maxbatchsize")
        || badValue.getMessage().contains("max_batch_size"), badValue.getMessage());
    assertTrue(opened.isEmpty(), "nothing opened for bad arguments");
  }

  @Test
  void convertHandsTheModelAndParametersToTheConverter() {
    TftrtException e = assertThrows(TftrtException.class,
        () -> magics.tftrtConvert(List.of("kotlindl_mnist_mlp_tf2", "--precision", "fp16")));
    assertEquals("converter not available in this test", e.getMessage());
    assertEquals(List.of(MODELS.resolve("kotlindl_mnist_mlp_tf2")), opened);
  }

  /** The magics as the kernel wires them: the real converter. */
  private TftrtMagics realConverter() {
    return new TftrtMagics(TrtGraphConverterV2::new, Comparison::builder, Graphviz::find, sink, MODELS);
  }

  @Test
  void convertPlansARealModelAndTheViewsShowThatPlan() {
    TftrtMagics real = realConverter();
    TrtGraphConverterV2 c = real.tftrtConvert(List.of("mlperf_tiny_kws_dscnn_tf2", "--minimum-segment-size", "5"));
    assertEquals(5, c.plan().params().minimumSegmentSize());
    assertEquals(c.plan().summary().toText(), real.tftrtSummary(List.of()).toText());
    assertEquals("Converting mlperf_tiny_kws_dscnn_tf2 finished", progress.get(progress.size() - 1));
  }

  @Test
  void convertWithOutputSavesTheConvertedModelAndLeavesTheSavedModelAlone(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("mlp");
    copy(MODELS.resolve("kotlindl_mnist_mlp_tf2"), model);
    Map<String, Long> before = sizes(model);
    TftrtMagics real = new TftrtMagics(TrtGraphConverterV2::new, Comparison::builder, Graphviz::find, sink, dir);
    real.tftrtConvert(List.of("mlp", "--output", "mlp-trt"));
    assertTrue(Files.isRegularFile(dir.resolve("mlp-trt").resolve(ConvertedModelFiles.MANIFEST)));
    assertTrue(progress.contains("Converting mlp 1/3 building the engines (where TensorRT is)"), progress.toString());
    assertTrue(progress.contains("Converting mlp 2/3 saving to " + dir.resolve("mlp-trt")), progress.toString());
    assertEquals(before, sizes(model), "the SavedModel is not written to");

    TftrtException inside = assertThrows(TftrtException.class,
        () -> real.tftrtConvert(List.of("mlp", "--output", "mlp/variables/trt")));
    assertTrue(inside.getMessage().contains("mlp"), inside.getMessage());
    assertEquals(before, sizes(model), "the SavedModel is not written to");
  }

  /** The magics with the real converter building on the recording backend (every network layer one engine layer). */
  static TftrtMagics recordingConverter(ProgressSink sink) {
    return new TftrtMagics((dir, params) -> new TrtGraphConverterV2(dir, params)
        .withBackend(new RecordingTensorRtBackend(RecordingNetworkBuilder::new)), Comparison::builder,
        Graphviz::find, sink, MODELS);
  }

  @Test
  void fusionsShowThePreviewUntilTheEnginesAreBuiltThenWhatTheyFused() {
    TftrtMagics m = recordingConverter(sink);
    m.tftrtConvert(List.of("mlperf_tiny_kws_dscnn_tf2"));
    FusionReport preview = m.tftrtFusions(List.of());
    assertFalse(preview.isBuilt());
    assertTrue(preview.comparison().isEmpty());
    assertTrue(preview.toString().startsWith("Expected fusions (preview: no engine built yet)"), preview.toString());
    assertFalse(preview.summary().verticalFusions().isEmpty(), "the DS-CNN has conv+batch norm+relu chains");
    assertEquals(preview.summary().verticalFusions().size() + preview.summary().horizontalFusions().size(),
        preview.table().rowCount());

    m.tftrtConvert(List.of("mlperf_tiny_kws_dscnn_tf2", "--build"));
    assertTrue(progress.contains("Converting mlperf_tiny_kws_dscnn_tf2 1/2 building the engines (where TensorRT"
        + " is)"), progress.toString());
    assertTrue(progress.stream().anyMatch(p -> p.startsWith("Converting mlperf_tiny_kws_dscnn_tf2 1/2 building the"
        + " engines: segment 1/")), "the segments' builds show in the bar: " + progress);
    FusionReport built = m.tftrtFusions(List.of());
    assertTrue(built.isBuilt());
    assertFalse(built.built().layers().isEmpty());
    assertEquals(built.built().layers().size(), built.table().rowCount());
    FusionComparison c = built.comparison().orElseThrow();
    assertEquals(preview.summary().verticalFusions().size() + preview.summary().horizontalFusions().size(),
        c.expected().size());
    assertEquals(c.expected().size(), c.count(FusionComparison.Outcome.NOT_FUSED),
        "the recording backend keeps every layer: nothing is fused");
    assertTrue(built.toString().startsWith("What TensorRT fused: "), built.toString());
  }

  @Test
  void buildRefusesInt8ThatNeedsCalibrationData() {
    MagicUsageException e = assertThrows(MagicUsageException.class, () -> realConverter().tftrtConvert(
        List.of("kotlindl_mnist_mlp_tf2", "--precision", "INT8", "--build")));
    assertTrue(e.getMessage().startsWith("--build with INT8 needs calibration data"), e.getMessage());
  }

  @Test
  void convertWithOutputRefusesInt8ThatNeedsCalibrationData() {
    MagicUsageException e = assertThrows(MagicUsageException.class, () -> realConverter().tftrtConvert(
        List.of("kotlindl_mnist_mlp_tf2", "--precision", "INT8", "--output", "out")));
    assertTrue(e.getMessage().startsWith("--output with INT8 needs calibration data"), e.getMessage());
    assertTrue(e.getMessage().contains("converter.convert(calibrationBatches)"), e.getMessage());
  }

  private static void copy(Path from, Path to) throws java.io.IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private static Map<String, Long> sizes(Path root) throws java.io.IOException {
    Map<String, Long> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        out.put(root.relativize(p) + " " + Files.getLastModifiedTime(p), Files.size(p));
      }
    }
    return out;
  }

  @Test
  void viewsBeforeAnyConversionSayWhatToRunFirst() {
    MagicUsageException e = assertThrows(MagicUsageException.class, () -> magics.tftrtSummary(List.of()));
    assertEquals("%tftrt_summary shows the last conversion, and there is none yet: run"
        + " %tftrt_convert <saved-model-dir> first", e.getMessage());
    assertThrows(MagicUsageException.class, () -> magics.tftrtSegments(List.of()));
    assertThrows(MagicUsageException.class, () -> magics.tftrtFusions(List.of()));
    MagicUsageException args = assertThrows(MagicUsageException.class,
        () -> magics.tftrtSegments(List.of("--bogus")));
    assertTrue(args.getMessage().endsWith(TftrtMagics.SEGMENTS_USAGE), args.getMessage());
  }

  @Test
  void benchMeasuresNativeTensorFlowAndSaysWhyTensorRtRowsAreMissing() {
    ComparisonResult result = magics.tftrtBench(List.of("kotlindl_mnist_mlp_tf2", "--precisions", "FP32,FP16",
        "--batch", "1,4", "--iterations", "3", "--warmup", "1", "--repeats", "1"));
    assertEquals(2, result.table().rowCount(), "native TensorFlow at batch 1 and 4");
    assertTrue(result.table().doubleColumn("images_per_s").min() > 0);
    assertTrue(result.notes().stream().anyMatch(n -> n.contains("no GPU in unit tests")), result.notes().toString());
    assertTrue(progress.size() >= 2, progress.toString());
    assertEquals("Benchmarking kotlindl_mnist_mlp_tf2 finished", progress.get(progress.size() - 1));
  }

  /** The TensorRT rows convert with the session's %%tftrt_params, each at its precision and the largest batch. */
  @Test
  void benchConvertsWithTheSessionsParams() {
    List<TrtConversionParams> asked = new ArrayList<>();
    List<Boolean> bound = new ArrayList<>();
    TftrtMagics withGpu = new TftrtMagics((dir, params) -> {
      throw new TftrtException("converter not used by %tftrt_bench");
    }, () -> Comparison.builder().tensorRt(new Availability(true, "", "a GPU the comparison is told of", "9.0",
        "13.0", "12.3", "8.6.1"), (model, params, calibration, bind) -> {
          asked.add(params);
          bound.add(bind);
          throw new TftrtException("recorded, not converted");
        }), Graphviz::find, sink, MODELS);
    withGpu.tftrtParams(List.of(), "allowTf32 = true\nbuilderOptimizationLevel = 1");
    ComparisonResult result = withGpu.tftrtBench(List.of("kotlindl_mnist_mlp_tf2", "--precisions", "FP32,FP16",
        "--batch", "1,4", "--iterations", "2", "--warmup", "1", "--repeats", "1", "--bind"));
    assertEquals(List.of(true, true), bound, "--bind reaches every TensorRT row");
    assertEquals(List.of(Precision.FP32, Precision.FP16), asked.stream().map(TrtConversionParams::precisionMode)
        .toList());
    asked.forEach(p -> {
      assertTrue(p.allowTf32(), p.toString());
      assertEquals(1, p.builderOptimizationLevel(), p.toString());
      assertEquals(4, p.maxBatchSize(), p.toString());
    });
    assertTrue(result.notes().contains("FP32 not converted: recorded, not converted"), result.notes().toString());
  }

  @Test
  void benchArgumentErrorsPrintUsage() {
    MagicUsageException e = assertThrows(MagicUsageException.class,
        () -> magics.tftrtBench(List.of("kotlindl_mnist_mlp_tf2", "--batch", "one")));
    assertTrue(e.getMessage().contains("Usage: %tftrt_bench"), e.getMessage());
    MagicUsageException precision = assertThrows(MagicUsageException.class,
        () -> magics.tftrtBench(List.of("kotlindl_mnist_mlp_tf2", "--precisions", "FP64")));
    assertTrue(precision.getMessage().contains("FP64") && precision.getMessage().contains("Usage: %tftrt_bench"),
        precision.getMessage());
  }
}
