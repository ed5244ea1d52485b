package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.bench.SavedModelTarget;
import dev.tftrt.engine.RecordingTensorRtBackend.BuildRecord;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.savedmodel.ModelDirs;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path with the project's converters: SavedModel, plan, networks from the converters (recorded, with
 * TensorRT's shape rules), engines whose bindings come from those networks, save, load, run. The engines compute
 * their segment in TensorFlow, so the numbers are the native ones; the GPU tests check TensorRT's.
 */
class ConvertedModelConvertersTest {
  @TempDir
  Path tmp;

  static Map<String, TensorValue> batch(Shape shape, long seed) {
    return batch(ModelZoo.INPUT_KEY, shape, seed);
  }

  static Map<String, TensorValue> batch(String input, Shape shape, long seed) {
    Random r = new Random(seed);
    float[] v = new float[Math.toIntExact(shape.numElements())];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat();
    }
    return Map.of(input, TensorValue.ofFloats(shape, v));
  }

  private void convertSaveLoadAndRun(Path model, Shape input) {
    convertSaveLoadAndRun(model, ModelZoo.INPUT_KEY, input, ModelZoo.OUTPUT_KEY);
  }

  private void convertSaveLoadAndRun(Path model, String inputName, Shape input, String output) {
    try (TensorFlowEngines engines = TensorFlowEngines.withConverters();
        SavedModelTarget reference = SavedModelTarget.load(model)) {
      TrtGraphConverterV2 c = new TrtGraphConverterV2(model, TrtConversionParams.builder()
          .precisionMode(Precision.FP16).maxBatchSize(4).build()).withBackend(engines.backend()).withNetworks(engines);
      c.convert();
      Map<String, TensorValue> in = batch(inputName, input, 5);
      float[] expected = reference.run(in).get(output).toFloats();
      try (ConvertedModel m = c.build(null)) {
        assertFalse(m.segments().isEmpty(), c.summary().toText());
        m.segments().forEach(s -> assertFalse(s.engineProfiles().isEmpty(), s.toString()));
        for (BuildRecord b : engines.backend().builds()) {
          assertTrue(b.layerNames().size() > 2, "the converters made the layers: " + b.layerNames());
          assertEquals(Precision.FP16, b.config().precision());
        }
        assertArrayEquals(expected, m.run(in).get(output).toFloats(), 1e-6f);
        assertEquals(List.of(), m.fallbacks());
      }
      Path saved = c.save(tmp.resolve(model.getFileName()));
      int built = engines.backend().builds().size();
      try (ConvertedModel m = ConvertedModel.loader().backend(engines.backend()).load(saved)) {
        assertArrayEquals(expected, m.run(in).get(output).toFloats(), 1e-6f);
        assertEquals(built, engines.backend().builds().size(), "loaded, not rebuilt");
        assertEquals(List.of(), m.fallbacks());
      }
    }
  }

  @Test
  void smallCnn() {
    convertSaveLoadAndRun(GeneratedModels.smallCnn(), Shape.of(3, 32, 32, 3));
  }

  @Test
  void inceptionBlock() {
    Path model = GeneratedModels.inceptionBlock();
    try (SavedModelTarget t = SavedModelTarget.load(model)) {
      convertSaveLoadAndRun(model, t.inputs().get(ModelZoo.INPUT_KEY).shape().withDim(0, 2));
    }
  }

  /** The trained TensorFlow 2 model of ConvertedModelGpuTest#trainedKwsMatchesNativeTensorFlow, its names. */
  @Test
  void trainedKws() {
    convertSaveLoadAndRun(ModelDirs.KWS, "input_1", Shape.of(3, 49, 10, 1), "dense");
  }
}
