package dev.tftrt.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.plan.HandGraphs;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GraphPassesTest {

  private static Map<String, String> reasons(PassResult r) {
    return r.removed().stream().collect(java.util.stream.Collectors.toMap(RemovedNode::name, RemovedNode::reason));
  }

  @Test
  void deadNodeEliminationKeepsOnlyWhatOutputsAndInputsNeed() {
    Graph g = HandGraphs.create().placeholder("x", 4).placeholder("unused", 4).placeholder("label", 4)
        .op("y", "Relu", "x").op("loss", "Sub", "y", "label").op("grad", "Mul", "loss", "loss").graph();
    Graph before = g.copy();
    PassResult r = DeadNodeElimination.apply(g, List.of(TensorRef.of("y")), List.of("x", "unused"));

    assertEquals(List.of("x", "unused", "y"), r.graph().nodes().stream().map(Node::name).toList());
    assertEquals(Map.of("label", DeadNodeElimination.REASON, "loss", DeadNodeElimination.REASON,
        "grad", DeadNodeElimination.REASON), reasons(r));
    assertEquals(before.size(), g.size(), "the input graph is not modified");
  }

  @Test
  void identityRemovalBypassesChainsButKeepsOutputsAndControlDependencies() {
    Graph g = HandGraphs.create().placeholder("x", 4)
        .op("i1", "Identity", "x").op("i2", "Identity", "i1").op("a", "Relu", "i2")
        .op("ctl", "Identity", "a").op("out", "Identity", "a").graph();
    g.add(new Node("after", "Relu", Map.of(), List.of(TensorRef.of("a")), List.of("ctl"), ""));
    PassResult r = IdentityRemoval.apply(g, List.of(TensorRef.of("out"), TensorRef.of("after")));

    assertEquals(Set.of("i1", "i2"), reasons(r).keySet());
    assertEquals(List.of(TensorRef.of("x")), r.graph().node("a").inputs());
    assertTrue(r.graph().contains("out"), "a graph output keeps its name");
    assertTrue(r.graph().contains("ctl"), "a control dependency keeps its node");
  }

  @Test
  void constantShapeArithmeticFolds() {
    // Shape -> StridedSlice (batch) -> Pack with -1 -> Reshape of a placeholder: what Keras Flatten writes.
    Map<String, AttrValue> slice = Map.of("shrink_axis_mask", AttrValue.of(1L), "begin_mask", AttrValue.of(0L),
        "end_mask", AttrValue.of(0L), "Index", AttrValue.of(DataType.INT32));
    Graph g = HandGraphs.create().placeholder("x", 2, 3, 4)
        .op("shape", "Shape", Map.of("out_type", AttrValue.of(DataType.INT32)), "x")
        .ints("b", new long[] {1}, 0).ints("e", new long[] {1}, 1).ints("s", new long[] {1}, 1)
        .op("batch", "StridedSlice", slice, "shape", "b", "e", "s")
        .ints("minus1", new long[] {}, -1)
        .op("target", "Pack", Map.of("axis", AttrValue.of(0L), "N", AttrValue.of(2L)), "batch", "minus1")
        .op("flat", "Reshape", "x", "target").graph();
    Map<TensorRef, TensorInfo> shapes = Map.of(TensorRef.of("x"), new TensorInfo(DataType.FLOAT, Shape.of(2, 3, 4)));

    PassResult r = GraphPasses.optimize(g, List.of(TensorRef.of("flat")), List.of("x"), shapes);

    Node target = r.graph().node("target");
    assertEquals("Const", target.op());
    assertArrayEquals(new long[] {2, -1}, target.tensorAttr("value").toLongs());
    assertEquals(Set.of("x", "target", "flat"), Set.copyOf(r.graph().nodes().stream().map(Node::name).toList()));
    assertEquals(ConstantFolding.REASON, reasons(r).get("batch"));
    assertEquals(DeadNodeElimination.REASON, reasons(r).get("minus1"));
  }

  @Test
  void shapeOfAnUnknownBatchIsNotFolded() {
    Graph g = HandGraphs.create().placeholder("x", -1, 3)
        .op("shape", "Shape", Map.of("out_type", AttrValue.of(DataType.INT32)), "x").graph();
    PassResult r = ConstantFolding.apply(g, List.of(),
        Map.of(TensorRef.of("x"), new TensorInfo(DataType.FLOAT, Shape.of(-1, 3))));
    assertEquals("Shape", r.graph().node("shape").op());
    assertTrue(r.removed().isEmpty());
  }

  @Test
  void weightArithmeticFoldsWithBroadcasting() {
    Graph g = HandGraphs.create()
        .floats("w", new long[] {2, 3}, 1, 2, 3, 4, 5, 6).floats("scale", new long[] {3}, 10, 100, 1000)
        .ints("perm", new long[] {2}, 1, 0)
        .op("scaled", "Mul", "w", "scale").op("t", "Transpose", "scaled", "perm")
        .op("c", "Cast", Map.of("DstT", AttrValue.of(DataType.INT32)), "t")
        .floats("one", new long[] {}, 1).op("sub", "Sub", "t", "one").op("r", "Rsqrt", "one").graph();
    PassResult r = ConstantFolding.apply(g, List.of());

    assertArrayEquals(new float[] {10, 40, 200, 500, 3000, 6000}, r.graph().node("t").tensorAttr("value").toFloats());
    assertEquals(Shape.of(3, 2), r.graph().node("t").tensorAttr("value").shape());
    TensorValue c = r.graph().node("c").tensorAttr("value");
    assertEquals(DataType.INT32, c.dtype());
    assertArrayEquals(new long[] {10, 40, 200, 500, 3000, 6000}, c.toLongs());
    assertArrayEquals(new float[] {9, 39, 199, 499, 2999, 5999}, r.graph().node("sub").tensorAttr("value").toFloats());
    assertArrayEquals(new float[] {1}, r.graph().node("r").tensorAttr("value").toFloats());
  }

  @Test
  void stridedSliceWithMasksAndConcat() {
    Map<String, AttrValue> masks = Map.of("begin_mask", AttrValue.of(2L), "end_mask", AttrValue.of(0L),
        "shrink_axis_mask", AttrValue.of(0L));
    Graph g = HandGraphs.create()
        .ints("m", new long[] {3, 4}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
        .ints("b", new long[] {2}, 1, 99).ints("e", new long[] {2}, 3, -1).ints("s", new long[] {2}, 1, 2)
        .op("sl", "StridedSlice", masks, "m", "b", "e", "s")
        .ints("axis", new long[] {}, 0).op("cat", "ConcatV2", "sl", "sl", "axis").graph();
    PassResult r = ConstantFolding.apply(g, List.of());

    TensorValue sl = r.graph().node("sl").tensorAttr("value");
    assertEquals(Shape.of(2, 2), sl.shape());
    assertArrayEquals(new long[] {4, 6, 8, 10}, sl.toLongs());
    assertArrayEquals(new long[] {4, 6, 8, 10, 4, 6, 8, 10}, r.graph().node("cat").tensorAttr("value").toLongs());
  }

  @Test
  void nodesReadingNonConstantsOrNamedAsOutputsAreNotFolded() {
    Graph g = HandGraphs.create().placeholder("x", 2).floats("k", new long[] {2}, 1, 2)
        .op("live", "Mul", "x", "k").op("kept", "Mul", "k", "k").graph();
    PassResult r = ConstantFolding.apply(g, List.of("kept"));
    assertEquals("Mul", r.graph().node("live").op());
    assertEquals("Mul", r.graph().node("kept").op());
    assertFalse(r.removed().stream().anyMatch(x -> x.name().equals("live")));
  }
}
