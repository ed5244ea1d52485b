package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.graph.TensorRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class StagePlannerTest {

  @Test
  void nativeStagesSitBetweenSegmentsInTopologicalOrder() {
    try (SmallCnnGraph m = new SmallCnnGraph()) {
      List<StageSpec> stages = StagePlanner.split(m.graph, List.of(SmallCnnGraph.INPUT), SmallCnnGraph.OUTPUTS,
          List.of(SmallCnnGraph.CONV, SmallCnnGraph.DENSE));
      assertEquals(List.of("conv_segment", "native_0", "dense_segment", "native_1"),
          stages.stream().map(StageSpec::name).toList());
      StageSpec between = stages.get(1);
      assertFalse(between.isSegment());
      assertEquals(List.of("pool", "flat"), between.nodes(), "constants belong to no stage");
      assertEquals(List.of(TensorRef.of("relu")), between.inputs());
      assertEquals(List.of(TensorRef.of("flat"), TensorRef.of("pool")), between.outputs(),
          "hands on what the next segment reads and the model output it makes");
      assertEquals(List.of("probs"), stages.get(3).nodes());
      assertEquals(List.of(TensorRef.of("logits")), stages.get(3).inputs());
    }
  }

  @Test
  void segmentsReadyTogetherRunBackToBack() {
    try (SmallCnnGraph m = new SmallCnnGraph()) {
      List<StageSpec> stages = StagePlanner.split(m.graph, List.of(SmallCnnGraph.INPUT), SmallCnnGraph.OUTPUTS,
          List.of(SmallCnnGraph.CONV, SmallCnnGraph.POOL));
      assertEquals(List.of("conv_segment", "pool_segment", "native_0"),
          stages.stream().map(StageSpec::name).toList());
      assertEquals(List.of("flat", "fc", "logits", "probs"), stages.get(2).nodes());
    }
  }

  @Test
  void withoutSegmentsOneNativeStageRunsEverythingTheOutputsNeed() {
    try (SmallCnnGraph m = new SmallCnnGraph()) {
      List<StageSpec> stages = StagePlanner.split(m.graph, List.of(SmallCnnGraph.INPUT),
          List.of(SmallCnnGraph.FEATURES), List.of());
      assertEquals(1, stages.size());
      assertEquals(List.of("conv", "bias", "relu", "pool"), stages.get(0).nodes(),
          "nodes only the other output needs are left out");
    }
  }

  @Test
  void aSegmentThatHidesATensorReadOutsideIsRefused() {
    try (SmallCnnGraph m = new SmallCnnGraph()) {
      SegmentSpec hiding = new SegmentSpec("s", List.of("conv", "bias", "relu", "pool"),
          List.of(SmallCnnGraph.INPUT), List.of(TensorRef.of("relu")));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StagePlanner.split(m.graph,
          List.of(SmallCnnGraph.INPUT), SmallCnnGraph.OUTPUTS, List.of(hiding)));
      assertTrue(e.getMessage().contains("does not output pool"), e.getMessage());
    }
  }

  @Test
  void segmentsThatMakeACycleAreRefused() {
    try (SmallCnnGraph m = new SmallCnnGraph()) {
      // conv..relu and flat..fc in one segment, with pool outside between them: segment -> pool -> segment.
      SegmentSpec cyclic = new SegmentSpec("s", List.of("conv", "bias", "relu", "flat", "fc"),
          List.of(SmallCnnGraph.INPUT, TensorRef.of("pool")), List.of(TensorRef.of("relu"), TensorRef.of("fc")));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StagePlanner.split(m.graph,
          List.of(SmallCnnGraph.INPUT), SmallCnnGraph.OUTPUTS, List.of(cyclic)));
      assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    }
  }
}
