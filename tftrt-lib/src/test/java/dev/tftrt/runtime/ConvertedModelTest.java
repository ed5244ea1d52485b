package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.ConverterFixtures;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.engine.UnavailableBackend;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Running a converted model: what it takes, what it refuses, and after close. */
class ConvertedModelTest {
  private static ConvertedModel model;
  private static final String TAKES = "input: float32[?,32,32,3]";

  @BeforeAll
  static void build() {
    model = ConverterFixtures.converter(GeneratedModels.smallCnn(), TrtConversionParams.defaults(),
        ConverterFixtures.SMALL_CNN_OPS).withBackend(new UnavailableBackend("no GPU in this test")).build(null);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static TftrtException refused(Map<String, ?> inputs) {
    return assertThrows(TftrtException.class, () -> model.run(inputs));
  }

  @Test
  void describesItsSignature() {
    assertEquals(Map.of("input", new TensorInfo(DataType.FLOAT, Shape.of(-1, 32, 32, 3))), model.inputs());
    assertEquals(List.of(ModelZoo.OUTPUT_KEY), List.copyOf(model.outputs().keySet()));
    assertEquals(2, model.segments().size());
    assertTrue(model.segments().get(0).runsNativelyBecause().startsWith("TENSORRT_UNAVAILABLE: TensorRT not "
        + "available: no GPU in this test"), model.segments().toString());
  }

  @Test
  void takesTensorFlowTensorsAsWellAsValues() {
    float[] x = new float[2 * 32 * 32 * 3];
    java.util.Arrays.fill(x, 0.5f);
    TensorValue v = TensorValue.ofFloats(Shape.of(2, 32, 32, 3), x);
    try (Tensor t = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(2, 32, 32, 3), DataBuffers.of(x))) {
      float[] fromTensor = model.run(Map.of("input", t)).get(ModelZoo.OUTPUT_KEY).toFloats();
      assertArrayEquals(model.run(Map.of("input", v)).get(ModelZoo.OUTPUT_KEY).toFloats(), fromTensor);
      assertEquals(20, fromTensor.length);
    }
  }

  @Test
  void badInputsGetOneClearMessage() {
    TensorValue good = TensorValue.ofFloats(Shape.of(1, 32, 32, 3), new float[32 * 32 * 3]);
    assertEquals("the input is null; give a map from input name to tensor: " + TAKES, refused(null).getMessage());
    assertEquals("the input is missing input 'input'; the model takes " + TAKES, refused(Map.of()).getMessage());
    assertEquals("the input has an unknown input 'image'; the model takes " + TAKES,
        refused(Map.of("input", good, "image", good)).getMessage());
    Map<String, Object> nullValue = new HashMap<>();
    nullValue.put("input", null);
    assertEquals("the input: input 'input' is null; give a TensorValue or an org.tensorflow Tensor of "
        + "float32[?,32,32,3]", refused(nullValue).getMessage());
    assertEquals("the input: input 'input' is a java.lang.String; give a TensorValue or an org.tensorflow Tensor "
        + "of float32[?,32,32,3]", refused(Map.of("input", "cat.jpg")).getMessage());
    assertEquals("the input: input 'input' is int32 but the model takes float32[?,32,32,3]",
        refused(Map.of("input", TensorValue.ofInts(Shape.of(1, 32, 32, 3), new int[32 * 32 * 3]))).getMessage());
    assertEquals("the input: input 'input' has shape [32,32,3] but the model takes float32[?,32,32,3] (? = any size)",
        refused(Map.of("input", TensorValue.ofFloats(Shape.of(32, 32, 3), new float[32 * 32 * 3]))).getMessage());
    assertEquals("the input: input 'input' has shape [1,28,28,3] but the model takes float32[?,32,32,3] "
        + "(? = any size)", refused(Map.of("input", TensorValue.ofFloats(Shape.of(1, 28, 28, 3),
        new float[28 * 28 * 3]))).getMessage());
  }

  @Test
  void segmentsReadingConstantsFromOutsideStillRun() {
    java.util.Set<String> withoutConst = new java.util.HashSet<>(ConverterFixtures.SMALL_CNN_OPS);
    withoutConst.remove("Const");
    try (ConvertedModel m = ConverterFixtures.converter(GeneratedModels.smallCnn(), TrtConversionParams.defaults(),
        withoutConst).withBackend(new UnavailableBackend("no GPU")).build(null)) {
      TensorValue x = TensorValue.ofFloats(Shape.of(1, 32, 32, 3), new float[32 * 32 * 3]);
      assertArrayEquals(model.run(Map.of("input", x)).get(ModelZoo.OUTPUT_KEY).toFloats(),
          m.run(Map.of("input", x)).get(ModelZoo.OUTPUT_KEY).toFloats(), 1e-6f);
    }
  }

  @Test
  void aClosedModelSaysSo() {
    ConvertedModel m = ConverterFixtures.converter(GeneratedModels.smallCnn(), TrtConversionParams.defaults(),
        ConverterFixtures.SMALL_CNN_OPS).withBackend(new UnavailableBackend("no GPU")).build(null);
    m.close();
    m.close();
    TftrtException e = assertThrows(TftrtException.class, () -> m.run(Map.of("input",
        TensorValue.ofFloats(Shape.of(1, 32, 32, 3), new float[32 * 32 * 3]))));
    assertEquals("this model is closed; load it again to run it", e.getMessage());
  }
}
