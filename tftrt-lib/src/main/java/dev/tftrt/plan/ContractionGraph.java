package dev.tftrt.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A directed acyclic graph over node ids {@code 0..n-1} whose edges can be contracted (two nodes merged into
 * one) when that creates no cycle. It keeps a topological rank per node, repaired incrementally after each
 * contraction (Pearce and Kelly's dynamic topological order), so that the reachability test behind every
 * contraction only explores nodes ranked between the two ends: this is what keeps segmenting a 20,000-node
 * graph fast, where an unbounded search per edge (TF-TRT's) is quadratic on long chains.
 */
final class ContractionGraph {
  private final int[] rank;
  private final List<Set<Integer>> outs;
  private final List<Set<Integer>> ins;
  private final int[] visitedAt;
  private int epoch;

  /** {@code ranks} must be a permutation of {@code 0..n-1} consistent with every edge added later. */
  ContractionGraph(int[] ranks) {
    this.rank = ranks.clone();
    int n = ranks.length;
    outs = new ArrayList<>(n);
    ins = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      outs.add(new HashSet<>(2));
      ins.add(new HashSet<>(2));
    }
    visitedAt = new int[n];
  }

  /** Adds an edge of the initial graph; it must point to a higher rank. */
  void addEdge(int from, int to) {
    if (from == to) {
      return;
    }
    if (rank[from] >= rank[to]) {
      throw new IllegalArgumentException("edge " + from + "->" + to + " goes against the topological ranks");
    }
    outs.get(from).add(to);
    ins.get(to).add(from);
  }

  /** The current successors of {@code node}, sorted by id so that callers iterate deterministically. */
  int[] successors(int node) {
    Set<Integer> out = outs.get(node);
    int[] s = new int[out.size()];
    int i = 0;
    for (int x : out) {
      s[i++] = x;
    }
    Arrays.sort(s);
    return s;
  }

  boolean hasEdge(int from, int to) {
    return outs.get(from).contains(to);
  }

  /**
   * Merges the ends of edge {@code a -> b} when no other path leads from {@code a} to {@code b} (that path
   * would become a cycle). Returns the id that now stands for both (the one with more edges, so that the
   * fewest edges move), or -1 when the contraction would create a cycle.
   */
  int contract(int a, int b) {
    if (!hasEdge(a, b)) {
      throw new IllegalArgumentException("no edge " + a + "->" + b + " to contract");
    }
    outs.get(a).remove(b);
    ins.get(b).remove(a);
    if (reachable(a, b)) {
      outs.get(a).add(b);
      ins.get(b).add(a);
      return -1;
    }
    int keep = a;
    int gone = b;
    if (degree(b) > degree(a)) {
      keep = b;
      gone = a;
    }
    List<Integer> goneOuts = new ArrayList<>(outs.get(gone));
    List<Integer> goneIns = new ArrayList<>(ins.get(gone));
    for (int y : goneOuts) {
      ins.get(y).remove(gone);
    }
    for (int y : goneIns) {
      outs.get(y).remove(gone);
    }
    outs.get(gone).clear();
    ins.get(gone).clear();
    for (int y : goneOuts) {
      insertEdge(keep, y);
    }
    for (int y : goneIns) {
      insertEdge(y, keep);
    }
    return keep;
  }

  private int degree(int n) {
    return outs.get(n).size() + ins.get(n).size();
  }

  /** Whether a path leads from {@code a} to {@code b}; only nodes ranked below {@code b} can lie on it. */
  private boolean reachable(int a, int b) {
    if (rank[a] > rank[b]) {
      return false;
    }
    epoch++;
    Deque<Integer> todo = new ArrayDeque<>();
    todo.push(a);
    visitedAt[a] = epoch;
    while (!todo.isEmpty()) {
      int n = todo.pop();
      for (int s : outs.get(n)) {
        if (s == b) {
          return true;
        }
        if (visitedAt[s] != epoch && rank[s] < rank[b]) {
          visitedAt[s] = epoch;
          todo.push(s);
        }
      }
    }
    return false;
  }

  /** Adds {@code x -> y} and, if it points backwards in rank, re-ranks the affected region. */
  private void insertEdge(int x, int y) {
    if (x == y) {
      return;
    }
    outs.get(x).add(y);
    ins.get(y).add(x);
    if (rank[x] < rank[y]) {
      return;
    }
    // Nodes reachable from y ranked below x must move after x; nodes reaching x ranked above y move before y.
    List<Integer> forward = collect(y, rank[x], true);
    if (forward.contains(x)) {
      throw new IllegalStateException("contraction created a cycle through node " + x);
    }
    List<Integer> backward = collect(x, rank[y], false);
    forward.sort((p, q) -> Integer.compare(rank[p], rank[q]));
    backward.sort((p, q) -> Integer.compare(rank[p], rank[q]));
    List<Integer> moved = new ArrayList<>(backward);
    moved.addAll(forward);
    int[] slots = moved.stream().mapToInt(m -> rank[m]).sorted().toArray();
    for (int i = 0; i < slots.length; i++) {
      rank[moved.get(i)] = slots[i];
    }
  }

  /** Forward: nodes reachable from start with rank <= bound; backward: nodes reaching start with rank >= bound. */
  private List<Integer> collect(int start, int bound, boolean forward) {
    epoch++;
    List<Integer> out = new ArrayList<>();
    Deque<Integer> todo = new ArrayDeque<>();
    todo.push(start);
    visitedAt[start] = epoch;
    while (!todo.isEmpty()) {
      int n = todo.pop();
      out.add(n);
      for (int s : forward ? outs.get(n) : ins.get(n)) {
        boolean inRegion = forward ? rank[s] <= bound : rank[s] >= bound;
        if (visitedAt[s] != epoch && inRegion) {
          visitedAt[s] = epoch;
          todo.push(s);
        }
      }
    }
    return out;
  }
}
