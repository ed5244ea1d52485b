package dev.tftrt.savedmodel;

import dev.tftrt.graph.Graph;
import java.nio.file.Path;
import java.util.List;

/**
 * A SavedModel signature frozen into plain ops: variables are constants, function calls are inlined, and
 * only what the outputs need remains. This is what planning, building and the runtime start from.
 */
public record FrozenModel(Path source, String tag, String signatureKey, Graph graph, List<SignatureTensor> inputs,
    List<SignatureTensor> outputs, FreezeReport report) {
  public FrozenModel {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
