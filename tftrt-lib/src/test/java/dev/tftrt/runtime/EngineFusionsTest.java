package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.engine.UnavailableBackend;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.runtime.FusedLayer.Kind;
import dev.tftrt.runtime.FusionComparison.Outcome;
import dev.tftrt.zoo.GeneratedModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Engine layers mapped back onto the converted Inception block. The inspector outputs under
 * {@code src/test/resources/dev/tftrt/runtime} are written in the shape TensorRT 8.6's {@code IEngineInspector}
 * gives at detailed verbosity (and at names-only verbosity), with the converters' layer names for this model: a
 * reformat of the input, the three 1x1 branches as one horizontal layer, a pooling layer behind its transpose,
 * conv+bias+relu chains, a chain TensorRT split (branch5x5), a copy and an unnamed shuffle for the concat, and a
 * Myelin {@code ForeignNode} for the head.
 */
class EngineFusionsTest {
  static ConversionPlan plan;
  static SegmentSpec spec;

  @BeforeAll
  static void convert() {
    TrtGraphConverterV2 c = new TrtGraphConverterV2(GeneratedModels.inceptionBlock(),
        TrtConversionParams.builder().precisionMode(Precision.FP32).build());
    plan = c.convert();
    assertEquals(1, plan.segments().size(), c.summary().toText());
    spec = SegmentSpec.of(plan.segments().get(0));
  }

  static String fixture(String name) {
    try (InputStream in = EngineFusionsTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static EngineFusions fusionsOf(String fixture) {
    return EngineFusions.of(plan.graph(), Map.of(spec, List.of(fixture(fixture))), Map.of());
  }

  static final List<Kind> KINDS = List.of(Kind.REFORMAT, Kind.HORIZONTAL, Kind.LAYOUT, Kind.SINGLE, Kind.VERTICAL,
      Kind.VERTICAL, Kind.VERTICAL, Kind.SINGLE, Kind.REFORMAT, Kind.REFORMAT, Kind.VERTICAL);

  @Test
  void detailedInspectorOutputMapsEveryLayerToItsNodes() {
    EngineFusions f = fusionsOf("inception-block-fp32.layers.json");
    assertEquals(KINDS, f.layers().stream().map(FusedLayer::kind).toList(), f.toString());
    FusedLayer horizontal = f.layers().get(1);
    assertEquals(List.of("branch1x1/Conv2D", "branch1x1/BiasAdd", "branch1x1/Relu", "branch3x3_reduce/Conv2D",
        "branch3x3_reduce/BiasAdd", "branch3x3_reduce/Relu", "branch5x5_reduce/Conv2D", "branch5x5_reduce/BiasAdd",
        "branch5x5_reduce/Relu"), horizontal.nodes());
    assertEquals(List.of("Conv2D", "BiasAdd", "Relu"), horizontal.ops().subList(0, 3));
    assertEquals("CaskConvolution", horizontal.layerType());
    assertEquals(spec.name(), horizontal.segment());
    assertEquals(List.of("branch_pool_max"), f.layers().get(2).nodes(), "the transpose belongs to the pooling");
    assertEquals(List.of("MaxPool"), f.layers().get(3).ops());
    assertEquals(List.of("Conv2D", "BiasAdd", "Relu"), f.layers().get(4).ops());
    assertEquals(List.of("branch5x5/Relu"), f.layers().get(7).nodes(), "PWN(...) behind a fused transpose");
    assertEquals(List.of(), f.layers().get(0).nodes(), "a reformat computes no TF node");
    assertEquals(List.of("avg_pool", "dense/MatMul", "dense/BiasAdd", "probabilities"), f.layers().get(10).nodes(),
        "a ForeignNode covers the segment's nodes from its first to its last, constants aside");
    assertEquals(Map.of(spec.name(), List.of("concat")), f.removed(), "TensorRT wrote the concat in place");
    assertEquals(5, f.fused().size());
    assertEquals(11, f.table().rowCount());
    String text = f.toString();
    assertTrue(text.contains("Conv2D+BiasAdd+Relu -> one layer (vertical fusion): branch_pool/Conv2D + "
        + "branch_pool/BiasAdd + branch_pool/Relu"), text);
    assertTrue(text.contains("in no engine layer (TensorRT removed them): concat"), text);
  }

  @Test
  void numberedTransposesOfLaterInputsAreLayoutOfTheirReader() {
    List<FusedLayer> layers = EngineFusions.layers(plan.graph(), spec, 0,
        "{\"Layers\": [{\"Name\": \"concat/to_nchw_2\", \"LayerType\": \"Shuffle\"}]}");
    assertEquals(Kind.LAYOUT, layers.get(0).kind());
    assertEquals(List.of("concat"), layers.get(0).nodes());
  }

  @Test
  void comparisonWithThePreviewFindsMadeSplitAndUnforeseenFusions() {
    FusionComparison c = fusionsOf("inception-block-fp32.layers.json").compareWith(plan.fusions());
    assertEquals(8, c.expected().size());
    assertEquals(7, c.count(Outcome.FUSED), c.toString());
    FusionComparison.Expected split = c.expected().stream().filter(e -> e.outcome() == Outcome.PARTLY_FUSED)
        .findFirst().orElseThrow();
    assertEquals(List.of("branch5x5/Conv2D", "branch5x5/BiasAdd", "branch5x5/Relu"), split.fusion().nodes());
    assertEquals(List.of("branch5x5/Conv2D + branch5x5/BiasAdd"), split.layers());
    FusionComparison.Expected horizontal = c.expected().stream().filter(e -> e.direction().equals("horizontal"))
        .findFirst().orElseThrow();
    assertEquals(Outcome.FUSED, horizontal.outcome());
    assertTrue(horizontal.layers().get(0).contains(" || "), horizontal.toString());
    assertEquals(List.of("{ForeignNode[avg_pool...probabilities]}"),
        c.beyondPreview().stream().map(FusedLayer::name).toList(),
        "the horizontal layer is foreseen (three vertical fusions joined by one horizontal); the head is not");
    assertEquals(9, c.table().rowCount());
    assertTrue(c.toString().startsWith("Compared with the fusion preview: 7 of 8 expected fusions made, 1 partly, "
        + "1 beyond the preview"), c.toString());
  }

  @Test
  void namesOnlyVerbosityMapsTheSameWay() {
    EngineFusions detailed = fusionsOf("inception-block-fp32.layers.json");
    EngineFusions namesOnly = fusionsOf("inception-block-names-only.layers.json");
    assertEquals(KINDS, namesOnly.layers().stream().map(FusedLayer::kind).toList(), namesOnly.toString());
    assertEquals(detailed.layers().stream().map(FusedLayer::nodes).toList(),
        namesOnly.layers().stream().map(FusedLayer::nodes).toList());
    assertTrue(namesOnly.layers().stream().allMatch(l -> l.layerType().isEmpty()));
  }

  @Test
  void somethingElseThanInspectorJsonIsRefusedWithTheSegmentNamed() {
    for (String bad : List.of("", "not json {", "[1, 2]", "{\"Bindings\": []}", "{\"Layers\": [{\"Type\": 1}]}")) {
      TftrtException e = assertThrows(TftrtException.class, () -> EngineFusions.layers(plan.graph(), spec, 0, bad));
      assertTrue(e.getMessage().contains("'" + spec.name() + "'") && e.getMessage().contains("\"Layers\""),
          e.getMessage());
    }
  }

  @Test
  void recordedEnginesHaveOneLayerPerNetworkLayerAndFuseNothing() {
    try (TensorFlowEngines engines = TensorFlowEngines.withConverters()) {
      TrtGraphConverterV2 c = new TrtGraphConverterV2(GeneratedModels.inceptionBlock(), TrtConversionParams.builder()
          .precisionMode(Precision.FP32).maxBatchSize(4).build()).withBackend(engines.backend()).withNetworks(engines);
      c.convert();
      assertTrue(c.fusions().isEmpty(), "nothing built yet");
      try (ConvertedModel m = c.build(null)) {
        EngineFusions f = m.fusions();
        int networkLayers = engines.backend().builds().get(0).layerNames().size();
        assertEquals(networkLayers, f.layers().size(), "the recording backend keeps every network layer");
        assertEquals(List.of(), f.fused());
        assertEquals(Map.of(spec.name(), List.of()), f.removed(), "every node computed by some layer");
        f.layers().stream().filter(l -> l.kind() == Kind.SINGLE)
            .forEach(l -> assertEquals(List.of(l.name()), l.nodes(), "named after its node"));
        // The input's one transpose to NCHW, named after its first reader; the block's output is never NHWC.
        List<FusedLayer> layout = f.layers().stream().filter(l -> l.kind() == Kind.LAYOUT).toList();
        assertEquals(1, layout.size(), layout.toString());
        assertTrue(layout.get(0).name().endsWith("/to_nchw"), layout.toString());
        assertEquals(List.of(layout.get(0).name().replace("/to_nchw", "")), layout.get(0).nodes());
        FusionComparison cmp = f.compareWith(c.plan().fusions());
        assertEquals(8, cmp.count(Outcome.NOT_FUSED), cmp.toString());
        assertEquals(List.of(), cmp.beyondPreview());
        assertEquals(f.layers(), c.fusions().orElseThrow().layers());
      }
    }
  }

  @Test
  void segmentsWithoutEnginesAreListedWithWhy() {
    TrtGraphConverterV2 c = new TrtGraphConverterV2(GeneratedModels.inceptionBlock(), TrtConversionParams.defaults())
        .withBackend(new UnavailableBackend("no GPU in this test"));
    c.convert();
    try (ConvertedModel m = c.build(null)) {
      EngineFusions f = m.fusions();
      assertEquals(List.of(), f.layers());
      assertTrue(f.withoutEngine().get(spec.name()).contains("no GPU in this test"), f.withoutEngine().toString());
      assertTrue(c.fusions().isEmpty());
      FusionComparison cmp = f.compareWith(c.plan().fusions());
      assertEquals(cmp.expected().size(), cmp.count(Outcome.NOT_BUILT));
      assertFalse(f.toString().isEmpty());
    }
  }
}
