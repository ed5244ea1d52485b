package dev.tftrt.convert.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReductionConvertersTest {
  private static ConverterHarness harness() {
    return new ConverterHarness(ReductionConverters::register);
  }

  @Test
  void globalAveragePoolingIsAMeanOverHeightAndWidth() {
    ConverterHarness h = harness().placeholder("x", -1, 5, 6, 3).ints("hw", 1, 2)
        .op("gap", "Mean", "x", "hw");
    assertArrayEquals(new long[] {-1, 3}, h.assertShapeMatchesTensorFlow("gap"));
    ConverterHarness.Conversion c = h.convert("gap");
    assertEquals(List.of("Reduce"), c.kinds());
    assertEquals("gap", c.layers().get(0).name());
  }

  @Test
  void keepDimsAndNegativeAxes() {
    ConverterHarness h = harness().placeholder("x", -1, 5, 6, 3).ints("last", -1).ints("rows", 1)
        .op("sum", "Sum", Map.of("keep_dims", AttrValue.of(true)), "x", "last")
        .op("max", "Max", "x", "rows")
        .op("min", "Min", Map.of("keep_dims", AttrValue.of(true)), "x", "rows");
    assertArrayEquals(new long[] {-1, 5, 6, 1}, h.assertShapeMatchesTensorFlow("sum"));
    assertArrayEquals(new long[] {-1, 6, 3}, h.assertShapeMatchesTensorFlow("max"));
    assertArrayEquals(new long[] {-1, 1, 6, 3}, h.assertShapeMatchesTensorFlow("min"));
  }

  @Test
  void integerSumsButNotIntegerMeans() {
    Map<String, AttrValue> ints = Map.of("T", AttrValue.of(DataType.INT32));
    ConverterHarness h = harness().placeholder("x", DataType.INT32, -1, 4).ints("rows", 1)
        .op("sum", "Sum", ints, "x", "rows")
        .op("mean", "Mean", ints, "x", "rows");
    assertArrayEquals(new long[] {-1}, h.assertShapeMatchesTensorFlow("sum"));
    h.assertRejected("mean", "DT_INT32 is not supported by Mean");
  }

  @Test
  void rejectsReductionsOverTheBatchOrAtRunTime() {
    ConverterHarness h = harness().placeholder("x", -1, 4).placeholder("axes", DataType.INT32, 1)
        .ints("batch_axis", 0)
        .op("batch", "Min", "x", "batch_axis")
        .op("runtime", "Mean", "x", "axes");
    h.assertRejected("batch", "Min over the batch dimension");
    h.assertRejected("runtime", "Mean's reduction axes must be a constant");
  }

  @Test
  void softmaxOverTheLastAxis() {
    ConverterHarness h = harness().placeholder("logits", -1, 10).placeholder("per_item", -1)
        .op("probs", "Softmax", "logits")
        .op("batch", "Softmax", "per_item");
    assertArrayEquals(new long[] {-1, 10}, h.assertShapeMatchesTensorFlow("probs"));
    assertEquals(List.of("SoftMax"), h.convert("probs").kinds());
    h.assertRejected("batch", "Softmax over the batch dimension");
  }
}
