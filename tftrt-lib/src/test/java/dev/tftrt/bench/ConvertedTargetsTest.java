package dev.tftrt.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The TensorRT rows' targets: converted models; on a CPU machine their segments run in TensorFlow and say so. */
class ConvertedTargetsTest {
  @Test
  void aConvertedTargetRunsTheModelAndItsNameSaysWhatRanInTensorFlow() {
    Path model = GeneratedModels.inceptionBlock();
    try (SavedModelTarget reference = SavedModelTarget.load(model);
        InferenceTarget t = ConvertedTargets.create(model,
            TrtConversionParams.builder().precisionMode(Precision.FP16).maxBatchSize(4).build(), Optional.empty(),
            false)) {
      assertEquals("FP16", t.precision());
      assertTrue(t.name().startsWith("TF-TRT FP16 (") && t.name().endsWith(" segments in TensorFlow)"), t.name());
      assertEquals(reference.inputs(), t.inputs());
      Shape shape = t.inputs().get(ModelZoo.INPUT_KEY).shape().withDim(0, 2);
      Map<String, TensorValue> batch = Map.of(ModelZoo.INPUT_KEY,
          TensorValue.ofFloats(shape, new float[Math.toIntExact(shape.numElements())]));
      try (PreparedRun run = t.prepare(batch)) {
        run.run();
        assertArrayEquals(reference.run(batch).get(ModelZoo.OUTPUT_KEY).toFloats(),
            run.outputs().get(ModelZoo.OUTPUT_KEY).toFloats(), 1e-6f);
      }
    }
  }
}
