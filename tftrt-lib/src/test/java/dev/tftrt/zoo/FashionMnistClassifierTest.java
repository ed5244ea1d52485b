package dev.tftrt.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.data.FashionMnist;
import dev.tftrt.data.LabeledBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.types.TFloat32;

class FashionMnistClassifierTest {
  @TempDir Path dir;

  /** A short run: the loss goes down and the written model loads, predicts and holds only inference ops. */
  @Test
  void aShortRunLearnsAndWritesAServableModel() {
    List<String> progress = new ArrayList<>();
    FashionMnistClassifier.TrainingReport report =
        FashionMnistClassifier.train(dir.resolve("fm"), 1, 2000, progress::add);
    assertEquals(1, report.epochLosses().size());
    assertTrue(report.epochLosses().get(0) < report.initialLoss(), report.toString());
    assertTrue(report.testAccuracy() > 0.5, "far better than chance (0.1) already: " + report.testAccuracy());
    assertTrue(progress.get(0).startsWith("epoch 1/1") && progress.get(1).contains("test top-1"), progress.toString());

    LabeledBatch batch = FashionMnist.test().batch(0, 2);
    try (SavedModelBundle b = SavedModelBundle.load(report.model().toString(), ModelZoo.TAG);
        TFloat32 x = batch.tensor();
        Result r = b.function(ModelZoo.SIGNATURE_KEY).call(Map.of(ModelZoo.INPUT_KEY, x))) {
      assertArrayEquals(new long[] {-1, 28, 28, 1},
          b.function(ModelZoo.SIGNATURE_KEY).signature().getInputs().get(ModelZoo.INPUT_KEY).shape.asArray());
      TFloat32 p = (TFloat32) r.get(ModelZoo.OUTPUT_KEY).orElseThrow();
      assertArrayEquals(new long[] {2, 10}, p.shape().asArray());
      double sum = 0;
      for (int c = 0; c < 10; c++) {
        sum += p.getFloat(0, c);
      }
      assertEquals(1.0, sum, 1e-5);
    }
    Map<String, Integer> ops = ModelZooTest.inferenceOps(report.model());
    assertEquals(2, ops.get("Conv2D"));
    assertEquals(2, ops.get("MaxPool"));
    assertEquals(2, ops.get("MatMul"));
    assertEquals(8, ops.get("VariableV2"), "kernels and biases of two convolutions and two dense layers");
    assertFalse(ModelZooTest.graph(report.model()).opHistogram().containsKey("ApplyAdam"),
        "the exported graph is rebuilt without training ops");
  }

  /** The full recipe the GPU and benchmark issues rely on: all 60,000 images, 2 epochs (~15 s on two cores). */
  @Test
  void twoEpochsReachEightyFivePercentOnTheTestSplit() {
    FashionMnistClassifier.TrainingReport report = GeneratedModels.fashionMnist();
    assertTrue(report.testAccuracy() >= 0.85, "test top-1 " + report.testAccuracy());
    assertTrue(report.epochLosses().get(1) < report.epochLosses().get(0), report.epochLosses().toString());
  }
}
