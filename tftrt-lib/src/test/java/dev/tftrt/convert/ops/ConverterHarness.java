package dev.tftrt.convert.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.OpConverter;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.convert.ShapeInference;
import dev.tftrt.convert.TensorFlowReference;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One-op graphs for converter tests: placeholders (whose static shapes are the validation infos, with shape
 * inference's for the other tensors), constants and the op under test; validates and converts it into a recording builder, and runs the same graph in TensorFlow
 * to learn the real output shape.
 */
final class ConverterHarness {
  private final Graph graph = new Graph();
  private final Map<TensorRef, TensorInfo> infos = new LinkedHashMap<>();
  private final ConverterRegistry registry;

  /**
   * The outcome of converting one node: its output tensor and the layers its converter emitted (a constant
   * read afterwards as the output adds a layer that is not listed).
   */
  record Conversion(TrtTensor output, List<RecordingNetworkBuilder.Layer> layers) {
    List<String> kinds() {
      return layers.stream().map(RecordingNetworkBuilder.Layer::kind).toList();
    }
  }

  /** A harness whose converters are one family's (or a few families'). */
  ConverterHarness(Consumer<ConverterRegistry> family) {
    this(new ConverterRegistry());
    family.accept(registry);
  }

  ConverterHarness(ConverterRegistry registry) {
    this.registry = registry;
  }

  /** A placeholder whose dimension 0 is the batch ({@code -1} for a dynamic one). */
  ConverterHarness placeholder(String name, DataType type, long... dims) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("dtype", AttrValue.of(type));
    a.put("shape", AttrValue.of(Shape.of(dims)));
    graph.add(new Node(name, "Placeholder", a, List.of()));
    infos.put(TensorRef.of(name), new TensorInfo(type, Shape.of(dims)));
    return this;
  }

  ConverterHarness placeholder(String name, long... dims) {
    return placeholder(name, DataType.FLOAT, dims);
  }

  ConverterHarness constant(String name, TensorValue value) {
    graph.add(Node.constant(name, value));
    return this;
  }

  /** A 1-D int32 constant (shapes, axes, perms). */
  ConverterHarness ints(String name, int... values) {
    return constant(name, TensorValue.ofInts(Shape.of(values.length), values));
  }

  ConverterHarness scalar(String name, int value) {
    return constant(name, TensorValue.ofInts(Shape.scalar(), value));
  }

  ConverterHarness floats(String name, long[] dims, float... values) {
    return constant(name, TensorValue.ofFloats(Shape.of(dims), values));
  }

  /**
   * A float op ({@code T} = DT_FLOAT unless {@code attrs} says otherwise; a {@code Cast}, typed by its
   * {@code SrcT} and {@code DstT}, gets none).
   */
  ConverterHarness op(String name, String op, Map<String, AttrValue> attrs, String... inputs) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    if (!op.equals("Cast")) {
      a.put("T", AttrValue.of(DataType.FLOAT));
    }
    a.putAll(attrs);
    graph.add(new Node(name, op, a, Arrays.stream(inputs).map(TensorRef::parse).toList()));
    return this;
  }

  ConverterHarness op(String name, String op, String... inputs) {
    return op(name, op, Map.of(), inputs);
  }

  Graph graph() {
    return graph;
  }

  /** The placeholders' static shapes, and what shape inference gives every other tensor (as the segmenter has). */
  ValidationContext validation() {
    Map<TensorRef, TensorInfo> known = new LinkedHashMap<>(ShapeInference.infer(graph));
    known.putAll(infos);
    return new ValidationContext(graph, known, Precision.FP32);
  }

  private OpConverter converter(Node node) {
    return registry.converter(node.op()).orElseThrow(() -> new AssertionError("no converter for " + node.op()));
  }

  Optional<String> validate(String name) {
    Node node = graph.node(name);
    return converter(node).validate(validation(), node);
  }

  /** Asserts that {@code name} is rejected with a reason containing {@code expected}. */
  void assertRejected(String name, String expected) {
    Optional<String> reason = validate(name);
    assertTrue(reason.isPresent(), name + " was accepted, expected a rejection mentioning: " + expected);
    assertTrue(reason.get().contains(expected), "reason '" + reason.get() + "' does not mention: " + expected);
  }

  /** Validates, then converts {@code name} with every placeholder a network input of dynamic batch. */
  Conversion convert(String name) {
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    ConversionContext context = convertInto(name, network);
    List<RecordingNetworkBuilder.Layer> emitted = List.copyOf(network.layers());
    return new Conversion(context.tensor(graph.node(name).output(0)), emitted);
  }

  /** Converts {@code name} into {@code network} (inputs named after the placeholders); returns its output. */
  TrtTensor convert(String name, NetworkBuilder network) {
    return convertInto(name, network).tensor(graph.node(name).output(0));
  }

  private ConversionContext convertInto(String name, NetworkBuilder network) {
    Node node = graph.node(name);
    Optional<String> reason = converter(node).validate(validation(), node);
    assertEquals(Optional.empty(), reason, name + " should be accepted");
    ConversionContext context = new ConversionContext(validation(), network);
    // Only the placeholders the node reads: TensorRT refuses a network input that no profile covers.
    for (Node n : placeholdersOf(name)) {
      context.define(n.output(0), network.addInput(n.name(), info(n).dtype(), networkShape(n)));
    }
    converter(node).convert(context, node);
    return context;
  }

  private TensorInfo info(Node placeholder) {
    return infos.get(placeholder.output(0));
  }

  /** A placeholder's shape as a network input: its batch dynamic. */
  Shape networkShape(Node placeholder) {
    Shape shape = info(placeholder).shape();
    return shape.rank() == 0 ? shape : shape.withDim(0, -1);
  }

  /** The placeholders {@code name} reads, directly or not. */
  List<Node> placeholdersOf(String name) {
    Set<String> needed = graph.ancestors(List.of(name), true);
    return graph.nodes().stream().filter(n -> n.op().equals("Placeholder") && needed.contains(n.name())).toList();
  }

  /**
   * Values for the placeholders {@code name} reads, with batch {@code batch}: element {@code i} is
   * {@code element.applyAsDouble(i)} (int32 placeholders count up instead).
   */
  Map<String, TensorValue> inputs(String name, long batch, IntToDoubleFunction element) {
    Map<String, TensorValue> feeds = new LinkedHashMap<>();
    for (Node n : placeholdersOf(name)) {
      Shape shape = info(n).shape().rank() == 0 ? info(n).shape() : info(n).shape().withDim(0, batch);
      int size = Math.toIntExact(shape.numElements());
      feeds.put(n.name(), info(n).dtype() == DataType.INT32
          ? TensorValue.ofInts(shape, IntStream.range(0, size).toArray())
          : TensorValue.ofFloats(shape, floats(size, element)));
    }
    return feeds;
  }

  private static float[] floats(int size, IntToDoubleFunction element) {
    float[] v = new float[size];
    for (int i = 0; i < size; i++) {
      v[i] = (float) element.applyAsDouble(i);
    }
    return v;
  }

  /**
   * The shape TensorFlow gives output 0 of {@code name} when every placeholder's batch is {@code batch}. Only
   * {@code name} and what it reads are run (TensorFlow would refuse the graph's deliberately invalid nodes).
   */
  long[] tensorflowShape(String name, long batch) {
    return tensorflowOutput(name, inputs(name, batch, i -> i)).shape().dims();
  }

  /**
   * The float elements TensorFlow computes for output 0 of {@code name} when every placeholder's batch is
   * {@code batch} and its elements count up from 0 (0, 1, 2, ...), so that each tells where it came from.
   */
  float[] tensorflowValues(String name, long batch) {
    return tensorflowOutput(name, inputs(name, batch, i -> i)).toFloats();
  }

  /** Output 0 of {@code name} as TensorFlow computes it from {@code feeds} (by placeholder name). */
  TensorValue tensorflowOutput(String name, Map<String, TensorValue> feeds) {
    Set<String> needed = graph.ancestors(List.of(name), true);
    Graph sub = new Graph(graph.nodes().stream().filter(n -> needed.contains(n.name())).toList());
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(GraphDefs.toProto(sub));
      try (Session s = new Session(g)) {
        Session.Runner runner = s.runner();
        List<Tensor> owned = new ArrayList<>();
        try {
          feeds.forEach((placeholder, value) -> {
            org.tensorflow.ndarray.Shape shape = org.tensorflow.ndarray.Shape.of(value.shape().dims());
            Tensor t = value.dtype() == DataType.INT32
                ? Tensor.of(TInt32.class, shape, DataBuffers.of(value.buffer()))
                : Tensor.of(TFloat32.class, shape, DataBuffers.of(value.buffer()));
            owned.add(t);
            runner.feed(placeholder, t);
          });
          try (Result r = runner.fetch(name).run()) {
            return TensorFlowReference.tensorValue(r.get(0));
          }
        } finally {
          owned.forEach(Tensor::close);
        }
      }
    }
  }

  /**
   * Asserts that the converted output has TensorFlow's real output shape: the batch dynamic ({@code -1}) in
   * the network, and every other dimension what TensorFlow computes for a batch of 3.
   */
  long[] assertShapeMatchesTensorFlow(String name) {
    Conversion c = convert(name);
    long[] recorded = c.output().shape().dims();
    long[] real = tensorflowShape(name, 3);
    assertEquals(real.length, recorded.length, "rank of " + name);
    assertEquals(-1, recorded[0], "the batch of " + name + " stays dynamic");
    assertEquals(3, real[0]);
    assertEquals(Arrays.toString(Arrays.copyOfRange(real, 1, real.length)),
        Arrays.toString(Arrays.copyOfRange(recorded, 1, recorded.length)), "non-batch dimensions of " + name);
    return recorded;
  }
}
