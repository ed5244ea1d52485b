package dev.tftrt.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A dataflow graph of {@link Node}s keyed by name, in insertion order. Pure Java: no native call. Mutable
 * container of immutable nodes; passes build new graphs or replace nodes.
 */
public final class Graph {
  private final LinkedHashMap<String, Node> nodes = new LinkedHashMap<>();

  public Graph() {}

  public Graph(Collection<Node> nodes) {
    nodes.forEach(this::add);
  }

  public Graph copy() {
    return new Graph(nodes.values());
  }

  /** Adds a node; a second node of the same name is an error. */
  public Node add(Node node) {
    if (nodes.putIfAbsent(node.name(), node) != null) {
      throw new IllegalArgumentException("graph already has a node named '" + node.name() + "'");
    }
    return node;
  }

  /** Replaces the node of the same name. */
  public void replace(Node node) {
    if (!nodes.containsKey(node.name())) {
      throw new IllegalArgumentException("no node named '" + node.name() + "' to replace");
    }
    nodes.put(node.name(), node);
  }

  public void remove(String name) {
    nodes.remove(name);
  }

  public boolean contains(String name) {
    return nodes.containsKey(name);
  }

  public Node node(String name) {
    Node n = nodes.get(name);
    if (n == null) {
      throw new IllegalArgumentException("graph has no node named '" + name + "'");
    }
    return n;
  }

  public Node nodeOrNull(String name) {
    return nodes.get(name);
  }

  /** The nodes in insertion order (an unmodifiable view). */
  public Collection<Node> nodes() {
    return java.util.Collections.unmodifiableCollection(nodes.values());
  }

  public int size() {
    return nodes.size();
  }

  /** How many nodes of each op type, sorted by op name. */
  public Map<String, Integer> opHistogram() {
    Map<String, Integer> h = new TreeMap<>();
    for (Node n : nodes.values()) {
      h.merge(n.op(), 1, Integer::sum);
    }
    return h;
  }

  /** For each node name, the names of nodes that read one of its outputs or depend on it by control. */
  public Map<String, List<String>> consumers() {
    Map<String, List<String>> out = new HashMap<>();
    for (Node n : nodes.values()) {
      for (TensorRef in : n.inputs()) {
        out.computeIfAbsent(in.node(), k -> new ArrayList<>()).add(n.name());
      }
      for (String c : n.controlInputs()) {
        out.computeIfAbsent(c, k -> new ArrayList<>()).add(n.name());
      }
    }
    return out;
  }

  /** Every data input that reads {@code ref}, as (consumer node, input position). */
  public List<Map.Entry<String, Integer>> readersOf(TensorRef ref) {
    List<Map.Entry<String, Integer>> out = new ArrayList<>();
    for (Node n : nodes.values()) {
      for (int i = 0; i < n.inputs().size(); i++) {
        if (n.inputs().get(i).equals(ref)) {
          out.add(Map.entry(n.name(), i));
        }
      }
    }
    return out;
  }

  /** Rewires every data input reading {@code from} to read {@code to} instead. */
  public void rewire(TensorRef from, TensorRef to) {
    rewireAll(Map.of(from, to));
  }

  /** Rewires data inputs by a map of old to new tensor references, in one sweep. */
  public void rewireAll(Map<TensorRef, TensorRef> renames) {
    if (renames.isEmpty()) {
      return;
    }
    for (Node n : List.copyOf(nodes.values())) {
      boolean changed = false;
      List<TensorRef> ins = new ArrayList<>(n.inputs());
      for (int i = 0; i < ins.size(); i++) {
        TensorRef to = renames.get(ins.get(i));
        if (to != null) {
          ins.set(i, to);
          changed = true;
        }
      }
      if (changed) {
        nodes.put(n.name(), n.withInputs(ins));
      }
    }
  }

  /**
   * Nodes in a topological order (every node after its data and control inputs), stable with respect to
   * insertion order. Fails naming a node on the cycle, or an input that names no node.
   */
  public List<Node> topologicalOrder() {
    // Kahn's algorithm over insertion indices: planning calls this on every pass of large graphs, where
    // name-keyed maps and a set per node cost more than the sort itself.
    List<Node> all = new ArrayList<>(nodes.values());
    int n = all.size();
    Map<String, Integer> index = new HashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      index.put(all.get(i).name(), i);
    }
    int[][] deps = new int[n][];
    int[] pending = new int[n];
    int[] consumerCount = new int[n];
    for (int i = 0; i < n; i++) {
      Node node = all.get(i);
      int[] d = new int[node.inputs().size() + node.controlInputs().size()];
      int k = 0;
      for (TensorRef in : node.inputs()) {
        d[k++] = indexOf(index, node, in.node());
      }
      for (String c : node.controlInputs()) {
        d[k++] = indexOf(index, node, c);
      }
      Arrays.sort(d);
      int unique = 0;
      for (int j = 0; j < k; j++) {
        if (unique == 0 || d[unique - 1] != d[j]) {
          d[unique++] = d[j];
        }
      }
      deps[i] = unique == d.length ? d : Arrays.copyOf(d, unique);
      pending[i] = unique;
      for (int j = 0; j < unique; j++) {
        consumerCount[d[j]]++;
      }
    }
    // Consumers of each node in insertion order, packed into one array.
    int[] start = new int[n + 1];
    for (int i = 0; i < n; i++) {
      start[i + 1] = start[i] + consumerCount[i];
    }
    int[] fill = Arrays.copyOf(start, n);
    int[] consumers = new int[start[n]];
    for (int i = 0; i < n; i++) {
      for (int d : deps[i]) {
        consumers[fill[d]++] = i;
      }
    }
    int[] ready = new int[n];
    int head = 0;
    int tail = 0;
    for (int i = 0; i < n; i++) {
      if (pending[i] == 0) {
        ready[tail++] = i;
      }
    }
    List<Node> order = new ArrayList<>(n);
    while (head < tail) {
      int i = ready[head++];
      order.add(all.get(i));
      for (int j = start[i]; j < start[i + 1]; j++) {
        if (--pending[consumers[j]] == 0) {
          ready[tail++] = consumers[j];
        }
      }
    }
    if (order.size() != n) {
      String stuck = null;
      for (int i = 0; i < n; i++) {
        String name = all.get(i).name();
        if (pending[i] > 0 && (stuck == null || name.compareTo(stuck) < 0)) {
          stuck = name;
        }
      }
      throw new IllegalStateException("graph has a cycle through node '" + stuck + "'");
    }
    return order;
  }

  private static int indexOf(Map<String, Integer> index, Node reader, String name) {
    Integer i = index.get(name);
    if (i == null) {
      throw new IllegalStateException("node '" + reader.name() + "' reads '" + name + "', which is not in the graph");
    }
    return i;
  }

  /**
   * The names of the nodes that {@code roots} depend on, roots included (data inputs, and control inputs
   * when {@code followControl}).
   */
  public Set<String> ancestors(Collection<String> roots, boolean followControl) {
    Set<String> out = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (!out.add(name)) {
        continue;
      }
      Node n = nodes.get(name);
      if (n == null) {
        continue;
      }
      n.inputs().forEach(in -> todo.push(in.node()));
      if (followControl) {
        n.controlInputs().forEach(todo::push);
      }
    }
    return out;
  }
}
