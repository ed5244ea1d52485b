package dev.tftrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.bench.SavedModelTarget;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.savedmodel.SavedModelFreezer;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Converters over real SavedModels whose candidate predicate is a fixed set of op types (standing in for the
 * converters' verdicts), for tests of building, saving and running converted models; with inputs for the zoo's
 * small CNN and the check that a converted model answers as the SavedModel does.
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

  /** {@code n} images for the zoo's small CNN ([n, 32, 32, 3], uniform in [0, 1)), the same for the same seed. */
  public static Map<String, TensorValue> smallCnnBatch(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n * 32 * 32 * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat();
    }
    return Map.of(ModelZoo.INPUT_KEY, TensorValue.ofFloats(Shape.of(n, 32, 32, 3), v));
  }

  /** Asserts that {@code converted} gives the output {@code reference}, the SavedModel, gives for {@code in}. */
  public static void assertSameOutput(SavedModelTarget reference, ConvertedModel converted,
      Map<String, TensorValue> in, double tolerance) {
    TensorValue expected = reference.run(in).get(ModelZoo.OUTPUT_KEY);
    TensorValue actual = converted.run(in).get(ModelZoo.OUTPUT_KEY);
    assertEquals(expected.shape(), actual.shape());
    assertArrayEquals(expected.toFloats(), actual.toFloats(), (float) tolerance);
  }
}
