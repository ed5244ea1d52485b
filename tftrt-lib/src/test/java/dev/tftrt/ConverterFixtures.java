package dev.tftrt;

import dev.tftrt.graph.Node;
import dev.tftrt.savedmodel.SavedModelFreezer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Converters over real SavedModels whose candidate predicate is a fixed set of op types (standing in for the
 * converters' verdicts), for tests of building, saving and running converted models.
 */
public final class ConverterFixtures {
  /** The ops of the zoo's small CNN that go into segments: two segments (conv chain; dense + softmax). */
  public static final Set<String> SMALL_CNN_OPS = Set.of("Const", "Conv2D", "BiasAdd", "Relu", "MaxPool", "MatMul",
      "Softmax");

  private ConverterFixtures() {}

  public static TrtGraphConverterV2 converter(Path savedModel, TrtConversionParams params, Set<String> ops) {
    return new TrtGraphConverterV2(params, () -> SavedModelFreezer.freeze(savedModel), g -> Map.of(),
        (g, precision) -> (Node n) -> ops.contains(n.op()) ? Optional.empty()
            : Optional.of("no converter for " + n.op() + " in this test"));
  }
}
