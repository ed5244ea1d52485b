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
import dev.tftrt.engine.Availability;
import dev.tftrt.figures.Graphviz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
      (model, precision, maxBatch, calibration) -> {
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

  @Test
  void convertWithOutputBuildsAndSavesWithoutTouchingTheModel(@TempDir Path work) throws Exception {
    TftrtMagics real = new TftrtMagics(TrtGraphConverterV2::new, Comparison::builder, Graphviz::find, sink, MODELS);
    Path saved = work.resolve("converted");
    String before = listing(MODELS.resolve("kotlindl_mnist_mlp_tf2"));

    TrtGraphConverterV2 converter = real.tftrtConvert(List.of("kotlindl_mnist_mlp_tf2", "--output", saved.toString()));

    assertTrue(Files.isRegularFile(saved.resolve("manifest.json")), "saved: " + listing(saved));
    assertEquals(before, listing(MODELS.resolve("kotlindl_mnist_mlp_tf2")), "the SavedModel is left as it was");
    assertEquals(converter.summary().toText(), real.tftrtSummary(List.of()).toText(),
        "the conversion is kept for %tftrt_summary");
    assertTrue(progress.stream().anyMatch(p -> p.contains("saving to " + saved)), progress.toString());
    assertTrue(progress.get(progress.size() - 1).endsWith("finished"), progress.toString());
  }

  private static String listing(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).map(p -> dir.relativize(p) + " " + p.toFile().length()).sorted()
          .toList().toString();
    }
  }
}
