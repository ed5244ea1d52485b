package dev.tftrt.runtime;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.engine.Availability;
import dev.tftrt.graph.Graph;
import dev.tftrt.savedmodel.SignatureTensor;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a converted model directory holds, in memory: where it came from, the parameters, the optimized
 * frozen graph with its signature, the segments with their plans and calibration tables, the timing cache,
 * and the machine the plans were built on ({@code builtWith}; unavailable when nothing was built).
 */
public record ConvertedModelContents(Source source, TrtConversionParams params, Graph graph,
    List<SignatureTensor> inputs, List<SignatureTensor> outputs, List<SegmentPlans> segments, byte[] timingCache,
    Availability builtWith) {
  public ConvertedModelContents {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    segments = List.copyOf(segments);
    timingCache = timingCache == null ? new byte[0] : timingCache;
  }

  /** The SavedModel a converted model was made from. */
  public record Source(Path savedModel, String tag, String signatureKey) {}
}
