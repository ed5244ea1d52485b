package dev.tftrt.convert.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.Converters;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.convert.ShapeInference;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.LeftOut;
import dev.tftrt.plan.Planner;
import dev.tftrt.plan.PreparedGraph;
import dev.tftrt.plan.Segment;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.savedmodel.SavedModelFreezer;
import dev.tftrt.savedmodel.SignatureTensor;
import dev.tftrt.zoo.GeneratedModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * This package's converters on real SavedModels written by TensorFlow (three downloaded models and the zoo's
 * Inception block): their MatMul, Reshape, Softmax, ConcatV2 and Mean nodes are accepted, LeNet's dynamic
 * Flatten is rejected with named reasons, and converting them gives the shapes TensorFlow computes.
 */
class RealModelsConversionTest {
  private static final Path MODELS = Path.of("src/test/resources/models");
  private static final long BATCH = 2;

  private static PreparedGraph prepare(String model) {
    return prepare(MODELS.resolve(model));
  }

  private static PreparedGraph prepare(Path dir) {
    return Planner.prepare(SavedModelFreezer.freeze(dir), ShapeInference::infer);
  }

  private static ValidationContext context(PreparedGraph p) {
    return new ValidationContext(p.graph(), p.tensors(), Precision.FP32);
  }

  /** The standard checker's verdict on every node of {@code p}, by node name (sorted). */
  private static Map<String, Optional<String>> verdicts(PreparedGraph p) {
    var checker = Converters.checker(Converters.standard(), context(p));
    Map<String, Optional<String>> out = new TreeMap<>();
    p.graph().nodes().forEach(n -> out.put(n.name(), checker.apply(n)));
    return out;
  }

  private static String named(PreparedGraph p, String suffix) {
    return p.graph().nodes().stream().map(Node::name).filter(n -> n.endsWith(suffix)).findFirst()
        .orElseThrow(() -> new AssertionError("no node ending in " + suffix));
  }

  /**
   * Converts {@code nodes} (with the constants they read) as one segment whose output is the last node's, and
   * returns the recorded network's output.
   */
  private static RecordingNetworkBuilder.Tensor convert(PreparedGraph p, List<String> nodes) {
    Set<String> members = new LinkedHashSet<>();
    for (String name : nodes) {
      for (TensorRef in : p.graph().node(name).inputs()) {
        if (p.graph().node(in.node()).op().equals("Const")) {
          members.add(in.node());
        }
      }
      members.add(name);
    }
    List<TensorRef> inputs = new ArrayList<>();
    for (String name : members) {
      for (TensorRef in : p.graph().node(name).inputs()) {
        if (!members.contains(in.node()) && !inputs.contains(in)) {
          inputs.add(in);
        }
      }
    }
    SegmentSpec spec = new SegmentSpec("piece", List.copyOf(members), inputs,
        List.of(TensorRef.of(nodes.get(nodes.size() - 1))));
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    ConverterRegistry registry = Converters.standard();
    Converters.convertSegment(registry, context(p), spec, network);
    return network.outputs().get(SegmentSpec.outputBinding(0));
  }

  /** The shape TensorFlow computes for {@code tensor} when the model runs on a batch of {@link #BATCH}. */
  private static long[] tensorflowShape(PreparedGraph p, TensorRef tensor) {
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(GraphDefs.toProto(p.graph()));
      try (Session s = new Session(g)) {
        Session.Runner runner = s.runner();
        List<Tensor> owned = new ArrayList<>();
        try {
          for (SignatureTensor in : p.model().inputs()) {
            long[] dims = in.shape().withDim(0, BATCH).dims();
            TFloat32 t = TFloat32.tensorOf(Shape.of(dims));
            owned.add(t);
            runner.feed(in.tensor().node(), in.tensor().index(), t);
          }
          try (Result r = runner.fetch(tensor.node(), tensor.index()).run()) {
            return r.get(0).shape().asArray();
          }
        } finally {
          owned.forEach(Tensor::close);
        }
      }
    }
  }

  private static void assertSameShapeAsTensorFlow(PreparedGraph p, List<String> nodes) {
    long[] recorded = convert(p, nodes).shape().dims();
    long[] real = tensorflowShape(p, TensorRef.of(nodes.get(nodes.size() - 1)));
    assertEquals(-1, recorded[0], "the batch stays dynamic");
    recorded[0] = BATCH;
    assertEquals(Arrays.toString(real), Arrays.toString(recorded), "shape of " + nodes.get(nodes.size() - 1));
  }

  @Test
  void mlpFlattenDenseAndSoftmaxAreAccepted() {
    PreparedGraph p = prepare("kotlindl_mnist_mlp_tf2");
    Map<String, Optional<String>> v = verdicts(p);
    String flatten = named(p, "flatten_2/Reshape");
    String dense = named(p, "dense_4/MatMul");
    for (String node : List.of(flatten, dense, named(p, "dense_5/MatMul"), named(p, "dense_5/Softmax"))) {
      assertEquals(Optional.empty(), v.get(node), node);
    }
    // [?,28,28] -> Reshape [-1,784] -> MatMul [784,128]
    assertSameShapeAsTensorFlow(p, List.of(flatten, dense));
  }

  @Test
  void kwsFlattenDenseAndSoftmaxAreAccepted() {
    PreparedGraph p = prepare("mlperf_tiny_kws_dscnn_tf2");
    Map<String, Optional<String>> v = verdicts(p);
    String flatten = named(p, "flatten/Reshape");
    String dense = named(p, "dense/MatMul");
    String softmax = named(p, "dense/Softmax");
    for (String node : List.of(flatten, dense, softmax)) {
      assertEquals(Optional.empty(), v.get(node), node);
    }
    // [?,1,1,64] from the average pool -> Reshape [-1,64] -> MatMul [64,12]
    assertSameShapeAsTensorFlow(p, List.of(flatten, dense));
  }

  @Test
  void lenetDynamicFlattenIsRejectedWithNamedReasons() {
    PreparedGraph p = prepare("tensorspace_lenet5_mnist_tf1");
    Map<String, Optional<String>> v = verdicts(p);
    // Keras' Flatten with a dynamic batch: Reshape(x, Pack(StridedSlice(Shape(x), 0), -1)).
    assertEquals(Optional.of("no converter for Shape"), v.get("Flatten/flatten/Shape"));
    assertReason(v, "Flatten/flatten/strided_slice", "StridedSlice of the batch dimension (axis 0)");
    assertReason(v, "Flatten/flatten/Reshape/shape", "Pack of a scalar");
    assertReason(v, "Flatten/flatten/Reshape", "Reshape's shape must be a constant");
    for (String node : List.of("MatMul", "MatMul_1", "MatMul_2", "MySoftMax")) {
      assertEquals(Optional.empty(), v.get(node), node);
    }
    assertSameShapeAsTensorFlow(p, List.of("MatMul"));
  }

  @Test
  void mlpPlansIntoOneSegmentFromFlattenToSoftmax() {
    PreparedGraph p = prepare("kotlindl_mnist_mlp_tf2");
    ConversionPlan plan = plan(p);
    assertEquals(1, plan.segments().size(), plan.segments() + ", left out " + plan.leftOut());
    assertEquals(List.of("Placeholder"), plan.leftOut().stream().map(LeftOut::op).toList());
    RecordingNetworkBuilder network = assertSegmentsHaveTensorFlowsShapes(p, plan).get(0);
    assertEquals(List.of("Shuffle", "Constant", "MatrixMultiply"), network.kinds().subList(0, 3));
    assertEquals("SoftMax", network.kinds().get(network.kinds().size() - 1));
  }

  @Test
  void lenetPlansTwoSegmentsAroundItsDynamicFlatten() {
    PreparedGraph p = prepare("tensorspace_lenet5_mnist_tf1");
    ConversionPlan plan = plan(p);
    assertEquals(2, plan.segments().size(), plan.segments() + ", left out " + plan.leftOut());
    assertTrue(plan.segments().get(0).contains("Conv2D"), plan.segments().get(0).nodes().toString());
    assertTrue(plan.segments().get(1).contains("MySoftMax"), plan.segments().get(1).nodes().toString());
    Map<String, String> leftOut = new TreeMap<>();
    plan.leftOut().forEach(l -> leftOut.put(l.op(), l.reason()));
    // The flatten's own constants stay with it in TensorFlow.
    assertEquals(Set.of("Placeholder", "Shape", "StridedSlice", "Pack", "Reshape", "Const"), leftOut.keySet());
    assertTrue(leftOut.get("Reshape").startsWith("Reshape's shape must be a constant"), leftOut.get("Reshape"));
    assertSegmentsHaveTensorFlowsShapes(p, plan);
  }

  private static ConversionPlan plan(PreparedGraph p) {
    return Planner.plan(p, TrtConversionParams.defaults(), Converters.checker(Converters.standard(), context(p)));
  }

  /** Converts every segment; each output's recorded shape must be TensorFlow's (batch dynamic). */
  private static List<RecordingNetworkBuilder> assertSegmentsHaveTensorFlowsShapes(PreparedGraph p,
      ConversionPlan plan) {
    List<RecordingNetworkBuilder> networks = new ArrayList<>();
    for (Segment s : plan.segments()) {
      RecordingNetworkBuilder network = new RecordingNetworkBuilder();
      Converters.convertSegment(Converters.standard(), context(p), SegmentSpec.of(s), network);
      for (int i = 0; i < s.outputs().size(); i++) {
        long[] recorded = network.outputs().get(SegmentSpec.outputBinding(i)).shape().dims();
        assertEquals(-1, recorded[0], "the batch stays dynamic");
        recorded[0] = BATCH;
        assertEquals(Arrays.toString(tensorflowShape(p, s.outputs().get(i))), Arrays.toString(recorded),
            s.name() + " output " + s.outputs().get(i));
      }
      networks.add(network);
    }
    return networks;
  }

  @Test
  void inceptionBlockConcatAndGlobalAveragePoolAreAccepted() {
    PreparedGraph p = prepare(GeneratedModels.inceptionBlock());
    Map<String, Optional<String>> v = verdicts(p);
    String concat = withOp(p, "ConcatV2");
    String mean = withOp(p, "Mean");
    assertEquals(Optional.empty(), v.get(concat), concat);
    assertEquals(Optional.empty(), v.get(mean), mean);
    // Four branches joined on channels, then the mean over height and width: [?,256].
    assertSameShapeAsTensorFlow(p, List.of(concat, mean));
  }

  private static String withOp(PreparedGraph p, String op) {
    List<String> names = p.graph().nodes().stream().filter(n -> n.op().equals(op)).map(Node::name).toList();
    assertEquals(1, names.size(), op + " nodes: " + names);
    return names.get(0);
  }

  private static void assertReason(Map<String, Optional<String>> verdicts, String node, String expected) {
    Optional<String> reason = verdicts.get(node);
    assertFalse(reason == null || reason.isEmpty(), node + " should be rejected");
    assertEquals(true, reason.get().startsWith(expected), node + ": " + reason.get());
  }
}
