package dev.tftrt.savedmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.graph.Node;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SavedModelFreezerTest {
  static final Path REAL_MODELS = Path.of("src/test/resources/models");

  static final Set<String> NOT_FROZEN = Set.of("VariableV2", "VarHandleOp", "ReadVariableOp", "PartitionedCall",
      "StatefulPartitionedCall", "Identity", "IdentityN", "NoOp", "Assign", "AssignVariableOp", "SaveV2", "RestoreV2");

  @ParameterizedTest
  @ValueSource(strings = {"mlperf_tiny_kws_dscnn_tf2", "tensorspace_lenet5_mnist_tf1", "kotlindl_mnist_mlp_tf2"})
  void frozenGraphComputesWhatTheSavedModelComputes(String name) {
    Path dir = REAL_MODELS.resolve(name);
    FrozenModel m = SavedModelFreezer.freeze(dir);
    for (Node n : m.graph().nodes()) {
      assertFalse(NOT_FROZEN.contains(n.op()), n.name() + " is still a " + n.op());
      assertTrue(n.controlInputs().isEmpty(), n.name() + " keeps control edges");
    }
    for (SignatureTensor in : m.inputs()) {
      assertEquals("Placeholder", m.graph().node(in.tensor().node()).op());
    }
    Map<String, float[]> inputs = SignatureRuns.randomInputs(m, 42);
    Map<String, float[]> expected = SignatureRuns.runSavedModel(dir, m, inputs);
    Map<String, float[]> actual = SignatureRuns.runFrozen(m, inputs);
    assertEquals(expected.keySet(), actual.keySet());
    for (String key : expected.keySet()) {
      double diff = SignatureRuns.maxAbsDiff(expected.get(key), actual.get(key));
      assertTrue(diff <= 1e-5, name + " output " + key + " differs by " + diff);
    }
  }
}
