package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
  static final String KWS = "src/test/resources/models/mlperf_tiny_kws_dscnn_tf2";
  @TempDir Path dir;

  @Test
  void onACpuMachineBenchmarksNativeTensorFlowAndSaysTensorRtWasNotAvailable() throws IOException {
    Path csv = dir.resolve("kws.csv");
    Path chart = dir.resolve("kws.svg");
    String[] out = new String[1];
    String err = capture(() -> out[0] = captureOut(() -> assertEquals(0, Main.run("bench", KWS, "--batch", "1,2",
        "--warmup", "1", "--iterations", "2", "--repeats", "1", "--csv", csv.toString(), "--chart",
        chart.toString()))));
    assertTrue(out[0].contains("TensorRT not available: "), out[0]);
    assertTrue(out[0].contains("native TensorFlow"), out[0]);
    assertTrue(out[0].contains("TensorFlow: "), "the environment is printed:\n" + out[0]);
    List<String> lines = Files.readAllLines(csv);
    assertEquals(3, lines.size(), "header and batches 1 and 2");
    assertTrue(lines.get(2).startsWith("native TensorFlow,native,2,"), lines.get(2));
    for (Path p : List.of(chart, dir.resolve("kws-latency.svg"), dir.resolve("kws-speedup.svg"))) {
      assertTrue(Files.readString(p).contains("<svg"), p.toString());
    }
    assertTrue(err.contains("batch 2"), "progress goes to stderr: " + err);
  }

  @Test
  void badPrecisionIsOneMessageAndExitCodeTwo() {
    String err = capture(() -> assertEquals(2, Main.run("bench", KWS, "--precisions", "FP8")));
    assertTrue(err.startsWith("tftrt: precision 'FP8' is not supported; use one of FP32, FP16, INT8"), err);
  }

  @Test
  void aChartFileThatIsNeitherPngNorSvgIsRefusedBeforeMeasuring() {
    String err = capture(() -> assertEquals(2, Main.run("bench", KWS, "--chart", dir.resolve("c.jpg").toString())));
    assertTrue(err.contains("must end in .png or .svg"), err);
    assertFalse(err.contains("batch 1"), "nothing was measured");
  }

  @Test
  void aDirectoryWithoutADatasetSaysWhichFilesItNeeds() {
    String err = capture(() -> assertEquals(2, Main.run("bench", KWS, "--accuracy-data", dir.toString())));
    assertTrue(err.contains("holds no IDX dataset") && err.contains("t10k-images-idx3-ubyte.gz"), err);
  }

  private static String capture(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  private static String captureOut(Runnable action) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setOut(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
