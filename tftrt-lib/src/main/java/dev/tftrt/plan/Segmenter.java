package dev.tftrt.plan;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Groups candidate nodes into segments the way TF-TRT's segmenter does: visiting nodes from the outputs
 * towards the inputs, it merges a candidate with each candidate consumer unless another path between them
 * (through nodes that stay outside) would turn the merge into a cycle. Then it drops segments with fewer
 * compute nodes than {@code minimumSegmentSize} and, past {@code maxEngines}, the smallest ones.
 *
 * <p>It knows nothing of TensorRT: which nodes are candidates is the {@code candidate} function's answer
 * (empty = convertible, otherwise the reason it is not). Constants are not clustered: each segment gets a
 * copy of the constants its nodes read (TensorRT needs weights inside the engine), so a constant never joins
 * two otherwise separate segments and is never a segment input or output. Control edges count for the cycle
 * test but are never merged along. The result depends only on the graph, its node order and the options.
 */
public final class Segmenter {
  /** Ops that forward a tensor and do not count towards a segment's size (as in TF-TRT). */
  static final Set<String> FORWARDING_OPS = Set.of("Identity", "Snapshot", "StopGradient");

  /** The options that shape segments; {@link #from(TrtConversionParams)} takes them from the conversion. */
  public record Options(int minimumSegmentSize, Set<String> opDenylist, int maxEngines) {
    public Options {
      if (minimumSegmentSize < 1 || maxEngines < 1) {
        throw new IllegalArgumentException("minimumSegmentSize and maxEngines must be >= 1");
      }
      opDenylist = Set.copyOf(opDenylist);
    }

    public static Options from(TrtConversionParams p) {
      return new Options(p.minimumSegmentSize(), p.opDenylist(), p.maxEngines());
    }
  }

  private Segmenter() {}

  /**
   * Segments {@code graph}. {@code graphOutputs} are tensors read from outside the graph: a segment producing
   * one lists it among its outputs.
   */
  public static Segmentation segment(Graph graph, Collection<TensorRef> graphOutputs,
      Function<Node, Optional<String>> candidate, Options options) {
    List<Node> order = graph.topologicalOrder();
    int n = order.size();
    Map<String, Integer> id = new HashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      id.put(order.get(i).name(), i);
    }

    String[] rejection = new String[n];
    boolean[] clusterable = new boolean[n];
    for (int i = 0; i < n; i++) {
      Node node = order.get(i);
      Optional<String> reason = candidate.apply(node);
      if (reason.isPresent()) {
        rejection[i] = reason.get();
      } else if (options.opDenylist().contains(node.op())) {
        rejection[i] = "op type " + node.op() + " is in opDenylist";
      } else {
        clusterable[i] = !isConst(node);
      }
    }

    // Node names are looked up once here; everything below works on ids (positions in the order).
    int[][] inputIds = new int[n][];
    for (int i = 0; i < n; i++) {
      List<TensorRef> ins = order.get(i).inputs();
      inputIds[i] = new int[ins.size()];
      for (int j = 0; j < ins.size(); j++) {
        inputIds[i][j] = id.get(ins.get(j).node());
      }
    }

    int[] ranks = new int[n];
    for (int i = 0; i < n; i++) {
      ranks[i] = i;
    }
    ContractionGraph cg = new ContractionGraph(ranks);
    for (int i = 0; i < n; i++) {
      for (int src : inputIds[i]) {
        cg.addEdge(src, i);
      }
      for (String c : order.get(i).controlInputs()) {
        cg.addEdge(id.get(c), i);
      }
    }

    int[] parent = new int[n];
    for (int i = 0; i < n; i++) {
      parent[i] = i;
    }
    for (int v = n - 1; v >= 0; v--) {
      if (!clusterable[v]) {
        continue;
      }
      boolean merged = true;
      while (merged) {
        merged = false;
        int cur = find(parent, v);
        for (int s : cg.successors(cur)) {
          if (!clusterable[s] || !cg.hasEdge(cur, s)) {
            continue;
          }
          int keep = cg.contract(cur, s);
          if (keep >= 0) {
            parent[keep == cur ? s : cur] = keep;
            cur = keep;
            merged = true;
          }
        }
      }
    }

    Map<Integer, List<Integer>> clusters = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      if (clusterable[i]) {
        clusters.computeIfAbsent(find(parent, i), k -> new ArrayList<>()).add(i);
      }
    }

    Readers readers = Readers.of(order, inputIds);
    Map<String, List<TensorRef>> graphOutputsByNode = new HashMap<>();
    for (TensorRef t : new LinkedHashSet<>(graphOutputs)) {
      graphOutputsByNode.computeIfAbsent(t.node(), k -> new ArrayList<>()).add(t);
    }

    List<Candidate> kept = new ArrayList<>();
    String[] dropReason = new String[n];
    for (List<Integer> members : clusters.values()) {
      int effective = (int) members.stream().filter(m -> !FORWARDING_OPS.contains(order.get(m).op())).count();
      if (effective < options.minimumSegmentSize()) {
        String why = "its segment has " + effective + " compute node" + (effective == 1 ? "" : "s")
            + ", fewer than minimumSegmentSize " + options.minimumSegmentSize();
        members.forEach(m -> dropReason[m] = why);
      } else {
        kept.add(new Candidate(members, effective));
      }
    }
    if (kept.size() > options.maxEngines()) {
      List<Candidate> bySize = new ArrayList<>(kept);
      bySize.sort(Comparator.comparingInt(Candidate::effective).reversed()
          .thenComparingInt(c -> c.members().get(0)));
      for (Candidate c : bySize.subList(options.maxEngines(), bySize.size())) {
        String why = "its segment (" + c.effective() + " compute nodes) is among the smallest dropped by maxEngines "
            + options.maxEngines();
        c.members().forEach(m -> dropReason[m] = why);
      }
      kept = new ArrayList<>(bySize.subList(0, options.maxEngines()));
      kept.sort(Comparator.comparingInt(c -> c.members().get(0)));
    }

    List<Segment> segments = new ArrayList<>();
    boolean[] inSomeSegment = new boolean[n];
    boolean[] inThisSegment = new boolean[n];
    for (Candidate c : kept) {
      TreeSet<Integer> all = new TreeSet<>(c.members());
      for (int m : c.members()) {
        for (int src : inputIds[m]) {
          if (isConst(order.get(src)) && rejection[src] == null) {
            all.add(src);
          }
        }
      }
      String name = String.format("TRTEngineOp_%03d", segments.size());
      all.forEach(m -> inThisSegment[m] = true);
      segments.add(describe(name, all, inThisSegment, c.effective(), order, inputIds, readers, graphOutputsByNode));
      all.forEach(m -> {
        inThisSegment[m] = false;
        inSomeSegment[m] = true;
      });
    }

    List<LeftOut> leftOut = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (inSomeSegment[i]) {
        continue;
      }
      Node node = order.get(i);
      String why = rejection[i] != null ? rejection[i]
          : dropReason[i] != null ? dropReason[i]
          : "constant read only by nodes left in TensorFlow";
      leftOut.add(new LeftOut(node.name(), node.op(), why));
    }
    return new Segmentation(segments, leftOut);
  }

  private record Candidate(List<Integer> members, int effective) {}

  /** {@code members} in order; {@code isMember} marks exactly them (membership tests by id, not by search). */
  private static Segment describe(String name, TreeSet<Integer> members, boolean[] isMember, int effective,
      List<Node> order, int[][] inputIds, Readers readers, Map<String, List<TensorRef>> graphOutputsByNode) {
    List<String> names = new ArrayList<>();
    Set<TensorRef> inputs = new LinkedHashSet<>();
    Set<TensorRef> outputs = new LinkedHashSet<>();
    Map<String, Integer> histogram = new TreeMap<>();
    for (int m : members) {
      Node node = order.get(m);
      names.add(node.name());
      histogram.merge(node.op(), 1, Integer::sum);
      for (int j = 0; j < inputIds[m].length; j++) {
        if (!isMember[inputIds[m][j]]) {
          inputs.add(node.inputs().get(j));
        }
      }
    }
    for (int m : members) {
      Node node = order.get(m);
      if (isConst(node)) {
        continue;
      }
      // Output indices in order, so that a node's outputs appear as node:0, node:1, ...
      TreeMap<Integer, TensorRef> produced = new TreeMap<>();
      for (TensorRef t : graphOutputsByNode.getOrDefault(node.name(), List.of())) {
        produced.put(t.index(), t);
      }
      for (int j = readers.start[m]; j < readers.start[m + 1]; j++) {
        if (!isMember[readers.reader[j]]) {
          produced.putIfAbsent(readers.index[j], new TensorRef(node.name(), readers.index[j]));
        }
      }
      outputs.addAll(produced.values());
    }
    return new Segment(name, names, List.copyOf(inputs), List.copyOf(outputs), histogram, effective);
  }

  /**
   * Who reads each node, packed by producer id: entries {@code start[p]..start[p+1]-1} give the reader id and
   * the output index read, in reader order.
   */
  private record Readers(int[] start, int[] reader, int[] index) {
    static Readers of(List<Node> order, int[][] inputIds) {
      int n = order.size();
      int[] start = new int[n + 1];
      for (int[] ins : inputIds) {
        for (int src : ins) {
          start[src + 1]++;
        }
      }
      for (int i = 0; i < n; i++) {
        start[i + 1] += start[i];
      }
      int[] fill = Arrays.copyOf(start, n);
      int[] reader = new int[start[n]];
      int[] index = new int[start[n]];
      for (int i = 0; i < n; i++) {
        List<TensorRef> ins = order.get(i).inputs();
        for (int j = 0; j < ins.size(); j++) {
          int at = fill[inputIds[i][j]]++;
          reader[at] = i;
          index[at] = ins.get(j).index();
        }
      }
      return new Readers(start, reader, index);
    }
  }

  private static boolean isConst(Node node) {
    return node.op().equals("Const");
  }

  private static int find(int[] parent, int x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
}
