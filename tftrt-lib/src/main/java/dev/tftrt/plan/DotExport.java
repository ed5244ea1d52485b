package dev.tftrt.plan;

import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Graphviz DOT of a plan's graph: each engine a filled cluster in its own colour, each expected fusion a
 * dashed cluster inside it, nodes left in TensorFlow plain with their reason as tooltip. Constants are left
 * out unless asked for (a ResNet has hundreds, and they would hide the structure).
 */
public final class DotExport {
  private static final String[] PALETTE = {"#cfe8fc", "#d7f5d0", "#fde2c8", "#e8d9f7", "#fcf3bf", "#f9d2da",
      "#d0f2f0", "#e6e6e6"};

  private DotExport() {}

  public static String toDot(ConversionPlan plan) {
    return toDot(plan, false);
  }

  public static String toDot(ConversionPlan plan, boolean includeConstants) {
    Set<String> shown = new HashSet<>();
    for (Node n : plan.graph().nodes()) {
      if (includeConstants || !n.op().equals("Const")) {
        shown.add(n.name());
      }
    }
    // A constant copied into several engines is drawn once, in the first.
    Map<String, String> placed = new HashMap<>();
    List<FusionPreview.Fusion> fusions = new ArrayList<>(plan.fusions().vertical());
    fusions.addAll(plan.fusions().horizontal());

    StringBuilder b = new StringBuilder();
    b.append("digraph plan {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=white, "
        + "fontname=\"Helvetica\", fontsize=10];\n");
    int fusionId = 0;
    for (int i = 0; i < plan.segments().size(); i++) {
      Segment s = plan.segments().get(i);
      b.append("  subgraph cluster_").append(i).append(" {\n");
      b.append("    label=").append(quote(s.name() + " (" + s.size() + " nodes)")).append(";\n");
      b.append("    style=filled; color=\"#555555\"; fillcolor=").append(quote(PALETTE[i % PALETTE.length]))
          .append(";\n");
      Set<String> inFusion = new HashSet<>();
      for (FusionPreview.Fusion f : fusions) {
        if (!f.segment().equals(s.name())) {
          continue;
        }
        b.append("    subgraph cluster_fusion_").append(fusionId++).append(" {\n");
        b.append("      label=").append(quote(f.kind())).append("; style=dashed; color=\"#333333\";\n");
        for (String n : f.nodes()) {
          if (inFusion.add(n) && placed.putIfAbsent(n, s.name()) == null) {
            b.append("      ").append(node(plan.graph().node(n), null)).append('\n');
          }
        }
        b.append("    }\n");
      }
      for (String n : s.nodes()) {
        if (shown.contains(n) && !inFusion.contains(n) && placed.putIfAbsent(n, s.name()) == null) {
          b.append("    ").append(node(plan.graph().node(n), null)).append('\n');
        }
      }
      b.append("  }\n");
    }
    for (LeftOut l : plan.leftOut()) {
      if (shown.contains(l.node())) {
        b.append("  ").append(node(plan.graph().node(l.node()), l.reason())).append('\n');
      }
    }
    for (Node n : plan.graph().nodes()) {
      if (!shown.contains(n.name())) {
        continue;
      }
      for (TensorRef in : n.inputs()) {
        if (shown.contains(in.node())) {
          b.append("  ").append(quote(in.node())).append(" -> ").append(quote(n.name()));
          if (in.index() != 0) {
            b.append(" [label=").append(quote(":" + in.index())).append(']');
          }
          b.append(";\n");
        }
      }
      for (String c : n.controlInputs()) {
        if (shown.contains(c)) {
          b.append("  ").append(quote(c)).append(" -> ").append(quote(n.name())).append(" [style=dotted];\n");
        }
      }
    }
    b.append("}\n");
    return b.toString();
  }

  private static String node(Node n, String leftOutReason) {
    StringBuilder b = new StringBuilder(quote(n.name()));
    b.append(" [label=").append(quote(n.name() + "\n" + n.op()));
    if (leftOutReason != null) {
      b.append(", color=\"#999999\", tooltip=").append(quote(leftOutReason));
    }
    return b.append("];").toString();
  }

  /** A DOT string literal: quotes, backslashes and newlines escaped. */
  static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }
}
