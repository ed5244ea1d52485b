package dev.tftrt.figures;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.io.AtomicFiles;
import dev.tftrt.passes.RemovedNode;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.FusionPreview;
import dev.tftrt.runtime.EngineFusions;
import dev.tftrt.runtime.FusedLayer;
import dev.tftrt.savedmodel.FreezeReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The course's figures, drawn from a real model's conversion plan rather than by hand: the network as
 * TensorFlow has it, after vertical fusion (convolution + bias + activation as one layer), after horizontal
 * fusion (sibling 1x1 layers reading one tensor as one wider layer), and the TF-TRT workflow with this model's
 * numbers. Each figure is Graphviz DOT; {@link #write} lays them out with {@code dot} as SVG and PNG.
 */
public final class CourseFigures {
  /** One figure: its file name (without extension), a one-line caption, and its DOT. */
  public record Figure(String name, String caption, String dot) {}

  /**
   * Which TensorFlow nodes became one layer: vertical chains, and horizontal groups of chains (each group given
   * by the first node of each chain). {@code source} says who decided: the planner's preview, or a built engine.
   */
  public record LayerFusions(List<List<String>> vertical, List<List<String>> horizontal, String source) {
    public LayerFusions {
      vertical = vertical.stream().map(List::copyOf).toList();
      horizontal = horizontal.stream().map(List::copyOf).toList();
    }

    /**
     * The fusions TensorRT made, from its engines' layers mapped back to TF nodes: each fusing layer is a chain
     * (vertical fusion), except a horizontal one, which joins side by side the branches its nodes form in the
     * graph (each a chain, given in the group by its first node).
     */
    public static LayerFusions built(EngineFusions engines, Graph graph, String source) {
      Map<String, Integer> position = new HashMap<>();
      graph.nodes().forEach(n -> position.put(n.name(), position.size()));
      List<List<String>> vertical = new ArrayList<>();
      List<List<String>> horizontal = new ArrayList<>();
      for (FusedLayer layer : engines.fused()) {
        List<List<String>> branches = layer.kind() == FusedLayer.Kind.HORIZONTAL
            ? branches(layer.nodes(), graph, position) : List.of(inGraphOrder(layer.nodes(), position));
        branches.stream().filter(b -> b.size() > 1).forEach(vertical::add);
        if (branches.size() > 1) {
          horizontal.add(branches.stream().map(b -> b.get(0)).toList());
        }
      }
      return new LayerFusions(vertical, horizontal, source);
    }

    /** {@code nodes} split into the groups connected by the graph's edges among them, in graph order. */
    private static List<List<String>> branches(List<String> nodes, Graph graph, Map<String, Integer> position) {
      Set<String> members = new HashSet<>(nodes);
      Map<String, List<String>> neighbours = new HashMap<>();
      for (String n : members) {
        for (TensorRef in : graph.node(n).inputs()) {
          if (members.contains(in.node())) {
            neighbours.computeIfAbsent(n, k -> new ArrayList<>()).add(in.node());
            neighbours.computeIfAbsent(in.node(), k -> new ArrayList<>()).add(n);
          }
        }
      }
      List<List<String>> branches = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (String start : inGraphOrder(nodes, position)) {
        if (!seen.add(start)) {
          continue;
        }
        List<String> branch = new ArrayList<>(List.of(start));
        for (int i = 0; i < branch.size(); i++) {
          for (String next : neighbours.getOrDefault(branch.get(i), List.of())) {
            if (seen.add(next)) {
              branch.add(next);
            }
          }
        }
        branches.add(inGraphOrder(branch, position));
      }
      return branches;
    }

    private static List<String> inGraphOrder(Collection<String> nodes, Map<String, Integer> position) {
      return nodes.stream().distinct().sorted(Comparator.comparingInt(position::get)).toList();
    }

    /** The fusions the planner expects TensorRT to make ({@link FusionPreview}). */
    public static LayerFusions expected(FusionPreview preview) {
      return new LayerFusions(preview.vertical().stream().map(FusionPreview.Fusion::nodes).toList(),
          preview.horizontal().stream().map(FusionPreview.Fusion::nodes).toList(),
          "as the planner expects TensorRT to fuse");
    }
  }

  public static final String ORIGINAL = "network-original";
  public static final String VERTICAL = "network-vertical-fusion";
  public static final String HORIZONTAL = "network-horizontal-fusion";
  public static final String WORKFLOW = "workflow";

  private static final String FONT = "fontname=\"Helvetica\"";

  private CourseFigures() {}

  /** The four figures for {@code plan} of the model called {@code modelName}, with the expected fusions. */
  public static List<Figure> of(ConversionPlan plan, String modelName) {
    return of(plan, modelName, LayerFusions.expected(plan.fusions()));
  }

  /** The four figures for {@code plan}, with {@code fusions} deciding which nodes became one layer. */
  public static List<Figure> of(ConversionPlan plan, String modelName, LayerFusions fusions) {
    Map<String, String> removed = new HashMap<>();
    plan.removed().forEach(r -> removed.put(r.name(), r.reason()));
    Layers original = Layers.oneEach(plan.model().graph());
    Layers vertical = Layers.oneEach(plan.graph()).merged(fusions.vertical(), false);
    Map<String, List<String>> chainStartingAt = new HashMap<>();
    fusions.vertical().forEach(chain -> chainStartingAt.put(chain.get(0), chain));
    List<List<String>> wide = new ArrayList<>();
    for (List<String> group : fusions.horizontal()) {
      List<String> nodes = new ArrayList<>();
      group.forEach(first -> nodes.addAll(chainStartingAt.getOrDefault(first, List.of(first))));
      wide.add(nodes);
    }
    Layers horizontal = vertical.merged(wide, true);

    int before = original.computeLayers();
    List<Figure> figures = new ArrayList<>();
    figures.add(new Figure(ORIGINAL, String.format(Locale.ROOT,
        "%s before optimization: %d layers, one per TensorFlow op%s", modelName, before,
        removed.isEmpty() ? "" : " (" + removed.size() + " that the graph passes remove, dashed)"),
        original.dot(removed)));
    figures.add(new Figure(VERTICAL, String.format(Locale.ROOT,
        "%s after dead-layer removal and vertical fusion: %d layers; %d chains of convolution or matrix product,"
            + " bias and activation became one layer each (%s)", modelName, vertical.computeLayers(),
        fusions.vertical().size(), fusions.source()), vertical.dot(Map.of())));
    figures.add(new Figure(HORIZONTAL, String.format(Locale.ROOT,
        "%s after horizontal fusion: %d layers; %s (%s)", modelName, horizontal.computeLayers(),
        fusions.horizontal().isEmpty() ? "no sibling 1x1 layers to join"
            : fusions.horizontal().stream().map(g -> g.size() + " sibling layers reading one tensor became one wider"
                + " layer").collect(Collectors.joining("; ")), fusions.source()),
        horizontal.dot(Map.of())));
    figures.add(new Figure(WORKFLOW, "The TF-TRT workflow, with what each step did to " + modelName,
        workflow(plan, modelName, before, horizontal.computeLayers())));
    return figures;
  }

  /** The file formats {@link #write} can make. */
  public static final List<String> FORMATS = List.of("dot", "svg", "png");

  /** {@link #write(List, Graphviz, Path, Collection)} in every format. */
  public static List<Path> write(List<Figure> figures, Graphviz graphviz, Path out) {
    return write(figures, graphviz, out, FORMATS);
  }

  /**
   * Lays out every figure with {@code graphviz} and writes {@code <name>.<format>} for each of {@code formats}
   * ({@link #FORMATS}) into {@code out} (created if needed), each written beside its place and then renamed.
   */
  public static List<Path> write(List<Figure> figures, Graphviz graphviz, Path out, Collection<String> formats) {
    if (formats.isEmpty() || !FORMATS.containsAll(formats)) {
      throw new TftrtException("figure formats are " + String.join(", ", FORMATS) + "; got " + formats);
    }
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(out);
      for (Figure f : figures) {
        for (String format : FORMATS) {
          if (!formats.contains(format)) {
            continue;
          }
          byte[] bytes = format.equals("dot") ? f.dot().getBytes(StandardCharsets.UTF_8)
              : format.equals("svg") ? graphviz.svg(f.dot()).getBytes(StandardCharsets.UTF_8) : graphviz.png(f.dot());
          Path file = out.resolve(f.name() + "." + format);
          AtomicFiles.writeAtomically(file, bytes);
          written.add(file);
        }
      }
    } catch (IOException e) {
      throw new TftrtException("could not write the figures to " + out + ": " + e.getMessage(), e);
    }
    return written;
  }

  // ---------------------------------------------------------------- networks

  /** A graph's non-constant nodes grouped into layers (one node each, or fused groups), in graph order. */
  private static final class Layers {
    private final Graph graph;
    private final Map<String, String> layerOf;
    private final Map<String, List<String>> members;
    private final Map<String, Boolean> wide;

    private Layers(Graph graph, Map<String, String> layerOf, Map<String, List<String>> members,
        Map<String, Boolean> wide) {
      this.graph = graph;
      this.layerOf = layerOf;
      this.members = members;
      this.wide = wide;
    }

    static Layers oneEach(Graph graph) {
      Map<String, String> layerOf = new LinkedHashMap<>();
      Map<String, List<String>> members = new LinkedHashMap<>();
      for (Node n : graph.nodes()) {
        if (!n.op().equals("Const")) {
          layerOf.put(n.name(), n.name());
          members.put(n.name(), List.of(n.name()));
        }
      }
      return new Layers(graph, layerOf, members, new HashMap<>());
    }

    /** These layers with each group's layers joined into the layer of the group's first node. */
    Layers merged(List<List<String>> groups, boolean horizontal) {
      Map<String, String> layerOf = new LinkedHashMap<>(this.layerOf);
      Map<String, List<String>> members = new LinkedHashMap<>(this.members);
      Map<String, Boolean> wide = new HashMap<>(this.wide);
      for (List<String> group : groups) {
        String into = layerOf.get(group.get(0));
        if (into == null) {
          continue;
        }
        Set<String> joined = new LinkedHashSet<>();
        for (String node : group) {
          String layer = layerOf.get(node);
          if (layer != null) {
            joined.addAll(members.get(layer));
          }
        }
        for (String node : joined) {
          String old = layerOf.put(node, into);
          if (old != null && !old.equals(into)) {
            members.remove(old);
          }
        }
        members.put(into, List.copyOf(joined));
        wide.put(into, horizontal || wide.getOrDefault(into, false));
      }
      return new Layers(graph, layerOf, members, wide);
    }

    /** Layers that compute (graph inputs are not layers). */
    int computeLayers() {
      return (int) members.values().stream()
          .filter(m -> !(m.size() == 1 && graph.node(m.get(0)).op().equals("Placeholder"))).count();
    }

    String dot(Map<String, String> removed) {
      StringBuilder b = new StringBuilder("digraph network {\n  rankdir=TB; nodesep=0.25; ranksep=0.35;\n");
      b.append("  node [shape=box, style=\"rounded,filled\", ").append(FONT).append(", fontsize=11];\n");
      b.append("  edge [color=\"#555555\", arrowsize=0.7];\n");
      for (Map.Entry<String, List<String>> layer : members.entrySet()) {
        List<Node> nodes = layer.getValue().stream().map(graph::node).toList();
        b.append("  ").append(quote(layer.getKey())).append(" [");
        if (nodes.size() == 1) {
          Node n = nodes.get(0);
          b.append(single(n));
          if (removed.containsKey(n.name())) {
            b.append(", style=\"rounded,dashed\", fontcolor=\"#888888\", color=\"#888888\", tooltip=")
                .append(quote(n.name() + ": removed (" + removed.get(n.name()) + ")"));
          } else {
            b.append(", tooltip=").append(quote(n.name() + " (" + n.op() + ")"));
          }
        } else {
          b.append(fused(nodes, wide.getOrDefault(layer.getKey(), false)));
          b.append(", tooltip=").append(quote(nodes.stream().map(Node::name).collect(Collectors.joining(" + "))));
        }
        b.append("];\n");
      }
      Set<String> edges = new LinkedHashSet<>();
      for (Node n : graph.nodes()) {
        String to = layerOf.get(n.name());
        if (to == null) {
          continue;
        }
        for (TensorRef in : n.inputs()) {
          String from = layerOf.get(in.node());
          if (from != null && !from.equals(to)) {
            edges.add("  " + quote(from) + " -> " + quote(to) + ";\n");
          }
        }
      }
      edges.forEach(b::append);
      return b.append("}\n").toString();
    }

    /** One TensorFlow op drawn as itself. */
    private String single(Node n) {
      switch (n.op()) {
        case "Placeholder":
          return "shape=ellipse, style=filled, fillcolor=white, label="
              + quote(n.name() + "\n" + (n.hasAttr("shape") ? dims(n.shapeAttr("shape")) : ""));
        case "Conv2D":
        case "DepthwiseConv2dNative":
          return fill("#cfe8fc") + ", label=" + quote(convolution(n));
        case "MatMul":
          return fill("#cfe8fc") + ", label=" + quote("matmul" + units(n));
        case "BiasAdd":
          return fill("#fcf3bf") + ", label=\"bias\"";
        case "FusedBatchNorm":
        case "FusedBatchNormV2":
        case "FusedBatchNormV3":
          return fill("#fcf3bf") + ", label=\"batch norm\"";
        case "Relu":
        case "Relu6":
        case "Sigmoid":
        case "Tanh":
          return fill("#d7f5d0") + ", label=" + quote(n.op().toLowerCase(Locale.ROOT));
        case "MaxPool":
        case "AvgPool":
          return fill("#fde2c8") + ", label=" + quote(window(n) + (n.op().equals("MaxPool") ? "max" : "avg")
              + " pool");
        case "ConcatV2":
          return fill("#e8d9f7") + ", label=\"concat\"";
        default:
          return fill("#eeeeee") + ", label=" + quote(n.op());
      }
    }

    /** A fused layer: "1x1 CBR, 64" for conv + bias + ReLU; the filters of each member when wide. */
    private String fused(List<Node> nodes, boolean isWide) {
      List<Node> heads = nodes.stream().filter(n -> n.op().equals("Conv2D") || n.op().equals("MatMul")
          || n.op().equals("DepthwiseConv2dNative")).toList();
      Node head = heads.isEmpty() ? nodes.get(0) : heads.get(0);
      StringBuilder letters = new StringBuilder(head.op().equals("MatMul") ? "FC" : "C");
      if (nodes.stream().anyMatch(n -> n.op().equals("BiasAdd") || n.op().startsWith("FusedBatchNorm"))) {
        letters.append(head.op().equals("MatMul") ? "+B" : "B");
      }
      if (nodes.stream().anyMatch(n -> n.op().startsWith("Relu"))) {
        letters.append(head.op().equals("MatMul") ? "+R" : "R");
      }
      String kind = head.op().equals("MatMul") ? letters.toString()
          : window(head).replace(" ", "") + " " + letters;
      String widths = heads.stream().map(h -> h.op().equals("MatMul") ? units(h).replace(", ", "")
          : filters(h)).collect(Collectors.joining(" + "));
      if (isWide) {
        return "style=\"rounded,filled,bold\", fillcolor=\"#81c784\", penwidth=2, label="
            + quote(kind + ", " + widths + " filters\n(" + heads.size() + " layers in one)");
      }
      return "style=\"rounded,filled,bold\", fillcolor=\"#c8e6c9\", label=" + quote(kind + ", " + widths);
    }

    private String convolution(Node n) {
      String what = n.op().equals("Conv2D") ? "conv" : "depthwise conv";
      long[] strides = n.hasAttr("strides") ? n.intsAttr("strides") : new long[0];
      String stride = strides.length == 4 && strides[1] != 1 ? " /" + strides[1] : "";
      return window(n) + what + stride + ", " + filters(n);
    }

    /** "3x3 " from a convolution's filter or a pooling window; empty when unknown. */
    private String window(Node n) {
      if (n.op().endsWith("Pool")) {
        long[] k = n.hasAttr("ksize") ? n.intsAttr("ksize") : new long[0];
        return k.length == 4 ? k[1] + "x" + k[2] + " " : "";
      }
      Shape filter = constantShape(n, 1);
      return filter != null && filter.rank() == 4 ? filter.dim(0) + "x" + filter.dim(1) + " " : "";
    }

    private String filters(Node n) {
      Shape filter = constantShape(n, 1);
      if (filter == null || filter.rank() != 4) {
        return "?";
      }
      return String.valueOf(n.op().equals("Conv2D") ? filter.dim(3) : filter.dim(2) * filter.dim(3));
    }

    private String units(Node matmul) {
      Shape weights = constantShape(matmul, 1);
      return weights != null && weights.rank() == 2 ? ", " + weights.dim(1) : "";
    }

    private Shape constantShape(Node n, int input) {
      if (n.inputs().size() <= input) {
        return null;
      }
      Node c = graph.nodeOrNull(n.input(input).node());
      return c != null && c.op().equals("Const") ? c.tensorAttr("value").shape() : null;
    }
  }

  private static String fill(String colour) {
    return "fillcolor=" + quote(colour);
  }

  private static String dims(Shape s) {
    if (!s.hasRank()) {
      return "[?]";
    }
    List<String> d = new ArrayList<>();
    for (long v : s.dims()) {
      d.add(String.valueOf(v));
    }
    return "[" + String.join(", ", d) + "]";
  }

  // ---------------------------------------------------------------- workflow

  private static String workflow(ConversionPlan plan, String modelName, int layersBefore, int layersAfter) {
    FreezeReport freeze = plan.model().report();
    int removed = plan.removed().size();
    Map<String, Long> removedByReason = new LinkedHashMap<>();
    for (RemovedNode r : plan.removed()) {
      removedByReason.merge(r.reason(), 1L, Long::sum);
    }
    var summary = plan.summary();
    StringBuilder b = new StringBuilder("digraph workflow {\n  rankdir=LR; nodesep=0.3; ranksep=0.45;\n");
    b.append("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#cfe8fc\", ").append(FONT)
        .append(", fontsize=11];\n  edge [color=\"#555555\"];\n");
    step(b, "savedmodel", "SavedModel\n" + modelName + "\n" + plan.model().tag() + " / " + plan.model().signatureKey(),
        "white");
    step(b, "freeze", "1. Freeze\nSavedModelFreezer\n" + freeze.variablesFrozen() + " variables -> constants\n"
        + freeze.functionCallsInlined() + " function calls inlined\n" + plan.model().graph().nodes().size()
        + " nodes", null);
    step(b, "passes", "2. Graph passes\nGraphPasses\n" + removed + " nodes removed"
        + (removedByReason.isEmpty() ? "" : "\n" + removedByReason.entrySet().stream()
            .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining("\n"))), null);
    step(b, "segment", "3. Segment\nSegmenter + converters' validate\n" + summary.engines().size()
        + " TensorRT engine(s)\n" + summary.convertedOps() + " of " + summary.ops() + " ops converted\n"
        + summary.leftOutOps() + " left in TensorFlow", null);
    step(b, "fuse", "4. Convert and build\nconverters -> TensorRT network\n" + layersBefore + " layers -> "
        + layersAfter + " after fusion\nFP32 | FP16 | INT8", "#c8e6c9");
    step(b, "converted", "5. Converted model\nengines + the rest in\nnative TensorFlow\n(save, load)", null);
    step(b, "run", "6. Run and compare\nnative TensorFlow when\nTensorRT is not there", "white");
    b.append("  params [shape=note, fillcolor=\"#fcf3bf\", label=")
        .append(quote("TrtConversionParams\nprecision " + plan.params().precisionMode() + ", minimum segment "
            + plan.params().minimumSegmentSize() + "\nmax batch " + plan.params().maxBatchSize()))
        .append("];\n");
    b.append("  calibration [shape=note, fillcolor=\"#fde2c8\", label=\"calibration data\\n(INT8 only)\"];\n");
    b.append("  savedmodel -> freeze -> passes -> segment -> fuse -> converted -> run;\n");
    b.append("  params -> segment [style=dashed]; params -> fuse [style=dashed]; calibration -> fuse [style=dashed];\n");
    b.append("  { rank=same; segment; params; }\n  { rank=same; fuse; calibration; }\n");
    return b.append("}\n").toString();
  }

  private static void step(StringBuilder b, String id, String label, String colour) {
    b.append("  ").append(id).append(" [label=").append(quote(label));
    if (colour != null) {
      b.append(", fillcolor=").append(quote(colour));
    }
    b.append("];\n");
  }

  /** A DOT string literal: quotes, backslashes and newlines escaped. */
  static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }
}
