package dev.tftrt.convert.ops;

import static dev.tftrt.convert.ops.Segments.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.convert.NetworkBuilder.ElementWise;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.plan.HandGraphs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ElementwiseConvertersTest {

  @Test
  void biasAddOnImagesIsAPerChannelShift() {
    Graph g = HandGraphs.create().placeholder("x", -1, 5, 5, 3).floats("b", new long[] {3}, 1f, 2f, 3f)
        .op("bias", "BiasAdd", "x", "b").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ElementwiseConverters::register, true, "bias");
    assertEquals(List.of("Shuffle", "Scale", "Shuffle"), net.kinds());
    assertArrayEquals(new float[] {1f, 2f, 3f}, ((TensorValue) net.layer("bias").params().get("shift")).toFloats());
  }

  @Test
  void biasAddOnMatricesAddsABroadcastConstant() {
    Graph g = HandGraphs.create().placeholder("x", -1, 4).floats("b", new long[] {4}, 1f, 2f, 3f, 4f)
        .op("bias", "BiasAdd", "x", "b").graph();
    RecordingNetworkBuilder net = Segments.convert(g, ElementwiseConverters::register, true, "bias");
    assertEquals(List.of("Constant", "ElementWise"), net.kinds());
    assertEquals(Shape.of(1, 4), net.layer("bias/bias").output().shape());
  }

  @Test
  void everyBinaryOpBroadcastsLowerRankConstants() {
    HandGraphs h = HandGraphs.create().placeholder("x", -1, 4, 4, 3).placeholder("y", -1, 4, 1, 3)
        .floats("c", new long[] {3}, 1f, 2f, 3f).floats("s", new long[] {}, 2f);
    Map<String, ElementWise> ops = Map.of("Add", ElementWise.SUM, "AddV2", ElementWise.SUM, "Sub",
        ElementWise.SUB, "Mul", ElementWise.PROD, "RealDiv", ElementWise.DIV, "Maximum", ElementWise.MAX,
        "Minimum", ElementWise.MIN);
    ops.keySet().stream().sorted().forEach(op -> h.op(op, op, "x", "c"));
    h.op("scalar_first", "Sub", "s", "x").op("two_tensors", "Mul", "x", "y");
    RecordingNetworkBuilder net = Segments.convert(h.graph(), ElementwiseConverters::register, true,
        "Add", "AddV2", "Maximum", "Minimum", "Mul", "RealDiv", "Sub", "scalar_first", "two_tensors");
    ops.forEach((op, kind) -> assertEquals(kind, net.layer(op).params().get("operation"), op));
    assertEquals(Shape.of(1, 1, 1, 3), net.layer("Add/operand_1").output().shape());
    assertEquals(List.of("scalar_first/operand_0:0", "input_0"), net.layer("scalar_first").inputs());
    assertEquals(List.of("input_0", "input_1"), net.layer("two_tensors").inputs());
  }

  @Test
  void rejectionsNameTheReason() {
    HandGraphs h = HandGraphs.create().placeholder("x", -1, 4, 4, 3).placeholder("v", -1, 3)
        .placeholder("z", -1, 4, 4, 5).floats("c", new long[] {3}, 1f, 2f, 3f)
        .floats("batch3", new long[] {3, 4, 4, 3}, new float[144]).floats("big", new long[] {1, 1, 4, 4, 3},
            new float[48]);
    h.op("consts", "Add", "c", "c").op("fixes_batch", "Mul", "x", "batch3").op("ranks", "Add", "x", "v")
        .op("clash", "Add", "x", "z").op("adds_dims", "Add", "x", "big")
        .op("ints", "AddV2", Map.of("T", AttrValue.of(DataType.INT32)), "x", "c")
        .floats("b4", new long[] {4}, new float[4]).op("bias_size", "BiasAdd", "x", "b4")
        .op("bias_tensor", "BiasAdd", "x", "v");
    Graph g = h.graph();
    assertRejected(g, ElementwiseConverters::register, "consts",
        "both operands are constants (left to TensorFlow; constant folding handles them)");
    assertRejected(g, ElementwiseConverters::register, "fixes_batch",
        "constant operand [3,4,4,3] would fix the batch dimension (its dimension 0 must be 1)");
    assertRejected(g, ElementwiseConverters::register, "ranks",
        "operands of rank 4 and 2 that are not constants (TensorRT broadcasts equal ranks only)");
    assertRejected(g, ElementwiseConverters::register, "clash",
        "operand shapes [?,4,4,3] and [?,4,4,5] do not broadcast");
    assertRejected(g, ElementwiseConverters::register, "adds_dims",
        "constant operand [1,1,4,4,3] has more dimensions than [?,4,4,3] (it would change the batch dimension)");
    assertRejected(g, ElementwiseConverters::register, "ints",
        "DT_INT32 is not supported by AddV2 (TensorRT takes DT_FLOAT, DT_HALF)");
    assertRejected(g, ElementwiseConverters::register, "bias_size",
        "bias of 4 values does not fit 3 channels of [?,4,4,3]");
    assertRejected(g, ElementwiseConverters::register, "bias_tensor", "bias v is not a 1-D float constant");
  }
}
