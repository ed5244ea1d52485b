package dev.tftrt.runtime;

import dev.tftrt.graph.Graph;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A small CNN built with TensorFlow Java and read back as a frozen graph: x[?,8,8,1] -> conv -> bias -> relu
 * -> maxpool -> reshape -> matmul -> add -> softmax ("probs"), and the pooled features as a second output.
 */
final class SmallCnnGraph implements AutoCloseable {
  static final TensorRef INPUT = TensorRef.of("x");
  static final TensorRef PROBS = TensorRef.of("probs");
  static final TensorRef FEATURES = TensorRef.of("pool");
  static final List<TensorRef> OUTPUTS = List.of(PROBS, FEATURES);

  /** conv, bias, relu: reads x, produces relu. */
  static final SegmentSpec CONV = new SegmentSpec("conv_segment", List.of("conv_w", "conv", "conv_b", "bias", "relu"),
      List.of(INPUT), List.of(TensorRef.of("relu")));
  /** matmul, add: reads the flattened features, produces logits. */
  static final SegmentSpec DENSE = new SegmentSpec("dense_segment", List.of("fc_w", "fc", "fc_b", "logits"),
      List.of(TensorRef.of("flat")), List.of(TensorRef.of("logits")));
  /** the max pool alone, right after CONV: two segments in a row. */
  static final SegmentSpec POOL = new SegmentSpec("pool_segment", List.of("ksize", "strides", "pool"),
      List.of(TensorRef.of("relu")), List.of(TensorRef.of("pool")));

  final Graph graph;
  private final org.tensorflow.Graph tfGraph;

  SmallCnnGraph() {
    tfGraph = new org.tensorflow.Graph();
    Ops tf = Ops.create(tfGraph);
    Random r = new Random(7);
    var x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 8, 8, 1)));
    var w = tf.withName("conv_w").constant(org.tensorflow.ndarray.Shape.of(3, 3, 1, 4), DataBuffers.of(random(r, 36)));
    var conv = tf.withName("conv").nn.conv2d(x, w, List.of(1L, 1L, 1L, 1L), "SAME");
    var b = tf.withName("conv_b").constant(org.tensorflow.ndarray.Shape.of(4), DataBuffers.of(random(r, 4)));
    var bias = tf.withName("bias").nn.biasAdd(conv, b);
    var relu = tf.withName("relu").nn.relu(bias);
    var pool = tf.withName("pool").nn.maxPool(relu, tf.withName("ksize").constant(new int[] {1, 2, 2, 1}),
        tf.withName("strides").constant(new int[] {1, 2, 2, 1}), "VALID");
    var flat = tf.withName("flat").reshape(pool, tf.withName("flat_shape").constant(new int[] {-1, 64}));
    var fw = tf.withName("fc_w").constant(org.tensorflow.ndarray.Shape.of(64, 10), DataBuffers.of(random(r, 640)));
    var fc = tf.withName("fc").linalg.matMul(flat, fw);
    var fb = tf.withName("fc_b").constant(org.tensorflow.ndarray.Shape.of(10), DataBuffers.of(random(r, 10)));
    var logits = tf.withName("logits").math.add(fc, fb);
    tf.withName("probs").nn.softmax(logits);
    graph = GraphDefs.fromProto(tfGraph.toGraphDef());
  }

  private static float[] random(Random r, int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) r.nextGaussian() * 0.5f;
    }
    return f;
  }

  static TensorValue input(int batch, long seed) {
    Random r = new Random(seed);
    float[] f = new float[batch * 64];
    for (int i = 0; i < f.length; i++) {
      f[i] = r.nextFloat();
    }
    return TensorValue.ofFloats(Shape.of(batch, 8, 8, 1), f);
  }

  /** The outputs computed by TensorFlow on the whole graph in one session. */
  Map<TensorRef, TensorValue> reference(TensorValue x) {
    try (Session s = new Session(tfGraph); Tensor in = TfTensors.toTensor(x);
        org.tensorflow.Result res = s.runner().feed("x", in).fetch("probs").fetch("pool").run()) {
      return Map.of(PROBS, TfTensors.toValue(res.get(0)), FEATURES, TfTensors.toValue(res.get(1)));
    }
  }

  HybridExecutor executor(List<SegmentEngines> segments, dev.tftrt.engine.TensorRtBackend backend) {
    return new HybridExecutor(graph, List.of(INPUT), OUTPUTS, segments, backend);
  }

  @Override
  public void close() {
    tfGraph.close();
  }
}
