package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
    CliRun r = CliRun.of("bench", KWS, "--batch", "1,2", "--warmup", "1", "--iterations", "2", "--repeats", "1",
        "--tf32", "--cuda-graphs", "--bind", "--csv", csv.toString(), "--chart", chart.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("TensorRT not available: "), r.out());
    assertTrue(r.out().contains("native TensorFlow"), r.out());
    assertTrue(r.out().contains("TensorFlow: "), "the environment is printed:\n" + r.out());
    List<String> lines = Files.readAllLines(csv);
    assertEquals(3, lines.size(), "header and batches 1 and 2");
    assertTrue(lines.get(2).startsWith("native TensorFlow,native,2,"), lines.get(2));
    for (Path p : List.of(chart, dir.resolve("kws-latency.svg"), dir.resolve("kws-speedup.svg"))) {
      assertTrue(Files.readString(p).contains("<svg"), p.toString());
    }
    assertTrue(r.err().contains("batch 2"), "progress goes to stderr: " + r.err());
    // Not a terminal here: one line per message, no carriage returns running them together in a log.
    assertFalse(r.err().contains("\r"), r.err());
    assertTrue(r.err().lines().anyMatch(l -> l.startsWith("native TensorFlow, batch 2: ")), r.err());
  }

  @Test
  void badPrecisionIsOneMessageAndExitCodeTwo() {
    CliRun r = CliRun.of("bench", KWS, "--precisions", "FP8");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("tftrt: precision 'FP8' is not supported; use one of FP32, FP16, INT8"), r.err());
  }

  @Test
  void aChartFileThatIsNeitherPngNorSvgIsRefusedBeforeMeasuring() {
    CliRun r = CliRun.of("bench", KWS, "--chart", dir.resolve("c.jpg").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("must end in .png or .svg"), r.err());
    assertFalse(r.err().contains("batch 1"), "nothing was measured");
  }

  @Test
  void aDirectoryWithoutADatasetSaysWhichFilesItNeeds() {
    CliRun r = CliRun.of("bench", KWS, "--accuracy-data", dir.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("holds no IDX dataset") && r.err().contains("t10k-images-idx3-ubyte.gz"), r.err());
  }
}
