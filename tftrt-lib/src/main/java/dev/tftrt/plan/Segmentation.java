package dev.tftrt.plan;

import java.util.List;
import java.util.Optional;

/** What the segmenter decided: the segments, in graph order, and every node left out with its reason. */
public record Segmentation(List<Segment> segments, List<LeftOut> leftOut) {
  public Segmentation {
    segments = List.copyOf(segments);
    leftOut = List.copyOf(leftOut);
  }

  /** The segment holding {@code node}; a constant copied into several segments answers the first. */
  public Optional<Segment> segmentOf(String node) {
    return segments.stream().filter(s -> s.contains(node)).findFirst();
  }
}
