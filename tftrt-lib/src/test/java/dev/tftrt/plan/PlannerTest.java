package dev.tftrt.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.savedmodel.FreezeReport;
import dev.tftrt.savedmodel.FrozenModel;
import dev.tftrt.savedmodel.SignatureTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class PlannerTest {
  private static final TensorInfo X = HandGraphs.INCEPTION_INPUT;

  static PreparedGraph prepared() {
    return Planner.prepare(HandGraphs.inceptionModel(), g -> Map.of(TensorRef.of("x"), X,
        TensorRef.of("c"), new TensorInfo(DataType.FLOAT, Shape.of(-1, 8, 8, 2))));
  }

  private static ConversionPlan plan(TrtConversionParams params) {
    return Planner.plan(prepared(), params, HandGraphs.rejecting("Placeholder", "Erfinv"));
  }

  @Test
  void passesRemoveTrainingNodesAndIdentitiesButKeepTheOutput() {
    PreparedGraph p = prepared();
    assertFalse(p.graph().contains("loss") || p.graph().contains("grad") || p.graph().contains("b/id"));
    assertTrue(p.graph().contains("out"), "the signature's output node keeps its name");
    assertTrue(p.graph().contains("x") && !p.graph().contains("labels"));
    assertEquals(TensorRef.of("b"), p.graph().node("b/relu").input(0));
  }

  @Test
  void planSegmentsAroundTheUnsupportedOpAndNamesEveryReason() {
    ConversionPlan plan = plan(TrtConversionParams.defaults());

    assertEquals(1, plan.segments().size(), plan.summary().toText());
    Segment main = plan.segments().get(0);
    assertTrue(main.nodes().containsAll(List.of("a", "a/relu", "b", "b3", "c/relu", "d", "d/up", "cat", "out")));
    // c cannot join: c -> c/odd -> c/relu -> cat would leave the engine and come back (a cycle).
    assertFalse(main.contains("c"));
    assertEquals(List.of(TensorRef.of("x"), TensorRef.of("c/odd")), main.inputs());
    assertEquals(List.of(TensorRef.of("out")), main.outputs());
    Map<String, String> reasons = plan.leftOut().stream()
        .collect(java.util.stream.Collectors.toMap(LeftOut::node, LeftOut::reason));
    assertEquals("no converter for Erfinv", reasons.get("c/odd"));
    assertEquals("its segment has 1 compute node, fewer than minimumSegmentSize 3", reasons.get("c"));
    assertEquals("constant read only by nodes left in TensorFlow", reasons.get("c/w"));
  }

  @Test
  void fusionPreviewFindsChainsAndSiblingPointwiseConvolutions() {
    FusionPreview f = plan(TrtConversionParams.defaults()).fusions();

    assertEquals(List.of(new FusionPreview.Fusion("Conv2D+BiasAdd+Relu", "TRTEngineOp_000",
            List.of("a", "a/bias", "a/relu")),
        new FusionPreview.Fusion("Conv2D+Relu6", "TRTEngineOp_000", List.of("b", "b/relu"))), f.vertical());
    // c is in no engine; d has stride 2, so only a and b are siblings.
    assertEquals(List.of(new FusionPreview.Fusion("2x 1x1 Conv2D on x", "TRTEngineOp_000", List.of("a", "b"))),
        f.horizontal());
    assertTrue(f.deadLayers().stream().anyMatch(r -> r.name().equals("loss")));
  }

  @Test
  void replanningWithOtherParamsReusesThePreparedGraph() {
    PreparedGraph p = prepared();
    ConversionPlan denied = Planner.plan(p, TrtConversionParams.builder().opDenylist("ConcatV2").build(),
        HandGraphs.rejecting("Placeholder", "Erfinv"));
    ConversionPlan small = Planner.plan(p, TrtConversionParams.builder().minimumSegmentSize(1).build(),
        HandGraphs.rejecting("Placeholder", "Erfinv"));

    assertTrue(denied.segments().stream().noneMatch(s -> s.contains("cat")));
    assertTrue(small.segments().stream().anyMatch(s -> s.nodes().equals(List.of("c/w", "c"))));
    assertTrue(denied.graph() == small.graph(), "the optimized graph is shared, not recomputed");
  }

  @Test
  void summaryRendersTextJsonCsvAndTables() {
    ConversionPlan plan = plan(TrtConversionParams.builder().precisionMode(Precision.FP16).build());
    ConversionSummary s = plan.summary();

    // Ops: the graph minus the placeholder; converted: everything but c/w, c and c/odd.
    assertEquals(plan.graph().size() - 1, s.ops());
    assertEquals(s.ops() - 3, s.convertedOps());
    String text = s.toText();
    assertTrue(text.startsWith("Conversion plan for /models/inception (serve/serving_default), precision FP16"),
        text);
    assertTrue(text.contains("Converted 18 of 21 ops (85.7%) into 1 engine."), text);
    assertTrue(text.contains("inputs:  x:0 float32[?,8,8,4], c/odd:0 (unknown)"), text);
    assertTrue(text.contains("outputs: out:0 (unknown)"), text);
    assertTrue(text.contains("Erfinv x1    no converter for Erfinv"), text);

    JsonObject json = JsonParser.parseString(s.toJson()).getAsJsonObject();
    assertEquals("FP16", json.getAsJsonObject("params").get("precisionMode").getAsString());
    assertEquals(1, json.getAsJsonArray("engines").size());
    assertEquals(3, json.getAsJsonArray("leftOut").size());

    String csv = s.toCsv();
    assertTrue(csv.startsWith("section,segment,op,count,detail\nengine,TRTEngineOp_000,,"), csv);
    assertTrue(csv.contains("\nleft_out,,Erfinv,1,no converter for Erfinv\n"), csv);
    assertTrue(csv.contains("\nvertical_fusion,TRTEngineOp_000,Conv2D+BiasAdd+Relu,3,a a/bias a/relu\n"), csv);

    Table engines = s.enginesTable();
    assertEquals(1, engines.rowCount());
    assertEquals("TRTEngineOp_000", engines.stringColumn("segment").get(0));
    assertEquals(3, s.leftOutTable().rowCount());
    assertEquals(3, s.fusionsTable().rowCount());
  }

  @Test
  void dotExportColoursEnginesAndGroupsFusions() {
    ConversionPlan plan = plan(TrtConversionParams.defaults());
    String dot = DotExport.toDot(plan);

    assertTrue(dot.startsWith("digraph plan {"));
    assertTrue(dot.contains("subgraph cluster_0 {"));
    assertTrue(dot.contains("label=\"TRTEngineOp_000 ("), dot);
    assertTrue(dot.contains("label=\"Conv2D+BiasAdd+Relu\"; style=dashed"), dot);
    assertTrue(dot.contains("\"c/odd\" [label=\"c/odd\\nErfinv\", color=\"#999999\", tooltip=\"no converter for "
        + "Erfinv\"];"), dot);
    assertTrue(dot.contains("\"c/odd\" -> \"c/relu\";"), dot);
    assertFalse(dot.contains("\"a/w\""), "constants hidden by default");
    assertTrue(DotExport.toDot(plan, true).contains("\"a/w\""));
    assertEquals(dot.chars().filter(c -> c == '{').count(), dot.chars().filter(c -> c == '}').count());
  }

  @Test
  void attrsOfHandGraphsAreWhatTheFusionRulesRead() {
    assertEquals(AttrValue.of("SAME"), prepared().graph().node("a").attr("padding").orElseThrow());
  }
}
