package dev.tftrt.convert;

import dev.tftrt.plan.Segment;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.zoo.GeneratedModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The converters' numbers without a GPU: every segment of each model (those of {@link ZooSegmentsGpuTest}) is
 * converted by the standard converters into a {@link RecordingNetworkBuilder}, run by
 * {@link RecordedNetworkEvaluator} with TensorRT's layer semantics on the tensors TensorFlow feeds it, and its
 * outputs compared with TensorFlow's: the segment's outputs and every tensor computed inside it, so that a failure
 * names the first node whose conversion differs. A converter that misplaces a transpose, a padding side or a
 * weight layout fails here before any GPU time is spent. Prints {@code CPU-RESULT} lines with the errors.
 */
class ZooSegmentsCpuTest {
  private static final Path MODELS = Path.of("src/test/resources/models");
  /** Relative to {@code 1 + max|TensorFlow|}: TensorFlow computes in float32, the evaluator in double. */
  private static final double TOLERANCE = 1e-4;

  @Test
  void smallCnn() {
    assertSegmentsMatchTensorFlow("small-cnn", GeneratedModels.smallCnn(), 3, TOLERANCE);
  }

  @Test
  void inceptionBlock() {
    assertSegmentsMatchTensorFlow("inception-block", GeneratedModels.inceptionBlock(), 3, TOLERANCE);
  }

  /**
   * Batch 1: the evaluator's convolutions are plain loops (about 4 GMAC per image). TensorFlow's float32 rounding
   * grows to about 5e-6 through the 50 layers (it was 1.5e-4 before the zoo's residual branches started small).
   */
  @Test
  void resnet50() {
    assertSegmentsMatchTensorFlow("resnet50", GeneratedModels.resnet50(), 1, TOLERANCE);
  }

  @Test
  void kws() {
    assertSegmentsMatchTensorFlow("kws", MODELS.resolve("mlperf_tiny_kws_dscnn_tf2"), 3, TOLERANCE);
  }

  @Test
  void lenet() {
    assertSegmentsMatchTensorFlow("lenet", MODELS.resolve("tensorspace_lenet5_mnist_tf1"), 3, TOLERANCE);
  }

  @Test
  void mnistMlp() {
    assertSegmentsMatchTensorFlow("mnist-mlp", MODELS.resolve("kotlindl_mnist_mlp_tf2"), 3, TOLERANCE);
  }

  private static void assertSegmentsMatchTensorFlow(String label, Path model, int batch, double tolerance) {
    TensorFlowReference tf = TensorFlowReference.ofModel(label, model, batch);
    for (Segment s : tf.plan().segments()) {
      SegmentSpec spec = TensorFlowReference.specWithEveryTensor(s, tf.plan());
      RecordingNetworkBuilder network = new RecordingNetworkBuilder();
      Converters.convertSegment(Converters.standard(), tf.context(), spec, network);
      tf.assertOutputs("CPU-RESULT", spec, network.layers().size(), RecordedNetworkEvaluator.run(network,
          tf.inputs(spec)), tolerance);
    }
  }
}
