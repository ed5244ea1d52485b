package dev.tftrt.convert.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MatMulConvertersTest {
  private static ConverterHarness harness() {
    return new ConverterHarness(MatMulConverters::register);
  }

  @Test
  void denseLayerProductHasTensorFlowsShape() {
    ConverterHarness h = harness().placeholder("x", -1, 4).floats("w", new long[] {4, 3}, new float[12])
        .op("mm", "MatMul", "x", "w");
    assertArrayEquals(new long[] {-1, 3}, h.assertShapeMatchesTensorFlow("mm"));
    ConverterHarness.Conversion c = h.convert("mm");
    assertEquals(List.of("Constant", "MatrixMultiply"), c.kinds());
    assertEquals("mm", c.layers().get(1).name());
  }

  @Test
  void transposedWeights() {
    ConverterHarness h = harness().placeholder("x", -1, 4).floats("w", new long[] {3, 4}, new float[12])
        .op("mm", "MatMul", Map.of("transpose_b", AttrValue.of(true)), "x", "w");
    assertArrayEquals(new long[] {-1, 3}, h.assertShapeMatchesTensorFlow("mm"));
  }

  @Test
  void rejectsProductsAcrossTheBatch() {
    ConverterHarness h = harness().placeholder("x", -1, 4).placeholder("y", -1, 3)
        .floats("w", new long[] {4, 3}, new float[12])
        .op("ta", "MatMul", Map.of("transpose_a", AttrValue.of(true)), "x", "w")
        .op("tensors", "MatMul", "x", "y");
    h.assertRejected("ta", "transpose_a");
    h.assertRejected("tensors", "second input must be constant weights");
  }

  @Test
  void rejectsIntegerMatrices() {
    ConverterHarness h = harness().placeholder("x", DataType.INT32, -1, 4).ints("w", 1, 2, 3, 4)
        .op("mm", "MatMul", Map.of("T", AttrValue.of(DataType.INT32)), "x", "w");
    h.assertRejected("mm", "DT_INT32 is not supported by MatMul");
  }

  @Test
  void batchedProductWithBroadcastWeights() {
    ConverterHarness h = harness().placeholder("x", -1, 2, 3, 4).floats("w", new long[] {4, 5}, new float[20])
        .op("bmm", "BatchMatMulV2", "x", "w");
    assertArrayEquals(new long[] {-1, 2, 3, 5}, h.assertShapeMatchesTensorFlow("bmm"));
    ConverterHarness.Conversion c = h.convert("bmm");
    // The weights are lifted to the tensor's rank as their own constant layer.
    assertEquals(List.of("Constant", "MatrixMultiply"), c.kinds());
    assertEquals("bmm/y", c.layers().get(0).name());
  }

  @Test
  void batchedProductWithConstantOnTheLeft() {
    ConverterHarness h = harness().placeholder("y", -1, 2, 4, 5).floats("w", new long[] {3, 4}, new float[12])
        .op("bmm", "BatchMatMulV2", "w", "y");
    assertArrayEquals(new long[] {-1, 2, 3, 5}, h.assertShapeMatchesTensorFlow("bmm"));
    assertEquals("bmm/x", h.convert("bmm").layers().get(0).name());
  }

  @Test
  void batchedProductOfTwoTensorsWithAdjoint() {
    ConverterHarness h = harness().placeholder("q", -1, 2, 3, 4).placeholder("k", -1, 2, 5, 4)
        .op("scores", "BatchMatMulV2", Map.of("adj_y", AttrValue.of(true)), "q", "k");
    assertArrayEquals(new long[] {-1, 2, 3, 5}, h.assertShapeMatchesTensorFlow("scores"));
    assertEquals(List.of("MatrixMultiply"), h.convert("scores").kinds());
  }

  @Test
  void rejectsBatchedProductsThatReachTheBatch() {
    ConverterHarness h = harness().placeholder("m", -1, 4).placeholder("x", -1, 3, 4).placeholder("y", -1, 2, 4, 5)
        .floats("w", new long[] {4, 5}, new float[20]).floats("w3", new long[] {2, 4, 5}, new float[40])
        .op("rank2", "BatchMatMulV2", "m", "w")
        .op("pairs", "BatchMatMulV2", "x", "w3")
        .op("ranks", "BatchMatMulV2", "x", "y");
    h.assertRejected("rank2", "needs rank 3 or more");
    h.assertRejected("pairs", "would pair its first dimension with the batch");
    h.assertRejected("ranks", "ranks must be equal");
  }
}
