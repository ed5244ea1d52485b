package dev.tftrt.runtime;

import dev.tftrt.engine.BuildResult;
import dev.tftrt.graph.Shape;
import java.util.List;

/**
 * Builds an engine for a segment at run time, for input shapes no engine covers (TF-TRT's
 * {@code allowBuildAtRuntime}). The converter supplies it: it knows the converters and the parameters.
 */
@FunctionalInterface
public interface SegmentBuilder {
  /**
   * @throws dev.tftrt.engine.EngineBuildException when TensorRT cannot build it
   */
  BuildResult build(SegmentSpec segment, List<Shape> inputShapes);
}
