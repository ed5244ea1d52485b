package dev.tftrt.plan;

import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.passes.RemovedNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What TensorRT is expected to fuse, shown before building: vertical chains (a convolution or matrix product
 * with its bias or batch norm and activation become one layer) and horizontal groups (sibling 1x1
 * convolutions reading one tensor with equal strides, padding and dilations become one wider convolution),
 * both inside one segment, plus the layers the graph passes removed outright.
 */
public record FusionPreview(List<Fusion> vertical, List<Fusion> horizontal, List<RemovedNode> deadLayers) {
  public FusionPreview {
    vertical = List.copyOf(vertical);
    horizontal = List.copyOf(horizontal);
    deadLayers = List.copyOf(deadLayers);
  }

  /** One expected fusion: a label such as {@code Conv2D+BiasAdd+Relu}, its segment and its nodes in order. */
  public record Fusion(String kind, String segment, List<String> nodes) {
    public Fusion {
      nodes = List.copyOf(nodes);
    }
  }

  static final Set<String> CONVOLUTIONS = Set.of("Conv2D", "DepthwiseConv2dNative");
  static final Set<String> BIAS = Set.of("BiasAdd");
  static final Set<String> BATCH_NORMS = Set.of("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3");
  static final Set<String> ACTIVATIONS = Set.of("Relu", "Relu6");

  /** All fusions in {@code segments} of {@code graph}, in segment and then graph order. */
  public static FusionPreview of(Graph graph, List<Segment> segments, List<RemovedNode> removed) {
    Map<String, List<String>> readers = new HashMap<>();
    Set<String> readsOtherOutputs = new HashSet<>();
    for (Node n : graph.nodes()) {
      for (TensorRef in : n.inputs()) {
        readers.computeIfAbsent(in.node(), k -> new ArrayList<>()).add(n.name());
        if (in.index() != 0) {
          readsOtherOutputs.add(in.node());
        }
      }
    }
    List<Fusion> vertical = new ArrayList<>();
    List<Fusion> horizontal = new ArrayList<>();
    for (Segment s : segments) {
      Set<String> members = new HashSet<>(s.nodes());
      Set<String> exported = new HashSet<>();
      s.outputs().forEach(t -> exported.add(t.node()));
      for (String name : s.nodes()) {
        Node n = graph.node(name);
        boolean conv = CONVOLUTIONS.contains(n.op());
        if (!conv && !n.op().equals("MatMul")) {
          continue;
        }
        // Keras writes Conv2D -> BiasAdd -> FusedBatchNorm -> Relu; TensorRT folds all four into one layer.
        List<Node> chain = new ArrayList<>(List.of(n));
        for (Set<String> stage : conv ? List.of(BIAS, BATCH_NORMS, ACTIVATIONS) : List.of(BIAS, ACTIVATIONS)) {
          Node last = chain.get(chain.size() - 1);
          Node next = soleReader(graph, last, members, exported, readers, readsOtherOutputs);
          if (next != null && stage.contains(next.op()) && next.input(0).node().equals(last.name())) {
            chain.add(next);
          }
        }
        if (chain.size() > 1) {
          vertical.add(new Fusion(String.join("+", chain.stream().map(Node::op).toList()), s.name(),
              chain.stream().map(Node::name).toList()));
        }
      }
      horizontal.addAll(siblingPointwiseConvolutions(graph, s));
    }
    return new FusionPreview(vertical, horizontal, removed);
  }

  /**
   * The only node reading {@code n}'s output, when that reader is in the same segment and {@code n}'s value
   * is needed nowhere else (fusing would otherwise have to keep it).
   */
  private static Node soleReader(Graph g, Node n, Set<String> members, Set<String> exported,
      Map<String, List<String>> readers, Set<String> readsOtherOutputs) {
    List<String> r = readers.getOrDefault(n.name(), List.of());
    if (r.size() != 1 || exported.contains(n.name()) || readsOtherOutputs.contains(n.name())
        || !members.contains(r.get(0))) {
      return null;
    }
    return g.node(r.get(0));
  }

  private static List<Fusion> siblingPointwiseConvolutions(Graph g, Segment s) {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (String name : s.nodes()) {
      Node n = g.node(name);
      if (!n.op().equals("Conv2D") || !isPointwiseFilter(g, n.input(1))) {
        continue;
      }
      String key = n.input(0) + "|" + Arrays.toString(n.intsAttr("strides")) + "|" + n.stringAttr("padding", "")
          + "|" + Arrays.toString(n.intsAttr("dilations")) + "|" + n.stringAttr("data_format", "NHWC");
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(name);
    }
    List<Fusion> out = new ArrayList<>();
    for (List<String> group : groups.values()) {
      if (group.size() > 1) {
        out.add(new Fusion(group.size() + "x 1x1 Conv2D on " + g.node(group.get(0)).input(0), s.name(), group));
      }
    }
    return out;
  }

  private static boolean isPointwiseFilter(Graph g, TensorRef filter) {
    Node f = g.nodeOrNull(filter.node());
    if (f == null || !f.op().equals("Const")) {
      return false;
    }
    var shape = f.tensorAttr("value").shape();
    return shape.rank() == 4 && shape.dim(0) == 1 && shape.dim(1) == 1;
  }
}
