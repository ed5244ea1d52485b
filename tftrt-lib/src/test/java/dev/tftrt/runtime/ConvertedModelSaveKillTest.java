package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.savedmodel.SignatureTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A save killed midway (another JVM, SIGKILL) leaves the converted model that was there intact. */
class ConvertedModelSaveKillTest {
  @TempDir
  Path tmp;

  /** The INT8 calibration table of the contents whose plans are filled with {@code fill}. */
  static byte[] calibrationTable(byte fill) {
    return ("calibration table of the model filled with " + fill).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Contents with {@code plans} plans of {@code planBytes} bytes, each filled with {@code fill}, and the segment's
   * calibration table.
   */
  static ConvertedModelContents contents(int plans, int planBytes, byte fill) {
    Graph g = new Graph();
    g.add(new Node("x", "Placeholder", Map.of("dtype", AttrValue.of(DataType.FLOAT)), List.of()));
    SignatureTensor x = new SignatureTensor("x", TensorRef.of("x"), DataType.FLOAT, Shape.of(-1, 4));
    List<EnginePlan> engines = new ArrayList<>();
    byte[] plan = new byte[planBytes];
    Arrays.fill(plan, fill);
    for (int i = 0; i < plans; i++) {
      engines.add(EnginePlan.of(plan, List.of(ShapeRange.batch(Shape.of(-1, 4), 1 + i))));
    }
    SegmentPlans segment = new SegmentPlans(new SegmentSpec("seg", List.of("x"), List.of(), List.of()), engines,
        calibrationTable(fill), null);
    return new ConvertedModelContents(new ConvertedModelContents.Source(null, "serve", "serving_default"),
        TrtConversionParams.defaults(), g, List.of(x), List.of(x), List.of(segment), new byte[0],
        new Availability(true, "", "test GPU", "9.0", "13.0", "12.3", "8.6.1"));
  }

  /** The child: writes a large converted model to args[0]. */
  public static void main(String[] args) {
    ConvertedModelFiles.write(contents(64, 8 << 20, (byte) 2), Path.of(args[0]));
  }

  @Test
  void killingASaveMidwayLeavesTheOldModelIntact() throws Exception {
    Path out = tmp.resolve("model");
    ConvertedModelFiles.write(contents(2, 1000, (byte) 1), out);
    byte[] manifest = Files.readAllBytes(out.resolve(ConvertedModelFiles.MANIFEST));

    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        ConvertedModelSaveKillTest.class.getName(), out.toString()).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child.log").toFile()).start();
    boolean sawTemp = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!sawTemp && child.isAlive() && System.nanoTime() < deadline) {
      try (Stream<Path> s = Files.list(tmp)) {
        sawTemp = s.anyMatch(p -> p.getFileName().toString().startsWith(".model.tftrt-tmp-")
            && Files.isDirectory(p.resolve("engines")));
      }
      Thread.sleep(2);
    }
    child.destroyForcibly();
    assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    assertTrue(sawTemp, "the child started writing: " + Files.readString(tmp.resolve("child.log")));
    assertNotEquals(0, child.exitValue(), "killed before it finished");

    assertArrayEquals(manifest, Files.readAllBytes(out.resolve(ConvertedModelFiles.MANIFEST)));
    ConvertedModelFiles.Read read = ConvertedModelFiles.read(out);
    assertEquals(List.of(), read.problems());
    assertEquals(2, read.contents().segments().get(0).engines().size());
    assertEquals(1, read.contents().segments().get(0).engines().get(0).plan()[0]);
    assertArrayEquals(calibrationTable((byte) 1), read.contents().segments().get(0).calibrationTable(),
        "the calibration table is written with the model, as atomically");

    // The next save clears what the killed one left.
    ConvertedModelFiles.write(contents(1, 10, (byte) 3), out);
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of("child.log", "model"), s.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }
}
