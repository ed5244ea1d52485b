package dev.tftrt.plan;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.passes.RemovedNode;
import dev.tftrt.savedmodel.FrozenModel;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which parts of a frozen model become TensorRT engines: the optimized graph (what engines and TensorFlow
 * stages are cut from), the segments, every node left in TensorFlow with its reason, and the fusion preview.
 * The engine-building and runtime phases start from this record.
 */
public record ConversionPlan(FrozenModel model, TrtConversionParams params, Graph graph, List<RemovedNode> removed,
    Map<TensorRef, TensorInfo> tensors, List<Segment> segments, List<LeftOut> leftOut, FusionPreview fusions) {
  public ConversionPlan {
    removed = List.copyOf(removed);
    tensors = Map.copyOf(tensors);
    segments = List.copyOf(segments);
    leftOut = List.copyOf(leftOut);
  }

  /** The static dtype and shape of {@code tensor}, when shape inference knew it. */
  public Optional<TensorInfo> tensorInfo(TensorRef tensor) {
    return Optional.ofNullable(tensors.get(tensor));
  }

  public Optional<Segment> segment(String name) {
    return segments.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public ConversionSummary summary() {
    return ConversionSummary.of(this);
  }
}
