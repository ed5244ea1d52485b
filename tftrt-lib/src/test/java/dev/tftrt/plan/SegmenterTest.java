package dev.tftrt.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.graph.Graph;
import dev.tftrt.graph.TensorRef;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SegmenterTest {
  private static final Segmenter.Options MIN1 = new Segmenter.Options(1, Set.of(), 20);
  private static final Segmenter.Options DEFAULTS = new Segmenter.Options(3, Set.of(), 20);

  private static Map<String, String> reasons(Segmentation s) {
    return s.leftOut().stream().collect(Collectors.toMap(LeftOut::node, LeftOut::reason));
  }

  private static Set<Set<String>> nodeSets(Segmentation s) {
    return s.segments().stream().map(seg -> Set.copyOf(seg.nodes())).collect(Collectors.toSet());
  }

  @Test
  void chainOfConvertibleOpsIsOneSegmentWithConstantsCopiedIn() {
    Graph g = HandGraphs.create().placeholder("x", -1, 8, 8, 3)
        .convBlock("b1", "x", 3, 4).convBlock("b2", "b1/relu", 4, 4).graph();
    Segmentation s = Segmenter.segment(g, List.of(TensorRef.of("b2/relu")), HandGraphs.rejecting("Placeholder"),
        DEFAULTS);

    assertEquals(1, s.segments().size());
    Segment seg = s.segments().get(0);
    assertEquals("TRTEngineOp_000", seg.name());
    // The graph's topological order (inputs before readers; sources first).
    assertEquals(List.of("b1/conv/w", "b1/b", "b2/conv/w", "b2/b", "b1/conv", "b1/bias", "b1/relu", "b2/conv",
        "b2/bias", "b2/relu"), seg.nodes());
    assertEquals(List.of(TensorRef.of("x")), seg.inputs(), "constants are inside, not inputs");
    assertEquals(List.of(TensorRef.of("b2/relu")), seg.outputs());
    assertEquals(6, seg.effectiveSize(), "constants do not count");
    assertEquals(Map.of("BiasAdd", 2, "Const", 4, "Conv2D", 2, "Relu", 2), seg.opHistogram());
    assertEquals(Map.of("x", "no converter for Placeholder"), reasons(s));
  }

  @Test
  void unsupportedOpSplitsTheGraphAndEveryLeftOutNodeHasAReason() {
    Graph g = HandGraphs.create().placeholder("x", -1, 8, 8, 3)
        .convBlock("b1", "x", 3, 4).op("odd", "Erfinv", "b1/relu").convBlock("b2", "odd", 4, 4).graph();
    Segmentation s = Segmenter.segment(g, List.of(TensorRef.of("b2/relu")),
        HandGraphs.rejecting("Placeholder", "Erfinv"), DEFAULTS);

    assertEquals(2, s.segments().size());
    assertEquals(List.of(TensorRef.of("b1/relu")), s.segments().get(0).outputs());
    assertEquals(List.of(TensorRef.of("odd")), s.segments().get(1).inputs());
    assertEquals("no converter for Erfinv", reasons(s).get("odd"));
    assertEquals(g.size(), s.leftOut().size() + s.segments().stream().mapToInt(Segment::size).sum());
  }

  @Test
  void mergingAcrossAPathThroughANonCandidateWouldFormACycleSoItIsRefused() {
    // a -> odd -> c and a -> c: merging a with c would put odd both after and before the engine.
    Graph g = HandGraphs.create().placeholder("x", 4)
        .op("a", "Relu", "x").op("odd", "Erfinv", "a").op("c", "AddV2", "a", "odd").graph();
    Segmentation s = Segmenter.segment(g, List.of(TensorRef.of("c")), HandGraphs.rejecting("Placeholder", "Erfinv"),
        MIN1);

    assertEquals(Set.of(Set.of("a"), Set.of("c")), nodeSets(s));
  }

  @Test
  void segmentsGrowFromTheOutputsAsTfTrtDoes() {
    // TF-TRT's own example: a->b, a->c, b->d, c->d with c unsupported; b and d merge, a stays apart.
    Graph g = HandGraphs.create().placeholder("x", 4)
        .op("a", "Relu", "x").op("b", "Relu", "a").op("c", "Erfinv", "a").op("d", "AddV2", "b", "c").graph();
    Segmentation s = Segmenter.segment(g, List.of(TensorRef.of("d")), HandGraphs.rejecting("Placeholder", "Erfinv"),
        MIN1);

    assertEquals(Set.of(Set.of("a"), Set.of("b", "d")), nodeSets(s));
    Segment bd = s.segmentOf("d").orElseThrow();
    assertEquals(List.of(TensorRef.of("a"), TensorRef.of("c")), bd.inputs());
  }

  @Test
  void contractionThatUnblocksLaterMergesFindsTheWholeDiamond() {
    // Diamond of candidates with a side branch through a non-candidate that rejoins after the diamond.
    Graph g = HandGraphs.create().placeholder("x", 4)
        .op("top", "Relu", "x").op("l", "Relu", "top").op("r", "Sigmoid", "top").op("join", "AddV2", "l", "r")
        .op("side", "Erfinv", "top").op("end", "AddV2", "join", "side").graph();
    Segmentation s = Segmenter.segment(g, List.of(TensorRef.of("end")),
        HandGraphs.rejecting("Placeholder", "Erfinv"), MIN1);

    // top -> side -> end forbids {top .. end}; the outputs-first order keeps {l, r, join, end} together.
    assertEquals(Set.of(Set.of("top"), Set.of("l", "r", "join", "end")), nodeSets(s));
    assertNoCycleBetweenSegments(g, s);
  }

  @Test
  void segmentsSmallerThanMinimumSegmentSizeAreLeftOutWithTheReason() {
    Graph g = HandGraphs.create().placeholder("x", 4)
        .op("a", "Relu", "x").op("b", "Sigmoid", "a").op("odd", "Erfinv", "b")
        .op("c", "Relu", "odd").op("d", "Relu", "c").op("e", "Relu", "d").graph();
    Segmentation s = Segmenter.segment(g, List.of(TensorRef.of("e")), HandGraphs.rejecting("Placeholder", "Erfinv"),
        DEFAULTS);

    assertEquals(Set.of(Set.of("c", "d", "e")), nodeSets(s));
    assertEquals("its segment has 2 compute nodes, fewer than minimumSegmentSize 3", reasons(s).get("a"));
  }

  @Test
  void forwardingOpsDoNotCountTowardsTheMinimumSize() {
    Graph g = HandGraphs.create().placeholder("x", 4)
        .op("a", "Relu", "x").op("i1", "Identity", "a").op("i2", "Identity", "i1").op("b", "Relu", "i2").graph();
    Segmentation s = Segmenter.segment(g, List.of(TensorRef.of("b")), HandGraphs.rejecting("Placeholder"),
        DEFAULTS);

    assertTrue(s.segments().isEmpty());
    assertTrue(reasons(s).get("i1").contains("2 compute nodes"));
  }

  @Test
  void denylistedOpTypesStayOutAndSplitSegments() {
    Graph g = HandGraphs.create().placeholder("x", -1, 8, 8, 3)
        .convBlock("b1", "x", 3, 4).convBlock("b2", "b1/relu", 4, 4).graph();
    Segmentation s = Segmenter.segment(g, List.of(TensorRef.of("b2/relu")), HandGraphs.rejecting("Placeholder"),
        new Segmenter.Options(2, Set.of("Relu"), 20));

    assertEquals(Set.of(Set.of("b1/conv/w", "b1/conv", "b1/b", "b1/bias"),
        Set.of("b2/conv/w", "b2/conv", "b2/b", "b2/bias")), nodeSets(s));
    assertEquals("op type Relu is in opDenylist", reasons(s).get("b1/relu"));
    assertEquals("op type Relu is in opDenylist", reasons(s).get("b2/relu"));
  }

  @Test
  void maxEnginesKeepsTheLargestSegmentsInGraphOrder() {
    HandGraphs h = HandGraphs.create().placeholder("x", 4);
    String prev = "x";
    int[] sizes = {3, 5, 4};
    for (int k = 0; k < sizes.length; k++) {
      for (int i = 0; i < sizes[k]; i++) {
        String name = "s" + k + "_" + i;
        h.op(name, "Relu", prev);
        prev = name;
      }
      h.op("cut" + k, "Erfinv", prev);
      prev = "cut" + k;
    }
    Segmentation s = Segmenter.segment(h.graph(), List.of(TensorRef.of(prev)),
        HandGraphs.rejecting("Placeholder", "Erfinv"), new Segmenter.Options(3, Set.of(), 2));

    assertEquals(2, s.segments().size());
    assertEquals("TRTEngineOp_000", s.segments().get(0).name());
    assertEquals("s1_0", s.segments().get(0).nodes().get(0), "5-node segment kept, named first in graph order");
    assertEquals("s2_0", s.segments().get(1).nodes().get(0), "4-node segment kept");
    assertEquals("its segment (3 compute nodes) is among the smallest dropped by maxEngines 2",
        reasons(s).get("s0_0"));
  }

  @Test
  void aConstantReadBySeparateSegmentsIsCopiedIntoEachAndDoesNotJoinThem() {
    Graph g = HandGraphs.create().placeholder("x", 4).floats("k", new long[] {4}, 1, 2, 3, 4)
        .op("a", "Mul", "x", "k").op("a2", "Relu", "a").op("odd", "Erfinv", "a2")
        .op("b", "Mul", "odd", "k").op("b2", "Relu", "b").graph();
    Segmentation s = Segmenter.segment(g, List.of(TensorRef.of("b2")), HandGraphs.rejecting("Placeholder", "Erfinv"),
        new Segmenter.Options(2, Set.of(), 20));

    assertEquals(Set.of(Set.of("k", "a", "a2"), Set.of("k", "b", "b2")), nodeSets(s));
    for (Segment seg : s.segments()) {
      assertFalse(seg.inputs().contains(TensorRef.of("k")));
      assertFalse(seg.outputs().contains(TensorRef.of("k")));
    }
  }

  @Test
  void everyReadOutputAndGraphOutputIsASegmentOutputInIndexOrder() {
    Graph g = HandGraphs.create().placeholder("x", 4)
        .op("split", "Unpack", "x").op("a", "Relu", "split:1").op("b", "Relu", "split:0").op("c", "AddV2", "a", "b")
        .op("tail", "Erfinv", "a").graph();
    Segmentation s = Segmenter.segment(g, List.of(TensorRef.of("c"), TensorRef.parse("split:2")),
        HandGraphs.rejecting("Placeholder", "Erfinv"), DEFAULTS);

    Segment seg = s.segments().get(0);
    assertEquals(List.of(TensorRef.parse("split:2"), TensorRef.of("a"), TensorRef.of("c")), seg.outputs());
  }

  @Test
  void segmentationIsDeterministic() {
    Graph g = inceptionLike();
    Segmentation first = Segmenter.segment(g, List.of(TensorRef.of("out")), HandGraphs.rejecting("Placeholder",
        "Erfinv"), MIN1);
    for (int i = 0; i < 5; i++) {
      Segmentation again = Segmenter.segment(g.copy(), List.of(TensorRef.of("out")),
          HandGraphs.rejecting("Placeholder", "Erfinv"), MIN1);
      assertEquals(first, again);
    }
    assertNoCycleBetweenSegments(g, first);
  }

  /** Four branches off one input, one branch broken by an unsupported op, concatenated. */
  private static Graph inceptionLike() {
    HandGraphs h = HandGraphs.create().placeholder("x", -1, 8, 8, 4);
    h.conv("b0", "x", 1, 4, 2, 1, "SAME");
    h.conv("b1a", "x", 1, 4, 2, 1, "SAME").conv("b1b", "b1a", 3, 2, 2, 1, "SAME");
    h.conv("b2a", "x", 1, 4, 2, 1, "SAME").op("b2odd", "Erfinv", "b2a").conv("b2b", "b2odd", 3, 2, 2, 1, "SAME");
    h.op("pool", "MaxPool", "x").conv("b3", "pool", 1, 4, 2, 1, "SAME");
    h.ints("axis", new long[] {}, 3);
    return h.op("out", "ConcatV2", "b0", "b1b", "b2b", "b3", "axis").graph();
  }

  /** Collapsing each segment to one node must leave an acyclic graph. */
  static void assertNoCycleBetweenSegments(Graph g, Segmentation s) {
    Map<String, String> owner = new java.util.HashMap<>();
    for (Segment seg : s.segments()) {
      for (String n : seg.nodes()) {
        if (!g.node(n).op().equals("Const")) {
          owner.put(n, seg.name());
        }
      }
    }
    Graph collapsed = new Graph();
    Set<String> added = new HashSet<>();
    Map<String, Set<String>> deps = new java.util.LinkedHashMap<>();
    for (var n : g.nodes()) {
      String me = owner.getOrDefault(n.name(), n.name());
      Set<String> d = deps.computeIfAbsent(me, k -> new java.util.LinkedHashSet<>());
      n.inputs().forEach(in -> {
        String src = owner.getOrDefault(in.node(), in.node());
        if (!src.equals(me)) {
          d.add(src);
        }
      });
    }
    deps.forEach((name, d) -> {
      collapsed.add(new dev.tftrt.graph.Node(name, "X", Map.of(), d.stream().map(TensorRef::of).toList()));
      added.add(name);
    });
    assertEquals(added.size(), collapsed.topologicalOrder().size());
  }
}
