package dev.tftrt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ResNet-50 table the GPU benchmark parts append to: CSV round trip, one Markdown table, the overhead. */
class ResNet50TableTest {

  @Test
  void rowsAppendedByTwoPartsReadBackAndRenderWithTheOverhead(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("resnet50.csv");
    ResNet50Table.Row engine = new ResNet50Table.Row("FP16", 3, ResNet50Table.ENGINE, 32, 1000, 0.5, 32.0, 33.0, 31.5);
    ResNet50Table.Row model = new ResNet50Table.Row("FP16", 3, ResNet50Table.MODEL, 32, 970, 1.0, 33.0, 35.0,
        Double.NaN);
    ResNet50Table.Row two = new ResNet50Table.Row("INT8", 5, ResNet50Table.MODEL_TWO_CONTEXTS, 256, 5000, Double.NaN,
        90.0, 99.0, Double.NaN);
    ResNet50Table.append(csv, List.of(engine, model));
    ResNet50Table.append(csv, List.of(two));

    List<ResNet50Table.Row> read = ResNet50Table.read(csv);
    assertEquals(3, read.size());
    assertEquals(engine, read.get(0));
    assertEquals(ResNet50Table.MODEL_TWO_CONTEXTS, read.get(2).variant(), "a variant with a comma survives the CSV");
    assertTrue(Double.isNaN(read.get(1).deviceP50Ms()));

    String md = ResNet50Table.markdown(read, "# heading");
    assertTrue(md.contains("| FP16 | 3 | engine alone (enqueue only) | 32 | 1,000.0 | 0.5% | 32.000 | 33.000 | 31.500 | - |"),
        md);
    assertTrue(md.contains("| FP16 | 3 | 32 | 0.970 | +1000 | - | - | - |"), md);
    assertTrue(md.indexOf("| FP16 |") < md.indexOf("| INT8 |"), "FP32, FP16, INT8 in that order");
  }

  @Test
  void overheadWithTheInputsOnTheGpuSaysWhetherIssueFiveIsMet(@TempDir Path dir) {
    Path csv = dir.resolve("resnet50.csv");
    ResNet50Table.append(csv, List.of(
        new ResNet50Table.Row("FP16", 1, ResNet50Table.ENGINE, 1, 1250, 1, 0.800, 0.9, 0.790),
        new ResNet50Table.Row("FP16", 1, ResNet50Table.BOUND, 1, 1150, 1, 0.870, 0.9, Double.NaN),
        new ResNet50Table.Row("FP16", 1, ResNet50Table.BOUND_GRAPHS, 1, 1230, 1, 0.830, 0.9, Double.NaN),
        new ResNet50Table.Row("FP16", 1, ResNet50Table.ENGINE, 32, 23600, 1, 1.350, 1.4, 1.336),
        new ResNet50Table.Row("FP16", 1, ResNet50Table.BOUND, 32, 23000, 1, 1.390, 1.4, Double.NaN),
        new ResNet50Table.Row("FP16", 1, ResNet50Table.ENGINE, 256, 38000, 1, 6.600, 7, 6.5),
        new ResNet50Table.Row("FP16", 1, ResNet50Table.BOUND, 256, 36000, 1, 7.000, 7, Double.NaN)));
    List<String> lines = ResNet50Table.overhead(ResNet50Table.read(csv));
    assertEquals(List.of(
        "| FP16 | 1 | 1 | 0.920 | +70 | +80 | 0.984 | +30 | +40 | met (+30 us <= 50) |",
        "| FP16 | 1 | 32 | 0.975 | +40 | +54 | - | - | - | met (0.975 >= 0.97) |",
        "| FP16 | 1 | 256 | 0.947 | +400 | +500 | - | - | - | NOT met (0.947 < 0.97) |"), lines);
    String md = ResNet50Table.markdown(ResNet50Table.read(csv), "# heading");
    assertTrue(md.contains("Java overhead with the inputs on the GPU") && md.contains(lines.get(2)), md);
    assertTrue(md.indexOf("| FP16 | 1 | engine alone (enqueue only) | 256 |")
        < md.indexOf("| FP16 | 1 | " + ResNet50Table.BOUND + " | 1 |"), "bound rows after the bare loop's");
  }

  @Test
  void nativeTensorFlowRowsComeFirstWithoutALevelAndGiveTheSpeedUpAtTheSameBatch(@TempDir Path dir) {
    Path csv = dir.resolve("resnet50.csv");
    ResNet50Table.append(csv, List.of(
        new ResNet50Table.Row("INT8", 3, ResNet50Table.BOUND_TWO_CONTEXTS, 256, 64000, Double.NaN, 8, 9, Double.NaN),
        new ResNet50Table.Row("INT8", 3, ResNet50Table.ENGINE, 512, 60000, 1, 8.5, 9, 8.4),
        new ResNet50Table.Row(ResNet50Table.NATIVE_PRECISION, 0, ResNet50Table.NATIVE, 256, 200, 2, 1280, 1300,
            Double.NaN)));
    String md = ResNet50Table.markdown(ResNet50Table.read(csv), "# heading");
    assertTrue(md.contains("| native | - | native TensorFlow (CPU) | 256 | 200.0 | 2.0% | 1280.000 | 1300.000 | - | - |"),
        md);
    assertTrue(md.contains("| INT8 | 3 | " + ResNet50Table.BOUND_TWO_CONTEXTS + " | 256 | 64,000.0 | NaN% | 8.000 "
        + "| 9.000 | - | 320.000 |"), md);
    assertTrue(md.contains("| INT8 | 3 | engine alone (enqueue only) | 512 | 60,000.0 | 1.0% | 8.500 | 9.000 | 8.400 "
        + "| - |"), "no native row at batch 512: " + md);
    assertTrue(md.indexOf("| native |") < md.indexOf("| INT8 |"), md);
    assertEquals(List.of("INT8 level 3, " + ResNet50Table.BOUND_TWO_CONTEXTS, "INT8 level 3, " + ResNet50Table.ENGINE,
        ResNet50Table.NATIVE), ResNet50Table.chartTable(ResNet50Table.read(csv)).stringColumn("target").asList());
  }

  @Test
  void chartShowsEveryVariantPerBatchSize(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("resnet50.csv");
    ResNet50Table.append(csv, List.of(
        new ResNet50Table.Row("FP16", 1, ResNet50Table.ENGINE, 1, 1200, 1, 0.8, 0.9, 0.79),
        new ResNet50Table.Row("FP16", 1, ResNet50Table.ENGINE, 256, 38000, 1, 6.6, 7.6, 6.5),
        new ResNet50Table.Row("FP16", 1, ResNet50Table.MODEL, 256, 6500, 1, 39, 41, Double.NaN)));
    tech.tablesaw.api.Table t = ResNet50Table.chartTable(ResNet50Table.read(csv));
    assertEquals(List.of("FP16 level 1, engine alone (enqueue only)", "FP16 level 1, engine alone (enqueue only)",
        "FP16 level 1, ConvertedModel.run"), t.stringColumn("target").asList());
    assertEquals(38000, t.doubleColumn("images_per_s").getDouble(1));

    GpuBenchmarks.resnet50Chart(csv, dir);
    assertTrue(Files.size(dir.resolve("resnet50-throughput.png")) > 1000);
    assertTrue(Files.readString(dir.resolve("resnet50-throughput.svg")).contains("<svg"));
  }

  @Test
  void unknownVariantKeyListsTheKnownOnes() {
    assertEquals(ResNet50Table.MODEL_GRAPHS, ResNet50Table.variant("model-graphs"));
    String m = assertThrows(IllegalArgumentException.class, () -> ResNet50Table.variant("graphs")).getMessage();
    assertTrue(m.contains("engine-copies") && m.contains("model-2ctx") && m.contains("bound-graphs"), m);
    assertEquals(ResNet50Table.BOUND_TWO_CONTEXTS, ResNet50Table.variant("bound-2ctx"));
    assertEquals(ResNet50Table.NATIVE, ResNet50Table.variant("native"));
  }
}
