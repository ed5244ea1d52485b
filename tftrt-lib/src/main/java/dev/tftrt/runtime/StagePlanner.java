package dev.tftrt.runtime;

import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Splits a frozen graph with segments into stages in a topological order: each segment is one stage, and the
 * other nodes the outputs need are grouped into as few TensorFlow stages as the dependencies allow (every
 * TensorFlow node that is ready runs before the next segments, and segments that are ready together run
 * back to back so that their tensors can stay on the device). Constants and model inputs belong to no stage:
 * stages copy the constants they read, and the model inputs are fed.
 */
public final class StagePlanner {
  private StagePlanner() {}

  public static List<StageSpec> split(Graph graph, List<TensorRef> modelInputs, List<TensorRef> modelOutputs,
      List<SegmentSpec> segments) {
    Set<String> sources = new HashSet<>();
    modelInputs.forEach(in -> sources.add(in.node()));
    Map<String, SegmentSpec> segmentOf = new HashMap<>();
    for (SegmentSpec s : segments) {
      for (String n : s.nodes()) {
        if (!graph.contains(n)) {
          throw new IllegalArgumentException("segment '" + s.name() + "' names node '" + n
              + "', which is not in the graph");
        }
        if (!isConstant(graph, n) && segmentOf.put(n, s) != null) {
          throw new IllegalArgumentException("node '" + n + "' is in two segments");
        }
      }
    }

    // Unit = a segment name or a TensorFlow node name; only units the outputs need.
    Map<String, String> unitOf = new HashMap<>();
    Map<String, List<String>> unitNodes = new LinkedHashMap<>();
    Deque<String> todo = new ArrayDeque<>();
    modelOutputs.forEach(o -> todo.push(o.node()));
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (unitOf.containsKey(name) || sources.contains(name) || isConstant(graph, name)) {
        continue;
      }
      Node node = graph.node(name);
      SegmentSpec seg = segmentOf.get(name);
      if (seg != null) {
        for (String member : seg.nodes()) {
          if (!isConstant(graph, member)) {
            unitOf.put(member, seg.name());
            unitNodes.computeIfAbsent(seg.name(), k -> new ArrayList<>()).add(member);
          }
        }
        seg.inputs().forEach(in -> todo.push(in.node()));
        seg.nodes().forEach(member -> {
          graph.node(member).inputs().forEach(in -> todo.push(in.node()));
          graph.node(member).controlInputs().forEach(todo::push);
        });
      } else {
        unitOf.put(name, name);
        unitNodes.computeIfAbsent(name, k -> new ArrayList<>()).add(name);
        node.inputs().forEach(in -> todo.push(in.node()));
        node.controlInputs().forEach(todo::push);
      }
    }

    Map<String, Set<String>> consumersOf = new HashMap<>();
    Map<String, Integer> pending = new HashMap<>();
    for (var e : unitNodes.entrySet()) {
      Set<String> deps = new HashSet<>();
      for (String n : e.getValue()) {
        Node node = graph.node(n);
        node.inputs().forEach(in -> deps.add(in.node()));
        deps.addAll(node.controlInputs());
      }
      Set<String> depUnits = new HashSet<>();
      for (String d : deps) {
        String u = unitOf.get(d);
        if (u != null && !u.equals(e.getKey())) {
          depUnits.add(u);
        }
      }
      pending.put(e.getKey(), depUnits.size());
      depUnits.forEach(u -> consumersOf.computeIfAbsent(u, k -> new LinkedHashSet<>()).add(e.getKey()));
    }

    Map<String, SegmentSpec> segmentByName = new HashMap<>();
    segments.forEach(s -> segmentByName.put(s.name(), s));
    // Ready units in graph order, so that stages list nodes in a stable order.
    Map<String, Integer> position = new HashMap<>();
    int p = 0;
    for (Node n : graph.topologicalOrder()) {
      position.putIfAbsent(unitOf.getOrDefault(n.name(), n.name()), p++);
    }
    java.util.Comparator<String> byPosition = java.util.Comparator.comparingInt(u -> position.getOrDefault(u, 0));
    java.util.TreeSet<String> readyNative = new java.util.TreeSet<>(byPosition.thenComparing(u -> u));
    java.util.TreeSet<String> readySegments = new java.util.TreeSet<>(byPosition.thenComparing(u -> u));
    pending.forEach((u, count) -> {
      if (count == 0) {
        (segmentByName.containsKey(u) ? readySegments : readyNative).add(u);
      }
    });

    List<List<String>> groups = new ArrayList<>();
    List<Boolean> isSegment = new ArrayList<>();
    int done = 0;
    while (!readyNative.isEmpty() || !readySegments.isEmpty()) {
      if (!readyNative.isEmpty()) {
        List<String> group = new ArrayList<>();
        while (!readyNative.isEmpty()) {
          String u = readyNative.pollFirst();
          group.addAll(unitNodes.get(u));
          done++;
          release(u, consumersOf, pending, segmentByName, readyNative, readySegments);
        }
        groups.add(group);
        isSegment.add(false);
      }
      List<String> batch = new ArrayList<>(readySegments);
      readySegments.clear();
      for (String u : batch) {
        groups.add(List.of(u));
        isSegment.add(true);
        done++;
        release(u, consumersOf, pending, segmentByName, readyNative, readySegments);
      }
    }
    if (done != unitNodes.size()) {
      throw new IllegalArgumentException("the segments make a cycle with the rest of the graph; stages cannot "
          + "be ordered (units left: " + pending.entrySet().stream().filter(e -> e.getValue() > 0)
          .map(Map.Entry::getKey).sorted().toList() + ")");
    }

    // Tensors each stage reads from other stages, to know what every stage must hand on.
    Set<TensorRef> readAcross = new HashSet<>(modelOutputs);
    for (var e : unitNodes.entrySet()) {
      for (String n : e.getValue()) {
        for (TensorRef in : graph.node(n).inputs()) {
          String u = unitOf.get(in.node());
          if (u != null && !u.equals(e.getKey())) {
            readAcross.add(in);
          }
        }
      }
    }

    List<StageSpec> stages = new ArrayList<>();
    int nativeCount = 0;
    for (int i = 0; i < groups.size(); i++) {
      if (isSegment.get(i)) {
        SegmentSpec s = segmentByName.get(groups.get(i).get(0));
        for (TensorRef t : readAcross) {
          if (s.name().equals(unitOf.get(t.node())) && !s.outputs().contains(t)) {
            throw new IllegalArgumentException("segment '" + s.name() + "' does not output " + t
                + ", which is read outside it");
          }
        }
        stages.add(new StageSpec(s.name(), true, s.nodes(), s.inputs(), s.outputs()));
      } else {
        List<String> nodes = groups.get(i);
        Set<String> members = new HashSet<>(nodes);
        LinkedHashSet<TensorRef> ins = new LinkedHashSet<>();
        LinkedHashSet<TensorRef> outs = new LinkedHashSet<>();
        for (String n : nodes) {
          for (TensorRef in : graph.node(n).inputs()) {
            if (!members.contains(in.node()) && !isConstant(graph, in.node())) {
              ins.add(in);
            }
          }
        }
        for (TensorRef t : readAcross) {
          if (members.contains(t.node())) {
            outs.add(t);
          }
        }
        List<TensorRef> orderedOuts = outs.stream()
            .sorted(java.util.Comparator.comparing(TensorRef::node).thenComparingInt(TensorRef::index)).toList();
        stages.add(new StageSpec("native_" + nativeCount++, false, nodes, List.copyOf(ins), orderedOuts));
      }
    }
    return stages;
  }

  private static void release(String unit, Map<String, Set<String>> consumersOf, Map<String, Integer> pending,
      Map<String, SegmentSpec> segments, Set<String> readyNative, Set<String> readySegments) {
    for (String c : consumersOf.getOrDefault(unit, Set.of())) {
      if (pending.merge(c, -1, Integer::sum) == 0) {
        (segments.containsKey(c) ? readySegments : readyNative).add(c);
      }
    }
  }

  static boolean isConstant(Graph g, String node) {
    Node n = g.nodeOrNull(node);
    return n != null && n.op().equals("Const");
  }
}
