package dev.tftrt.figures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.Planner;
import dev.tftrt.runtime.EngineFusions;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.savedmodel.SavedModelFreezer;
import dev.tftrt.zoo.GeneratedModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The course's figures drawn from the zoo's Inception block, as TensorFlow Java wrote it. */
class CourseFiguresTest {
  private static ConversionPlan plan;
  private static List<CourseFigures.Figure> figures;

  @BeforeAll
  static void planTheInceptionBlock() {
    // Every op is a candidate here: the figures are about fusion, not about which converters exist.
    plan = Planner.plan(Planner.prepare(SavedModelFreezer.freeze(GeneratedModels.inceptionBlock()),
        g -> Map.of()), TrtConversionParams.defaults(),
        n -> n.op().equals("Placeholder") ? Optional.of("graph input") : Optional.empty());
    figures = CourseFigures.of(plan, "inception-block");
  }

  private static CourseFigures.Figure figure(String name) {
    return figures.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void fourFiguresInCourseOrder() {
    assertEquals(List.of(CourseFigures.ORIGINAL, CourseFigures.VERTICAL, CourseFigures.HORIZONTAL,
        CourseFigures.WORKFLOW), figures.stream().map(CourseFigures.Figure::name).toList());
  }

  @Test
  void originalHasOneLayerPerOp() {
    CourseFigures.Figure f = figure(CourseFigures.ORIGINAL);
    // 6 x (conv, bias, relu), max pool, concat, mean, matmul, bias, softmax
    assertTrue(f.caption().contains(": 24 layers"), f.caption());
    assertTrue(f.dot().contains("label=\"1x1 conv, 64\"") && f.dot().contains("label=\"5x5 conv, 32\"")
        && f.dot().contains("label=\"3x3 max pool\""), f.dot());
    assertTrue(f.dot().contains("\"branch1x1/Conv2D\" -> \"branch1x1/BiasAdd\""), f.dot());
  }

  @Test
  void verticalFusionJoinsConvBiasRelu() {
    CourseFigures.Figure f = figure(CourseFigures.VERTICAL);
    // 6 CBR, FC+B, max pool, concat, mean, softmax
    assertTrue(f.caption().contains(": 11 layers; 7 chains"), f.caption());
    assertTrue(f.dot().contains("label=\"3x3 CBR, 128\""), f.dot());
    assertTrue(f.dot().contains("tooltip=\"branch3x3/Conv2D + branch3x3/BiasAdd + branch3x3/Relu\""), f.dot());
    assertTrue(!f.dot().contains("\"branch1x1/BiasAdd\""), "the bias is inside the fused layer");
  }

  @Test
  void horizontalFusionJoinsTheSibling1x1Layers() {
    CourseFigures.Figure f = figure(CourseFigures.HORIZONTAL);
    assertTrue(f.caption().contains(": 9 layers; 3 sibling layers"), f.caption());
    assertTrue(f.dot().contains("1x1 CBR, 64 + 96 + 16 filters\\n(3 layers in one)"), f.dot());
    assertTrue(f.dot().contains("\"branch1x1/Conv2D\" -> \"branch3x3/Conv2D\""),
        "the wide layer feeds the 3x3 branch: " + f.dot());
  }

  @Test
  void workflowCarriesTheModelsNumbers() {
    String dot = figure(CourseFigures.WORKFLOW).dot();
    assertTrue(dot.contains("14 variables -> constants"), dot);
    assertTrue(dot.contains("24 layers -> 9 after fusion"), dot);
  }

  @Test
  void writesSvgPngAndDot(@TempDir Path out) throws Exception {
    List<Path> written = CourseFigures.write(figures, Graphviz.find(), out.resolve("images"));
    assertEquals(12, written.size());
    String svg = Files.readString(out.resolve("images/network-horizontal-fusion.svg"));
    assertTrue(svg.startsWith("<?xml") && svg.contains("3 layers in one"), svg);
    byte[] png = Files.readAllBytes(out.resolve("images/workflow.png"));
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    try (var files = Files.list(out.resolve("images"))) {
      assertEquals(12, files.count(), "no temporary files left behind");
    }
  }

  /** TensorRT 8.6's engine inspector output for this block, shared with EngineFusionsTest. */
  static String inspectorOutput() throws IOException {
    try (InputStream in = CourseFiguresTest.class.getResourceAsStream(
        "/dev/tftrt/runtime/inception-block-fp32.layers.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void theEnginesLayersDecideTheFusionsWhenGiven() throws IOException {
    // The three 1x1 branches in one layer, conv + bias + relu chains, the 5x5 chain split in two, reformats
    // TensorRT added, and a Myelin ForeignNode for the head.
    EngineFusions engines = EngineFusions.of(plan.graph(),
        Map.of(SegmentSpec.of(plan.segments().get(0)), List.of(inspectorOutput())), Map.of());
    CourseFigures.LayerFusions fusions = CourseFigures.LayerFusions.built(engines, plan.graph(),
        "as TensorRT 8.6.1 on a test GPU fused it");
    assertEquals(List.of(List.of("branch1x1/Conv2D", "branch3x3_reduce/Conv2D", "branch5x5_reduce/Conv2D")),
        fusions.horizontal());
    assertEquals(List.of("branch3x3_reduce/Conv2D", "branch3x3_reduce/BiasAdd", "branch3x3_reduce/Relu"),
        fusions.vertical().get(1));
    assertTrue(fusions.vertical().contains(List.of("branch5x5/Conv2D", "branch5x5/BiasAdd")),
        "the chain TensorRT split: " + fusions.vertical());
    assertEquals(7, fusions.vertical().size(), fusions.vertical().toString());
    CourseFigures.Figure wide = CourseFigures.of(plan, "inception-block", fusions).get(2);
    assertTrue(wide.caption().endsWith("(as TensorRT 8.6.1 on a test GPU fused it)"), wide.caption());
    assertTrue(wide.dot().contains("1x1 CBR, 64 + 96 + 16 filters\\n(3 layers in one)"), wide.dot());
  }

  @Test
  void writesOnlyTheFormatsAsked(@TempDir Path out) throws Exception {
    CourseFigures.write(figures, Graphviz.find(), out, List.of("svg"));
    try (var files = Files.list(out)) {
      assertEquals(4, files.filter(p -> p.toString().endsWith(".svg")).count());
    }
    assertThrows(dev.tftrt.TftrtException.class, () -> CourseFigures.write(figures, Graphviz.find(), out,
        List.of("gif")));
  }
}
