package dev.tftrt.savedmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.graph.Node;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The generated models keep VariableV2 weights: freezing turns every one into a constant, outputs unchanged. */
class ZooModelsFreezeTest {
  @Test
  void smallCnnFreezes() {
    assertFreezesExactly(GeneratedModels::smallCnn, 10);
  }

  @Test
  void inceptionBlockFreezes() {
    assertFreezesExactly(GeneratedModels::inceptionBlock, 14);
  }

  @Test
  void resnet50Freezes() {
    FrozenModel m = assertFreezesExactly(GeneratedModels::resnet50, 267);
    assertEquals(53, m.graph().opHistogram().get("FusedBatchNormV3"));
  }

  @Test
  void trainedFashionMnistClassifierFreezes() {
    assertFreezesExactly(() -> GeneratedModels.fashionMnist().model(), 8);
  }

  private static FrozenModel assertFreezesExactly(Supplier<Path> model, int variables) {
    Path dir = model.get();
    FrozenModel m = SavedModelFreezer.freeze(dir);
    assertEquals(variables, m.report().variablesFrozen());
    for (Node n : m.graph().nodes()) {
      assertFalse(SavedModelFreezerTest.NOT_FROZEN.contains(n.op()), n.name() + " is still a " + n.op());
    }
    assertEquals(ModelZoo.INPUT_KEY, m.inputs().get(0).key());
    Map<String, float[]> inputs = SignatureRuns.randomInputs(m, 42);
    Map<String, float[]> expected = SignatureRuns.runSavedModel(dir, m, inputs);
    Map<String, float[]> actual = SignatureRuns.runFrozen(m, inputs);
    double diff = SignatureRuns.maxAbsDiff(expected.get(ModelZoo.OUTPUT_KEY), actual.get(ModelZoo.OUTPUT_KEY));
    assertTrue(diff <= 1e-5, dir.getFileName() + " differs by " + diff);
    return m;
  }
}
