package dev.tftrt.runtime;

import dev.tftrt.plan.FusionPreview;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The planning preview's expected fusions against what TensorRT built: each expected fusion with its outcome
 * and the engine layers that hold its nodes, and the fused layers that merge nodes no expected fusion put
 * together (TensorRT found more than the preview knows).
 */
public record FusionComparison(List<Expected> expected, List<FusedLayer> beyondPreview) {
  public FusionComparison {
    expected = List.copyOf(expected);
    beyondPreview = List.copyOf(beyondPreview);
  }

  public enum Outcome {
    FUSED("fused as expected"),
    PARTLY_FUSED("partly fused"),
    NOT_FUSED("not fused"),
    NOT_BUILT("segment has no engine");

    private final String label;

    Outcome(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * One expected fusion.
   *
   * @param direction {@code vertical} or {@code horizontal}
   * @param layers the engine layers holding two or more of its nodes (all of them when fused), else those
   *     holding any
   */
  public record Expected(String direction, FusionPreview.Fusion fusion, Outcome outcome, List<String> layers) {
    public Expected {
      layers = List.copyOf(layers);
    }
  }

  static FusionComparison of(EngineFusions actual, FusionPreview preview) {
    List<Expected> expected = new ArrayList<>();
    preview.vertical().forEach(f -> expected.add(expected("vertical", f, actual)));
    preview.horizontal().forEach(f -> expected.add(expected("horizontal", f, actual)));
    return new FusionComparison(expected, beyond(actual, preview));
  }

  private static Expected expected(String direction, FusionPreview.Fusion f, EngineFusions actual) {
    if (actual.layers().stream().noneMatch(l -> l.segment().equals(f.segment()))) {
      return new Expected(direction, f, Outcome.NOT_BUILT, List.of());
    }
    // Transposes and constants named after a node say nothing about how its computation was fused.
    List<FusedLayer> inSegment = actual.layers().stream().filter(l -> l.segment().equals(f.segment()))
        .filter(l -> l.fuses() || l.kind() == FusedLayer.Kind.SINGLE).toList();
    Set<String> wanted = new HashSet<>(f.nodes());
    LinkedHashSet<String> all = new LinkedHashSet<>();
    LinkedHashSet<String> some = new LinkedHashSet<>();
    LinkedHashSet<String> any = new LinkedHashSet<>();
    for (FusedLayer l : inSegment) {
      long held = l.nodes().stream().filter(wanted::contains).count();
      if (held == wanted.size()) {
        all.add(l.name());
      } else if (held >= 2) {
        some.add(l.name());
      } else if (held == 1) {
        any.add(l.name());
      }
    }
    if (!all.isEmpty()) {
      return new Expected(direction, f, Outcome.FUSED, List.copyOf(all));
    }
    return !some.isEmpty() ? new Expected(direction, f, Outcome.PARTLY_FUSED, List.copyOf(some))
        : new Expected(direction, f, Outcome.NOT_FUSED, List.copyOf(any));
  }

  /**
   * Fused layers whose nodes the preview's fusions do not connect: nodes joined by one expected fusion belong
   * together (so {@code conv1+relu1 || conv2+relu2} is foreseen by two vertical and one horizontal fusion).
   */
  private static List<FusedLayer> beyond(EngineFusions actual, FusionPreview preview) {
    Map<String, String> parent = new HashMap<>();
    List<FusionPreview.Fusion> all = new ArrayList<>(preview.vertical());
    all.addAll(preview.horizontal());
    for (FusionPreview.Fusion f : all) {
      for (String n : f.nodes()) {
        union(parent, f.segment() + "\u0000" + f.nodes().get(0), f.segment() + "\u0000" + n);
      }
    }
    List<FusedLayer> out = new ArrayList<>();
    for (FusedLayer l : actual.fused()) {
      Set<String> roots = new HashSet<>();
      l.nodes().forEach(n -> roots.add(find(parent, l.segment() + "\u0000" + n)));
      if (roots.size() > 1) {
        out.add(l);
      }
    }
    return out;
  }

  private static String find(Map<String, String> parent, String x) {
    String p = parent.getOrDefault(x, x);
    if (p.equals(x)) {
      return x;
    }
    String root = find(parent, p);
    parent.put(x, root);
    return root;
  }

  private static void union(Map<String, String> parent, String a, String b) {
    String ra = find(parent, a);
    String rb = find(parent, b);
    if (!ra.equals(rb)) {
      parent.put(rb, ra);
    }
  }

  public long count(Outcome outcome) {
    return expected.stream().filter(e -> e.outcome() == outcome).count();
  }

  /** One row per expected fusion, then one per fusion beyond the preview. */
  public Table table() {
    List<String[]> rows = new ArrayList<>();
    for (Expected e : expected) {
      rows.add(new String[] {e.direction(), e.fusion().segment(), e.fusion().kind(),
          String.join(", ", e.fusion().nodes()), e.outcome().label(), String.join("; ", e.layers())});
    }
    for (FusedLayer l : beyondPreview) {
      rows.add(new String[] {l.kind().label(), l.segment(), String.join("+", l.ops()), String.join(", ", l.nodes()),
          "beyond the preview", l.name()});
    }
    String[] names = {"expected", "segment", "fusion", "TF nodes", "outcome", "engine layers"};
    Table t = Table.create("Expected fusions and what TensorRT built");
    for (int c = 0; c < names.length; c++) {
      int col = c;
      t.addColumns(StringColumn.create(names[c], rows.stream().map(r -> r[col]).toList()));
    }
    return t;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Compared with the fusion preview: ").append(count(Outcome.FUSED))
        .append(" of ").append(expected.size()).append(" expected fusions made");
    if (count(Outcome.PARTLY_FUSED) > 0) {
      b.append(", ").append(count(Outcome.PARTLY_FUSED)).append(" partly");
    }
    if (count(Outcome.NOT_BUILT) > 0) {
      b.append(", ").append(count(Outcome.NOT_BUILT)).append(" in segments without an engine");
    }
    b.append(", ").append(beyondPreview.size()).append(" beyond the preview\n");
    for (Expected e : expected) {
      b.append("  ").append(e.outcome().label()).append(": ").append(e.direction()).append(' ')
          .append(e.fusion().kind()).append(" [").append(String.join(", ", e.fusion().nodes())).append(']');
      if (!e.layers().isEmpty()) {
        b.append(" -> ").append(String.join("; ", e.layers()));
      }
      b.append('\n');
    }
    beyondPreview.forEach(l -> b.append("  beyond the preview: ").append(l.describe()).append('\n'));
    return b.toString();
  }
}
