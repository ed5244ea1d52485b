package dev.tftrt.convert.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UnaryConvertersTest {
  private static ConverterHarness harness() {
    return new ConverterHarness(UnaryConverters::register);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Sqrt", "Exp", "Log"})
  void elementwiseMathIsOneUnaryLayer(String op) {
    ConverterHarness h = harness().placeholder("x", -1, 3, 4).op("y", op, "x");
    assertArrayEquals(new long[] {-1, 3, 4}, h.assertShapeMatchesTensorFlow("y"));
    assertEquals(List.of("Unary"), h.convert("y").kinds());
  }

  @Test
  void rsqrtIsSquareRootThenReciprocal() {
    ConverterHarness h = harness().placeholder("x", -1, 3).op("y", "Rsqrt", "x");
    h.assertShapeMatchesTensorFlow("y");
    ConverterHarness.Conversion c = h.convert("y");
    assertEquals(List.of("Unary", "Unary"), c.kinds());
    assertEquals(List.of("y/sqrt", "y"), c.layers().stream().map(RecordingNetworkBuilder.Layer::name).toList());
  }

  @Test
  void squareIsAProductWithItself() {
    ConverterHarness h = harness().placeholder("x", -1, 3).op("y", "Square", "x");
    h.assertShapeMatchesTensorFlow("y");
    assertEquals(List.of("ElementWise"), h.convert("y").kinds());
  }

  @Test
  void mathOnIntegersIsRejected() {
    ConverterHarness h = harness().placeholder("x", DataType.INT32, -1, 3)
        .op("y", "Exp", Map.of("T", AttrValue.of(DataType.INT32)), "x");
    h.assertRejected("y", "DT_INT32 is not supported by Exp");
  }

  @Test
  void clipByValueWithConstantBounds() {
    ConverterHarness h = harness().placeholder("x", -1, 3).placeholder("hi", DataType.FLOAT)
        .floats("zero", new long[0], 0f).floats("six", new long[0], 6f)
        .floats("per_column", new long[] {3}, 1f, 2f, 3f)
        .op("relu6", "ClipByValue", "x", "zero", "six")
        .op("runtime", "ClipByValue", "x", "zero", "hi")
        .op("columns", "ClipByValue", "x", "zero", "per_column");
    h.assertShapeMatchesTensorFlow("relu6");
    assertEquals(List.of("Activation"), h.convert("relu6").kinds());
    h.assertRejected("runtime", "ClipByValue's clip_value_max must be a constant");
    h.assertRejected("columns", "ClipByValue's clip_value_max must be a scalar");
  }

  @Test
  void castBetweenFloatHalfAndInt32() {
    ConverterHarness h = harness().placeholder("x", -1, 3)
        .op("half", "Cast", Map.of("SrcT", AttrValue.of(DataType.FLOAT), "DstT", AttrValue.of(DataType.HALF)),
            "x")
        .op("wide", "Cast", Map.of("SrcT", AttrValue.of(DataType.FLOAT), "DstT", AttrValue.of(DataType.INT64)),
            "x");
    ConverterHarness.Conversion c = h.convert("half");
    assertEquals(DataType.HALF, c.output().type());
    assertEquals(List.of("Identity"), c.kinds());
    h.assertShapeMatchesTensorFlow("half");
    h.assertRejected("wide", "Cast from DT_FLOAT to DT_INT64 is not supported");
  }

  @Test
  void identityOfATensorOrAConstant() {
    ConverterHarness h = harness().placeholder("x", -1, 3).floats("w", new long[] {2}, 1f, 2f)
        .placeholder("names", DataType.STRING, -1)
        .op("same", "Identity", "x")
        .op("weights", "Identity", "w")
        .op("strings", "Identity", Map.of("T", AttrValue.of(DataType.STRING)), "names");
    h.assertShapeMatchesTensorFlow("same");
    assertEquals(List.of("Identity"), h.convert("same").kinds());
    ConverterHarness.Conversion c = h.convert("weights");
    assertEquals(List.of("Constant", "Identity"), c.kinds());
    assertEquals(Shape.of(2), c.output().shape());
    h.assertRejected("strings", "DT_STRING is not supported by Identity");
  }

  @Test
  void constantsJoinSegmentsWithoutLayersOfTheirOwn() {
    ConverterHarness h = harness()
        .floats("w", new long[] {2}, 1f, 2f)
        .constant("shape", TensorValue.ofLongs(Shape.of(2), -1, 784))
        .constant("huge", TensorValue.ofLongs(Shape.of(1), 1L << 40))
        .constant("text", TensorValue.ofStrings(Shape.of(1), List.of(new byte[] {'a'})));
    assertEquals(Optional.empty(), h.validate("w"));
    assertEquals(Optional.empty(), h.validate("shape"));
    h.assertRejected("huge", "does not fit in the 32-bit integers");
    h.assertRejected("text", "DT_STRING is not supported by Const");
    // A constant becomes a layer only when a converter reads it as a tensor (see identityOfATensorOrAConstant).
    assertEquals(List.of(), h.convert("w").layers());
  }
}
