package dev.tftrt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InputBatchesTest {
  private static final IdxDataset FIVE_IMAGES = FashionMnist.train().first(5);

  @Test
  void batchesForEvaluationKeepEachImageOnceWithASmallerLastBatch() {
    List<Map<String, TensorValue>> batches = InputBatches.of(FIVE_IMAGES, "x", 2);
    assertEquals(List.of(2L, 2L, 1L), batches.stream().map(b -> b.get("x").shape().dim(0)).toList());
  }

  @Test
  void calibrationBatchesHaveOneShapeAndTheLastIsFilledFromTheFirstImages() {
    List<Map<String, TensorValue>> batches = InputBatches.forCalibration(FIVE_IMAGES, "x", 2);
    assertEquals(3, batches.size());
    for (Map<String, TensorValue> b : batches) {
      assertEquals(Shape.of(2, 28, 28, 1), b.get("x").shape());
    }
    int perImage = 28 * 28;
    float[] last = batches.get(2).get("x").toFloats();
    assertArrayEquals(FIVE_IMAGES.batch(4, 1).images(), Arrays.copyOfRange(last, 0, perImage));
    assertArrayEquals(FIVE_IMAGES.batch(0, 1).images(), Arrays.copyOfRange(last, perImage, 2 * perImage));
  }

  @Test
  void calibrationBatchesAreNoLargerThanTheDataset() {
    List<Map<String, TensorValue>> batches = InputBatches.forCalibration(FIVE_IMAGES, "x", 256);
    assertEquals(1, batches.size());
    assertEquals(Shape.of(5, 28, 28, 1), batches.get(0).get("x").shape());
  }
}
