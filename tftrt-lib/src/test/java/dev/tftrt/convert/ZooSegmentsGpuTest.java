package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.engine.TensorRtBackends;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.Segment;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.savedmodel.SignatureTensor;
import dev.tftrt.zoo.GeneratedModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The converters on a real GPU: every segment of each model is converted, built by TensorRT (FP32, no TF32) and
 * run on the tensors TensorFlow feeds it; its outputs must be TensorFlow's. This checks what the recording
 * builder cannot: weight layouts, padding, transposes and constants as TensorRT computes them.
 */
@Tag("gpu")
class ZooSegmentsGpuTest {
  private static final Path MODELS = Path.of("src/test/resources/models");
  private static final int BATCH = 3;
  private static TensorRtBackend backend;

  @BeforeAll
  static void backend() {
    backend = TensorRtBackends.system();
    Availability a = backend.availability();
    assertTrue(a.available(), a.describe());
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
    ConversionPlan plan = new TrtGraphConverterV2(model, TrtConversionParams.defaults()).convert();
    assertFalse(plan.segments().isEmpty(), label + " has no segment: " + plan.leftOut());
    ValidationContext context = new ValidationContext(plan.graph(), ShapeInference.infer(plan.graph()),
        Precision.FP32);
    Map<TensorRef, TensorValue> tf = runTensorFlow(plan);
    for (Segment s : plan.segments()) {
      SegmentSpec spec = new SegmentSpec(s.name(), s.nodes(), s.inputs(), s.outputs());
      try (NetworkDefinition network = backend.newNetwork()) {
        Converters.SegmentNetwork converted = Converters.convertSegment(Converters.standard(), context, spec,
            network);
        EngineConfig.Builder config = EngineConfig.builder().precision(Precision.FP32).tf32(false)
            .workspaceBytes(1L << 30);
        Map<String, TensorValue> inputs = new LinkedHashMap<>();
        for (int i = 0; i < s.inputs().size(); i++) {
          config.profile(SegmentSpec.inputBinding(i), ShapeRange.batch(converted.inputs().get(i).shape(), 8));
          inputs.put(SegmentSpec.inputBinding(i), tf.get(s.inputs().get(i)));
        }
        BuildResult built = backend.build(network, config.build(), BuildListener.NONE);
        try (Engine engine = backend.deserialize(built.plan()); ExecutionContext run = engine.createContext()) {
          Map<String, TensorValue> outputs = run.execute(inputs);
          for (int i = 0; i < s.outputs().size(); i++) {
            TensorValue want = tf.get(s.outputs().get(i));
            TensorValue got = outputs.get(SegmentSpec.outputBinding(i));
            double diff = maxAbsDiff(want.toFloats(), got.toFloats());
            System.out.println("GPU-RESULT " + label + " " + s.name() + " (" + s.size() + " nodes, "
                + network.layerCount() + " layers) output " + s.outputs().get(i) + " " + got.shape()
                + ": max |TensorRT - TensorFlow| = " + diff);
            assertArrayEquals(want.shape().dims(), got.shape().dims(), s.outputs().get(i).toString());
            assertTrue(diff <= 1e-3 * (1 + maxAbs(want.toFloats())), label + " " + s.outputs().get(i) + " differs by "
                + diff);
          }
        }
      }
    }
  }

  /** Every segment input and output as TensorFlow computes them from one random batch. */
  private static Map<TensorRef, TensorValue> runTensorFlow(ConversionPlan plan) {
    SplittableRandom random = new SplittableRandom(11);
    Map<TensorRef, TensorValue> values = new LinkedHashMap<>();
    LinkedHashSet<TensorRef> wanted = new LinkedHashSet<>();
    plan.segments().forEach(s -> {
      wanted.addAll(s.inputs());
      wanted.addAll(s.outputs());
    });
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(GraphDefs.toProto(plan.graph()));
      try (Session session = new Session(g)) {
        Session.Runner runner = session.runner();
        List<Tensor> owned = new ArrayList<>();
        try {
          for (SignatureTensor in : plan.model().inputs()) {
            Shape shape = in.shape().withDim(0, BATCH);
            float[] v = new float[Math.toIntExact(shape.numElements())];
            for (int i = 0; i < v.length; i++) {
              v[i] = (float) random.nextDouble();
            }
            TFloat32 t = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(shape.dims()), DataBuffers.of(v));
            owned.add(t);
            runner.feed(in.tensor().node(), in.tensor().index(), t);
            values.put(in.tensor(), TensorValue.ofFloats(shape, v));
            wanted.remove(in.tensor());
          }
          List<TensorRef> fetched = List.copyOf(wanted);
          fetched.forEach(t -> runner.fetch(t.node(), t.index()));
          try (Result r = runner.run()) {
            for (int i = 0; i < fetched.size(); i++) {
              TFloat32 t = (TFloat32) r.get(i);
              float[] v = new float[Math.toIntExact(t.size())];
              t.asRawTensor().data().asFloats().read(v);
              values.put(fetched.get(i), TensorValue.ofFloats(Shape.of(t.shape().asArray()), v));
            }
          }
        } finally {
          owned.forEach(Tensor::close);
        }
      }
    }
    return values;
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }

  private static double maxAbs(float[] a) {
    double max = 0;
    for (float v : a) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }
}
