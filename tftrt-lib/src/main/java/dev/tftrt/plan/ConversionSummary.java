package dev.tftrt.plan;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.passes.RemovedNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * TF-TRT's conversion report for one plan: per engine its nodes, op histogram and boundary tensors with dtype
 * and shape; the share of ops converted; every op type left in TensorFlow with its reason and count; the
 * fusion preview; what the graph passes removed. Graph inputs (placeholders) are not ops and are not counted.
 * Renders as text, JSON, CSV and Tablesaw tables.
 */
public record ConversionSummary(String model, String signature, TrtConversionParams params, int ops,
    int convertedOps, List<EngineRow> engines, List<LeftOutOp> leftOut, List<FusionPreview.Fusion> verticalFusions,
    List<FusionPreview.Fusion> horizontalFusions, List<RemovedOp> removed) {

  /** One engine: its size, op histogram and boundary tensors written {@code name:i dtype[shape]}. */
  public record EngineRow(String name, int nodes, int computeNodes, Map<String, Integer> opHistogram,
      List<String> inputs, List<String> outputs) {}

  /** An op type left in TensorFlow for one reason, how many nodes, and their names. */
  public record LeftOutOp(String op, String reason, int count, List<String> nodes) {}

  /** An op type the graph passes removed for one reason, and how many nodes. */
  public record RemovedOp(String op, String reason, int count) {}

  private static final String INPUT_OP = "Placeholder";

  public ConversionSummary {
    engines = List.copyOf(engines);
    leftOut = List.copyOf(leftOut);
    verticalFusions = List.copyOf(verticalFusions);
    horizontalFusions = List.copyOf(horizontalFusions);
    removed = List.copyOf(removed);
  }

  public static ConversionSummary of(ConversionPlan plan) {
    Set<String> converted = new HashSet<>();
    List<EngineRow> engines = new ArrayList<>();
    for (Segment s : plan.segments()) {
      converted.addAll(s.nodes());
      engines.add(new EngineRow(s.name(), s.size(), s.effectiveSize(), s.opHistogram(),
          s.inputs().stream().map(t -> describe(plan, t)).toList(),
          s.outputs().stream().map(t -> describe(plan, t)).toList()));
    }
    int ops = (int) plan.graph().nodes().stream().filter(n -> !n.op().equals(INPUT_OP)).count();

    Map<List<String>, List<String>> byOpAndReason = new LinkedHashMap<>();
    for (LeftOut l : plan.leftOut()) {
      if (!l.op().equals(INPUT_OP)) {
        byOpAndReason.computeIfAbsent(List.of(l.op(), l.reason()), k -> new ArrayList<>()).add(l.node());
      }
    }
    List<LeftOutOp> leftOut = new ArrayList<>();
    byOpAndReason.forEach((k, nodes) -> leftOut.add(new LeftOutOp(k.get(0), k.get(1), nodes.size(), nodes)));
    leftOut.sort(Comparator.comparingInt(LeftOutOp::count).reversed().thenComparing(LeftOutOp::op));

    Map<List<String>, Integer> removedCounts = new LinkedHashMap<>();
    for (RemovedNode r : plan.removed()) {
      removedCounts.merge(List.of(r.op(), r.reason()), 1, Integer::sum);
    }
    List<RemovedOp> removed = new ArrayList<>();
    removedCounts.forEach((k, c) -> removed.add(new RemovedOp(k.get(0), k.get(1), c)));
    removed.sort(Comparator.comparingInt(RemovedOp::count).reversed().thenComparing(RemovedOp::op));

    String source = plan.model().source() == null ? "(in memory)" : plan.model().source().toString();
    int convertedOps = (int) converted.stream().filter(n -> !plan.graph().node(n).op().equals(INPUT_OP)).count();
    return new ConversionSummary(source, plan.model().tag() + "/" + plan.model().signatureKey(), plan.params(), ops,
        convertedOps, engines, leftOut, plan.fusions().vertical(), plan.fusions().horizontal(), removed);
  }

  private static String describe(ConversionPlan plan, TensorRef t) {
    return t.tensorName() + " " + plan.tensorInfo(t).map(Object::toString).orElse("(unknown)");
  }

  /** Converted ops over all ops, 0 to 1 (1 for a graph with no ops). */
  public double convertedShare() {
    return ops == 0 ? 1.0 : (double) convertedOps / ops;
  }

  public int leftOutOps() {
    return leftOut.stream().mapToInt(LeftOutOp::count).sum();
  }

  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append("Conversion plan for ").append(model).append(" (").append(signature).append("), precision ")
        .append(params.precisionMode()).append(", minimumSegmentSize ").append(params.minimumSegmentSize())
        .append(", maxEngines ").append(params.maxEngines());
    if (!params.opDenylist().isEmpty()) {
      b.append(", opDenylist ").append(String.join(",", params.opDenylist()));
    }
    b.append('\n');
    b.append(String.format(Locale.ROOT, "Converted %d of %d ops (%.1f%%) into %d engine%s.%n", convertedOps, ops,
        100 * convertedShare(), engines.size(), engines.size() == 1 ? "" : "s"));

    b.append("\nEngines\n");
    if (engines.isEmpty()) {
      b.append("  (none)\n");
    }
    for (EngineRow e : engines) {
      b.append("  ").append(e.name()).append(": ").append(e.nodes()).append(" nodes (").append(e.computeNodes())
          .append(" compute)\n");
      b.append("    ops:     ").append(histogram(e.opHistogram())).append('\n');
      b.append("    inputs:  ").append(String.join(", ", e.inputs())).append('\n');
      b.append("    outputs: ").append(String.join(", ", e.outputs())).append('\n');
    }

    b.append("\nLeft in TensorFlow (").append(leftOutOps()).append(" ops of ")
        .append(leftOut.stream().map(LeftOutOp::op).distinct().count()).append(" types)\n");
    if (leftOut.isEmpty()) {
      b.append("  (none)\n");
    }
    int opWidth = leftOut.stream().mapToInt(l -> l.op().length()).max().orElse(0);
    for (LeftOutOp l : leftOut) {
      b.append(String.format(Locale.ROOT, "  %-" + opWidth + "s x%-4d %s%n", l.op(), l.count(), l.reason()));
    }

    b.append("\nExpected fusions (").append(verticalFusions.size()).append(" vertical, ")
        .append(horizontalFusions.size()).append(" horizontal)\n");
    for (FusionPreview.Fusion f : verticalFusions) {
      b.append("  vertical    ").append(f.segment()).append("  ").append(f.kind()).append(": ")
          .append(String.join(", ", f.nodes())).append('\n');
    }
    for (FusionPreview.Fusion f : horizontalFusions) {
      b.append("  horizontal  ").append(f.segment()).append("  ").append(f.kind()).append(": ")
          .append(String.join(", ", f.nodes())).append('\n');
    }

    b.append("\nRemoved before planning (").append(removed.stream().mapToInt(RemovedOp::count).sum())
        .append(" nodes)\n");
    for (RemovedOp r : removed) {
      b.append(String.format(Locale.ROOT, "  %s x%d: %s%n", r.op(), r.count(), r.reason()));
    }
    return b.toString();
  }

  private static String histogram(Map<String, Integer> h) {
    return h.entrySet().stream().map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", "));
  }

  public String toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("model", model);
    o.addProperty("signature", signature);
    o.add("params", params.toJsonTree());
    o.addProperty("ops", ops);
    o.addProperty("convertedOps", convertedOps);
    o.addProperty("convertedShare", convertedShare());
    JsonArray es = new JsonArray();
    for (EngineRow e : engines) {
      JsonObject j = new JsonObject();
      j.addProperty("name", e.name());
      j.addProperty("nodes", e.nodes());
      j.addProperty("computeNodes", e.computeNodes());
      JsonObject h = new JsonObject();
      e.opHistogram().forEach(h::addProperty);
      j.add("opHistogram", h);
      j.add("inputs", strings(e.inputs()));
      j.add("outputs", strings(e.outputs()));
      es.add(j);
    }
    o.add("engines", es);
    JsonArray lo = new JsonArray();
    for (LeftOutOp l : leftOut) {
      JsonObject j = new JsonObject();
      j.addProperty("op", l.op());
      j.addProperty("reason", l.reason());
      j.addProperty("count", l.count());
      j.add("nodes", strings(l.nodes()));
      lo.add(j);
    }
    o.add("leftOut", lo);
    o.add("verticalFusions", fusions(verticalFusions));
    o.add("horizontalFusions", fusions(horizontalFusions));
    JsonArray rm = new JsonArray();
    for (RemovedOp r : removed) {
      JsonObject j = new JsonObject();
      j.addProperty("op", r.op());
      j.addProperty("reason", r.reason());
      j.addProperty("count", r.count());
      rm.add(j);
    }
    o.add("removed", rm);
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o);
  }

  private static JsonArray strings(List<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }

  private static JsonArray fusions(List<FusionPreview.Fusion> fs) {
    JsonArray a = new JsonArray();
    for (FusionPreview.Fusion f : fs) {
      JsonObject j = new JsonObject();
      j.addProperty("kind", f.kind());
      j.addProperty("segment", f.segment());
      j.add("nodes", strings(f.nodes()));
      a.add(j);
    }
    return a;
  }

  /**
   * One CSV in long form, {@code section,segment,op,count,detail}: a row per engine (detail: inputs and
   * outputs), per op of each engine, per op type left out (detail: reason), per fusion and per removed op type.
   */
  public String toCsv() {
    StringBuilder b = new StringBuilder("section,segment,op,count,detail\n");
    for (EngineRow e : engines) {
      row(b, "engine", e.name(), "", e.nodes(),
          "inputs: " + String.join("; ", e.inputs()) + " | outputs: " + String.join("; ", e.outputs()));
      e.opHistogram().forEach((op, c) -> row(b, "engine_op", e.name(), op, c, ""));
    }
    for (LeftOutOp l : leftOut) {
      row(b, "left_out", "", l.op(), l.count(), l.reason());
    }
    for (FusionPreview.Fusion f : verticalFusions) {
      row(b, "vertical_fusion", f.segment(), f.kind(), f.nodes().size(), String.join(" ", f.nodes()));
    }
    for (FusionPreview.Fusion f : horizontalFusions) {
      row(b, "horizontal_fusion", f.segment(), f.kind(), f.nodes().size(), String.join(" ", f.nodes()));
    }
    for (RemovedOp r : removed) {
      row(b, "removed", "", r.op(), r.count(), r.reason());
    }
    return b.toString();
  }

  private static void row(StringBuilder b, String section, String segment, String op, int count, String detail) {
    b.append(csv(section)).append(',').append(csv(segment)).append(',').append(csv(op)).append(',').append(count)
        .append(',').append(csv(detail)).append('\n');
  }

  private static String csv(String v) {
    if (v.contains(",") || v.contains("\"") || v.contains("\n")) {
      return '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }

  /** One row per engine: segment, nodes, computeNodes, ops, inputs, outputs. */
  public Table enginesTable() {
    return Table.create("engines",
        StringColumn.create("segment", engines.stream().map(EngineRow::name).toList()),
        IntColumn.create("nodes", engines.stream().mapToInt(EngineRow::nodes).toArray()),
        IntColumn.create("computeNodes", engines.stream().mapToInt(EngineRow::computeNodes).toArray()),
        StringColumn.create("ops", engines.stream().map(e -> histogram(e.opHistogram())).toList()),
        StringColumn.create("inputs", engines.stream().map(e -> String.join(", ", e.inputs())).toList()),
        StringColumn.create("outputs", engines.stream().map(e -> String.join(", ", e.outputs())).toList()));
  }

  /** One row per op type and reason left in TensorFlow: op, count, reason. */
  public Table leftOutTable() {
    return Table.create("left out",
        StringColumn.create("op", leftOut.stream().map(LeftOutOp::op).toList()),
        IntColumn.create("count", leftOut.stream().mapToInt(LeftOutOp::count).toArray()),
        StringColumn.create("reason", leftOut.stream().map(LeftOutOp::reason).toList()));
  }

  /** One row per expected fusion: direction, segment, kind, nodes. */
  public Table fusionsTable() {
    List<String> direction = new ArrayList<>();
    List<FusionPreview.Fusion> all = new ArrayList<>(verticalFusions);
    verticalFusions.forEach(f -> direction.add("vertical"));
    all.addAll(horizontalFusions);
    horizontalFusions.forEach(f -> direction.add("horizontal"));
    return Table.create("fusions",
        StringColumn.create("direction", direction),
        StringColumn.create("segment", all.stream().map(FusionPreview.Fusion::segment).toList()),
        StringColumn.create("kind", all.stream().map(FusionPreview.Fusion::kind).toList()),
        StringColumn.create("nodes", all.stream().map(f -> String.join(", ", f.nodes())).toList()));
  }

  @Override
  public String toString() {
    return toText();
  }
}
