package dev.tftrt.convert;


import dev.tftrt.Precision;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.RequiredTensorRt;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.plan.Segment;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.zoo.GeneratedModels;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The converters on a real GPU: every segment of each model is converted, built by TensorRT (FP32, no TF32) and
 * run on the tensors TensorFlow feeds it; its outputs must be TensorFlow's. This checks what the recording
 * builder cannot: weight layouts, padding, transposes and constants as TensorRT computes them
 * ({@link ZooSegmentsCpuTest} checks the same on the CPU, as the evaluator reads TensorRT's semantics).
 */
@Tag("gpu")
class ZooSegmentsGpuTest {
  private static final Path MODELS = Path.of("src/test/resources/models");
  private static final int BATCH = 3;
  private static TensorRtBackend backend;

  @BeforeAll
  static void backend() {
    backend = RequiredTensorRt.backend();
  }

  @Test
  void smallCnn() {
    assertSegmentsMatchTensorFlow("small-cnn", GeneratedModels.smallCnn());
  }

  @Test
  void inceptionBlock() {
    assertSegmentsMatchTensorFlow("inception-block", GeneratedModels.inceptionBlock());
  }

  @Test
  void resnet50() {
    assertSegmentsMatchTensorFlow("resnet50", GeneratedModels.resnet50());
  }

  @Test
  void kws() {
    assertSegmentsMatchTensorFlow("kws", MODELS.resolve("mlperf_tiny_kws_dscnn_tf2"));
  }

  @Test
  void lenet() {
    assertSegmentsMatchTensorFlow("lenet", MODELS.resolve("tensorspace_lenet5_mnist_tf1"));
  }

  @Test
  void mnistMlp() {
    assertSegmentsMatchTensorFlow("mnist-mlp", MODELS.resolve("kotlindl_mnist_mlp_tf2"));
  }

  private static void assertSegmentsMatchTensorFlow(String label, Path model) {
    TensorFlowReference tf = TensorFlowReference.ofModel(label, model, BATCH);
    for (Segment s : tf.plan().segments()) {
      SegmentSpec spec = SegmentSpec.of(s);
      try (NetworkDefinition network = backend.newNetwork()) {
        Converters.SegmentNetwork converted = Converters.convertSegment(Converters.standard(), tf.context(), spec,
            network);
        EngineConfig.Builder config = EngineConfig.builder().precision(Precision.FP32).tf32(false)
            .workspaceBytes(1L << 30);
        for (int i = 0; i < s.inputs().size(); i++) {
          config.profile(SegmentSpec.inputBinding(i), ShapeRange.batch(converted.inputs().get(i).shape(), 8));
        }
        BuildResult built = backend.build(network, config.build(), BuildListener.NONE);
        try (Engine engine = backend.deserialize(built.plan()); ExecutionContext run = engine.createContext()) {
          tf.assertOutputs("GPU-RESULT", spec, network.layerCount(), run.execute(tf.inputs(spec)), 1e-3);
        }
      }
    }
  }
}
