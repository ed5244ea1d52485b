package dev.tftrt.convert.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.Converters;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.convert.ShapeInference;
import dev.tftrt.convert.TfShapes;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.runtime.SegmentSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Converts hand-written graphs as one segment (every node but the placeholders) with one converter family, and
 * checks the network's outputs against the shapes TensorFlow gives the same tensors (batch left dynamic).
 */
final class Segments {
  private Segments() {}

  static ValidationContext context(Graph g) {
    return new ValidationContext(g, ShapeInference.infer(g), Precision.FP32);
  }

  static ConverterRegistry registry(Consumer<ConverterRegistry> family) {
    ConverterRegistry r = new ConverterRegistry();
    family.accept(r);
    return r;
  }

  /** The family's verdict on {@code node}. */
  static Optional<String> verdict(Graph g, Consumer<ConverterRegistry> family, String node) {
    return Converters.checker(registry(family), context(g)).apply(g.node(node));
  }

  static void assertRejected(Graph g, Consumer<ConverterRegistry> family, String node, String reason) {
    assertEquals(Optional.of(reason), verdict(g, family, node), node);
  }

  /**
   * Converts every non-placeholder node (constants included, as the segmenter copies them) with outputs
   * {@code outputs}; each output's network shape must be TensorFlow's static one with a dynamic batch. When
   * {@code runShapes}, TensorFlow also runs the graph at batch 2 and the known dimensions must match.
   */
  static RecordingNetworkBuilder convert(Graph g, Consumer<ConverterRegistry> family, boolean runShapes,
      String... outputs) {
    ConverterRegistry registry = registry(family);
    ValidationContext context = context(g);
    List<String> nodes = new ArrayList<>();
    Set<TensorRef> inputs = new LinkedHashSet<>();
    for (Node n : g.topologicalOrder()) {
      if (n.op().equals("Placeholder")) {
        continue;
      }
      if (!n.op().equals("Const")) {
        assertEquals(Optional.empty(), Converters.checker(registry, context).apply(n), n.name() + " rejected");
      }
      nodes.add(n.name());
      n.inputs().stream().filter(t -> g.node(t.node()).op().equals("Placeholder")).forEach(inputs::add);
    }
    List<TensorRef> outs = java.util.Arrays.stream(outputs).map(TensorRef::parse).toList();
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    Converters.convertSegment(registry, context, new SegmentSpec("segment", nodes, List.copyOf(inputs), outs),
        network);
    Map<TensorRef, TensorInfo> tf = TfShapes.staticShapes(g);
    for (int i = 0; i < outs.size(); i++) {
      Shape want = tf.get(outs.get(i)).shape();
      Shape got = network.outputs().get(SegmentSpec.outputBinding(i)).shape();
      assertEquals(want.withDim(0, -1), got, "network output " + i + " (" + outs.get(i) + ")");
    }
    if (runShapes) {
      Map<String, long[]> feeds = new LinkedHashMap<>();
      for (TensorRef in : inputs) {
        feeds.put(in.node(), context.info(in).orElseThrow().shape().withDim(0, 2).dims());
      }
      Map<TensorRef, TensorInfo> ran = TfShapes.runtimeShapes(g, feeds, outs);
      for (int i = 0; i < outs.size(); i++) {
        Shape got = network.outputs().get(SegmentSpec.outputBinding(i)).shape();
        assertEquals(ran.get(outs.get(i)).shape(), got.withDim(0, 2), "ran " + outs.get(i) + " at batch 2");
      }
    }
    assertTrue(network.layers().size() > 0);
    return network;
  }
}
