package dev.tftrt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.data.Mnist;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AccuracyTest {
  static final Path MODELS = Path.of("src/test/resources/models");
  static IdxDataset digits;

  @BeforeAll
  static void read() {
    // mnist10k is sorted by class: shuffle before taking a subset.
    digits = Mnist.first10k(Path.of("src/test/resources/datasets/mnist10k")).shuffled(1).first(600);
  }

  @Test
  void realMnistModelsAreAccurateAndAgreeWithThemselvesExactly() {
    try (SavedModelTarget mlp = SavedModelTarget.load(MODELS.resolve("kotlindl_mnist_mlp_tf2"));
        SavedModelTarget lenet = SavedModelTarget.load(MODELS.resolve("tensorspace_lenet5_mnist_tf1"))) {
      Accuracy check = Accuracy.against(mlp, digits, "MNIST", 64, Progress.Listener.NONE);
      Accuracy.Result ref = check.reference();
      assertEquals(600, ref.images());
      assertTrue(ref.top1() > 0.9, "a trained MLP classifies MNIST digits: " + ref.top1());
      assertTrue(Double.isNaN(ref.agreement()), "the reference is not compared with itself");

      Accuracy.Result same = check.evaluate(mlp);
      assertEquals(ref.top1(), same.top1());
      assertEquals(1.0, same.agreement());
      assertEquals(0.0, same.maxAbsError());
      assertEquals(0.0, same.relativeL2Error());

      Accuracy.Result other = check.evaluate(lenet);
      assertTrue(other.top1() > 0.5, "LeNet-5 classifies digits too: " + other.top1());
      assertTrue(other.agreement() > 0.5 && other.agreement() < 1.0, "another model agrees often, not always: "
          + other.agreement());
      assertTrue(other.maxAbsError() > 0 && other.relativeL2Error() > 0);
    }
  }

  @Test
  void theLastBatchMayBeSmaller() {
    try (SavedModelTarget mlp = SavedModelTarget.load(MODELS.resolve("kotlindl_mnist_mlp_tf2"))) {
      IdxDataset odd = digits.first(37);
      Accuracy.Result whole = Accuracy.against(mlp, odd, "MNIST", 37, Progress.Listener.NONE).reference();
      Accuracy.Result split = Accuracy.against(mlp, odd, "MNIST", 10, Progress.Listener.NONE).reference();
      assertEquals(37, split.images());
      assertEquals(whole.top1(), split.top1());
    }
  }

  @Test
  void aModelWhoseInputIsNotAnImageIsRefusedWithItsShape() {
    try (SavedModelTarget kws = SavedModelTarget.load(MODELS.resolve("mlperf_tiny_kws_dscnn_tf2"))) {
      TftrtException e = assertThrows(TftrtException.class,
          () -> Accuracy.against(kws, digits, "MNIST", 8, Progress.Listener.NONE));
      assertTrue(e.getMessage().contains("28x28") && e.getMessage().contains("float32"), e.getMessage());
    }
  }
}
