package dev.tftrt.runtime;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.tftrt.TftrtException;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.plan.FusionPreview;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * What TensorRT fused: every layer of a converted model's engines mapped back to the TF nodes it came from,
 * read from TensorRT's engine inspector. With detailed profiling verbosity an engine layer's name lists the
 * network layers it fused: {@code a + b} (vertical), {@code a || b} (horizontal), {@code PWN(a, b)} (pointwise),
 * {@code {ForeignNode[a...b]}} (everything from {@code a} to {@code b}); the converters name network layers after
 * their TF node, sometimes with a suffix ({@code <node>/to_nchw}), so the longest TF node name that prefixes a
 * network layer's name is its node.
 *
 * @param layers every engine layer, by segment, engine and TensorRT's order
 * @param removed per segment with engines, its TF nodes (constants aside) that no engine layer computes:
 *     TensorRT removed them (a concatenation written in place, an identity, a no-op reshape)
 * @param withoutEngine segments that have no engine, with why (they run in TensorFlow)
 */
public record EngineFusions(List<FusedLayer> layers, Map<String, List<String>> removed,
    Map<String, String> withoutEngine) {
  public EngineFusions {
    layers = List.copyOf(layers);
    Map<String, List<String>> r = new LinkedHashMap<>();
    removed.forEach((k, v) -> r.put(k, List.copyOf(v)));
    removed = java.util.Collections.unmodifiableMap(r);
    withoutEngine = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(withoutEngine));
  }

  /** Suffixes of the NHWC/NCHW transposes converters put around image layers (see ConverterSupport). */
  private static final Set<String> LAYOUT_SUFFIXES = Set.of("to_nchw", "to_nhwc", "to_last", "back");
  private static final Set<String> NOT_COMPUTING = Set.of("Const", "Placeholder", "NoOp");
  private static final Pattern FOREIGN_NODE = Pattern.compile("\\{ForeignNode\\[(.*)\\.\\.\\.(.*)]}");

  /** The fusions of the engines live in {@code segments} of a model whose optimized graph is {@code graph}. */
  static EngineFusions of(Graph graph, List<SegmentEngines> segments) {
    Map<SegmentSpec, List<String>> inspected = new LinkedHashMap<>();
    Map<String, String> without = new LinkedHashMap<>();
    for (SegmentEngines s : segments) {
      if (s.engines().isEmpty()) {
        SegmentEngines.Fallback f = s.withoutEngine();
        without.put(s.spec().name(), f != null ? f.reason() + ": " + f.detail() : "no engine built yet");
      } else {
        inspected.put(s.spec(), s.engines().stream().map(e -> e.engine().layerInformationJson()).toList());
      }
    }
    return of(graph, inspected, without);
  }

  /**
   * The fusions from the inspector output of each segment's engines ({@link #layers} reads one).
   *
   * @param inspected per segment with engines, each engine's {@code layerInformationJson()}
   * @param withoutEngine segments without an engine and why
   */
  public static EngineFusions of(Graph graph, Map<SegmentSpec, List<String>> inspected,
      Map<String, String> withoutEngine) {
    List<FusedLayer> layers = new ArrayList<>();
    Map<String, List<String>> removed = new LinkedHashMap<>();
    inspected.forEach((spec, jsons) -> {
      List<FusedLayer> mine = new ArrayList<>();
      for (int i = 0; i < jsons.size(); i++) {
        mine.addAll(layers(graph, spec, i, jsons.get(i)));
      }
      layers.addAll(mine);
      removed.put(spec.name(), notComputed(graph, spec, mine));
    });
    return new EngineFusions(layers, removed, withoutEngine);
  }

  /**
   * The layers of one engine of {@code segment} from its inspector output ({@code {"Layers": [...]}}, each
   * layer an object with {@code Name} and {@code LayerType}, or just a name at lower verbosity).
   *
   * @throws TftrtException when the text is not the inspector's JSON
   */
  public static List<FusedLayer> layers(Graph graph, SegmentSpec segment, int engine, String layerInformationJson) {
    JsonElement parsed;
    try {
      parsed = JsonParser.parseString(layerInformationJson == null ? "" : layerInformationJson);
    } catch (JsonParseException e) {
      throw notInspectorJson(segment, e.getMessage());
    }
    if (!parsed.isJsonObject() || !parsed.getAsJsonObject().has("Layers")
        || !parsed.getAsJsonObject().get("Layers").isJsonArray()) {
      throw notInspectorJson(segment, "no \"Layers\" array");
    }
    Map<String, Integer> order = new HashMap<>();
    for (String n : segment.nodes()) {
      order.put(n, order.size());
    }
    List<FusedLayer> out = new ArrayList<>();
    for (JsonElement l : parsed.getAsJsonObject().getAsJsonArray("Layers")) {
      String name;
      String type = "";
      if (l.isJsonObject() && l.getAsJsonObject().has("Name")) {
        JsonObject o = l.getAsJsonObject();
        name = o.get("Name").getAsString();
        type = o.has("LayerType") && o.get("LayerType").isJsonPrimitive() ? o.get("LayerType").getAsString() : "";
      } else if (l.isJsonPrimitive()) {
        name = l.getAsString();
      } else {
        throw notInspectorJson(segment, "a layer without a \"Name\": " + l);
      }
      out.add(layer(graph, segment, engine, name, type, order));
    }
    return out;
  }

  private static TftrtException notInspectorJson(SegmentSpec segment, String why) {
    return new TftrtException("the engine inspector's layer information for segment '" + segment.name()
        + "' is not TensorRT's {\"Layers\": [...], \"Bindings\": [...]} JSON (" + why + ")");
  }

  /** One network layer named in an engine layer: its TF node and whether it only transposes for layout. */
  private record Part(String node, boolean layout) {}

  private static FusedLayer layer(Graph graph, SegmentSpec segment, int engine, String name, String type,
      Map<String, Integer> order) {
    if (type.equalsIgnoreCase("Reformat") || name.startsWith("Reformatting CopyNode") || name.endsWith(" copy")) {
      return new FusedLayer(segment.name(), engine, name, type, FusedLayer.Kind.REFORMAT, List.of(), List.of());
    }
    List<List<Part>> groups = new ArrayList<>();
    for (String group : name.split(" \\|\\| ")) {
      List<Part> parts = new ArrayList<>();
      for (String piece : splitTopLevel(group, " + ")) {
        for (String networkLayer : pointwiseParts(piece.strip())) {
          parts.addAll(resolve(networkLayer, segment, order));
        }
      }
      groups.add(parts);
    }
    LinkedHashSet<String> computing = new LinkedHashSet<>();
    LinkedHashSet<String> layout = new LinkedHashSet<>();
    int computingGroups = 0;
    for (List<Part> g : groups) {
      boolean any = false;
      for (Part p : g) {
        Node node = graph.nodeOrNull(p.node());
        if (node != null && NOT_COMPUTING.contains(node.op())) {
          continue;
        }
        (p.layout() ? layout : computing).add(p.node());
        any |= !p.layout();
      }
      computingGroups += any ? 1 : 0;
    }
    FusedLayer.Kind kind;
    List<String> nodes = new ArrayList<>(computing);
    if (type.equalsIgnoreCase("Constant")) {
      kind = FusedLayer.Kind.CONSTANT;
      nodes = groups.stream().flatMap(List::stream).map(Part::node).distinct().toList();
    } else if (computingGroups >= 2) {
      kind = FusedLayer.Kind.HORIZONTAL;
    } else if (computing.size() >= 2) {
      kind = FusedLayer.Kind.VERTICAL;
    } else if (computing.size() == 1) {
      kind = FusedLayer.Kind.SINGLE;
    } else if (!layout.isEmpty()) {
      kind = FusedLayer.Kind.LAYOUT;
      nodes = new ArrayList<>(layout);
    } else {
      kind = FusedLayer.Kind.REFORMAT;
    }
    List<String> ops = nodes.stream().map(n -> {
      Node node = graph.nodeOrNull(n);
      return node == null ? "?" : node.op();
    }).toList();
    return new FusedLayer(segment.name(), engine, name, type, kind, nodes, ops);
  }

  /**
   * The TF nodes behind one network-layer name: the longest segment node equal to it or prefixing it before a
   * {@code /}; a {@code {ForeignNode[a...b]}} covers the segment's nodes from {@code a}'s to {@code b}'s.
   */
  private static List<Part> resolve(String networkLayer, SegmentSpec segment, Map<String, Integer> order) {
    Matcher m = FOREIGN_NODE.matcher(networkLayer);
    if (m.matches()) {
      List<Part> first = resolve(m.group(1), segment, order);
      List<Part> last = resolve(m.group(2), segment, order);
      if (first.isEmpty() || last.isEmpty()) {
        List<Part> some = new ArrayList<>(first);
        some.addAll(last);
        return some;
      }
      int from = Math.min(order.get(first.get(0).node()), order.get(last.get(0).node()));
      int to = Math.max(order.get(first.get(0).node()), order.get(last.get(0).node()));
      List<Part> range = new ArrayList<>();
      for (int i = from; i <= to; i++) {
        range.add(new Part(segment.nodes().get(i), false));
      }
      return range;
    }
    String candidate = networkLayer;
    while (true) {
      if (order.containsKey(candidate)) {
        String rest = networkLayer.length() > candidate.length() ? networkLayer.substring(candidate.length() + 1) : "";
        // A reader's transposes of its later inputs are numbered: <node>/to_nchw_1.
        return List.of(new Part(candidate, LAYOUT_SUFFIXES.contains(rest.replaceFirst("_\\d+$", ""))));
      }
      int slash = candidate.lastIndexOf('/');
      if (slash <= 0) {
        return List.of();
      }
      candidate = candidate.substring(0, slash);
    }
  }

  /** {@code PWN(PWN(a, b), c)} -> {@code a, b, c}; anything else is one network layer. */
  private static List<String> pointwiseParts(String piece) {
    if (!piece.startsWith("PWN(") || !piece.endsWith(")")) {
      return List.of(piece);
    }
    List<String> out = new ArrayList<>();
    for (String inner : splitTopLevel(piece.substring(4, piece.length() - 1), ", ")) {
      out.addAll(pointwiseParts(inner.strip()));
    }
    return out;
  }

  /** Splits on {@code separator} outside parentheses and brackets. */
  private static List<String> splitTopLevel(String s, String separator) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(' || c == '[') {
        depth++;
      } else if ((c == ')' || c == ']') && depth > 0) {
        depth--;
      } else if (depth == 0 && s.startsWith(separator, i)) {
        out.add(s.substring(start, i));
        start = i + separator.length();
        i = start - 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }

  private static List<String> notComputed(Graph graph, SegmentSpec spec, List<FusedLayer> layers) {
    Set<String> seen = new HashSet<>();
    layers.forEach(l -> seen.addAll(l.nodes()));
    return spec.nodes().stream().filter(n -> !seen.contains(n))
        .filter(n -> graph.nodeOrNull(n) == null || !NOT_COMPUTING.contains(graph.node(n).op())).toList();
  }

  /** The layers that merge several TF nodes. */
  public List<FusedLayer> fused() {
    return layers.stream().filter(FusedLayer::fuses).toList();
  }

  public long count(FusedLayer.Kind kind) {
    return layers.stream().filter(l -> l.kind() == kind).count();
  }

  /** Which of the preview's expected fusions TensorRT made, which not, and what it fused beyond them. */
  public FusionComparison compareWith(FusionPreview preview) {
    return FusionComparison.of(this, preview);
  }

  /** One row per engine layer. */
  public Table table() {
    return Table.create("What TensorRT fused",
        StringColumn.create("segment", layers.stream().map(FusedLayer::segment).toList()),
        IntColumn.create("engine", layers.stream().mapToInt(FusedLayer::engine).toArray()),
        StringColumn.create("kind", layers.stream().map(l -> l.kind().label()).toList()),
        StringColumn.create("TF ops", layers.stream().map(l -> String.join("+", l.ops())).toList()),
        StringColumn.create("TF nodes", layers.stream().map(l -> String.join(", ", l.nodes())).toList()),
        StringColumn.create("engine layer", layers.stream().map(FusedLayer::name).toList()),
        StringColumn.create("layer type", layers.stream().map(FusedLayer::layerType).toList()));
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("What TensorRT fused: ").append(layers.size()).append(" engine layers, ")
        .append(count(FusedLayer.Kind.VERTICAL)).append(" vertical and ").append(count(FusedLayer.Kind.HORIZONTAL))
        .append(" horizontal fusions, ").append(count(FusedLayer.Kind.REFORMAT)).append(" added by TensorRT\n");
    String current = null;
    for (FusedLayer l : layers) {
      String header = "segment '" + l.segment() + "' engine " + l.engine();
      if (!header.equals(current)) {
        b.append("  ").append(header).append(":\n");
        current = header;
      }
      b.append("    ").append(l.describe()).append('\n');
    }
    removed.forEach((segment, nodes) -> {
      if (!nodes.isEmpty()) {
        b.append("  segment '").append(segment).append("': in no engine layer (TensorRT removed them): ")
            .append(String.join(", ", nodes)).append('\n');
      }
    });
    withoutEngine.forEach((segment, why) -> b.append("  segment '").append(segment).append("' has no engine: ")
        .append(why).append('\n'));
    return b.toString();
  }
}
