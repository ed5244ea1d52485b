package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.engine.RequiredTensorRt;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What real TensorRT fuses in the generated small CNN and Inception block (FP32 engines, detailed profiling
 * verbosity), mapped back to TF nodes and compared with the fusion preview. Prints {@code GPU-RESULT fusions
 * <model>: ...} lines for docs/gpu-results.md.
 */
@Tag("gpu")
class EngineFusionsGpuTest {
  @BeforeAll
  static void gpu() {
    System.out.println("GPU-RESULT fusions machine: " + RequiredTensorRt.backend().availability().describe());
  }

  @ParameterizedTest
  @ValueSource(strings = {ModelZoo.SMALL_CNN, ModelZoo.INCEPTION_BLOCK})
  void tensorRtFusesWhatThePreviewExpects(String name) {
    Path model = name.equals(ModelZoo.SMALL_CNN) ? GeneratedModels.smallCnn() : GeneratedModels.inceptionBlock();
    TrtGraphConverterV2 c = new TrtGraphConverterV2(model, TrtConversionParams.builder()
        .precisionMode(Precision.FP32).maxBatchSize(8).build());
    c.convert();
    try (ConvertedModel m = c.build(null)) {
      EngineFusions f = m.fusions();
      FusionComparison cmp = f.compareWith(c.plan().fusions());
      System.out.println("GPU-RESULT fusions " + name + ": " + f.layers().size() + " engine layers, "
          + f.count(FusedLayer.Kind.VERTICAL) + " vertical, " + f.count(FusedLayer.Kind.HORIZONTAL) + " horizontal, "
          + f.count(FusedLayer.Kind.REFORMAT) + " added by TensorRT; preview: " + cmp.count(FusionComparison.Outcome.FUSED)
          + " of " + cmp.expected().size() + " made, " + cmp.count(FusionComparison.Outcome.PARTLY_FUSED)
          + " partly, " + cmp.beyondPreview().size() + " beyond");
      f.layers().forEach(l -> System.out.println("GPU-RESULT fusions " + name + " layer: " + l.kind() + " ["
          + l.layerType() + "] " + l.name() + " <- " + l.ops()));
      cmp.expected().forEach(e -> System.out.println("GPU-RESULT fusions " + name + " expected: " + e.outcome() + " "
          + e.fusion().kind() + " " + e.fusion().nodes() + " -> " + e.layers()));
      f.removed().forEach((s, nodes) -> System.out.println("GPU-RESULT fusions " + name + " removed in " + s + ": "
          + nodes));
      assertTrue(f.withoutEngine().isEmpty(), f.toString());
      assertFalse(f.fused().isEmpty(), "TensorRT fused nothing:\n" + f);
      Set<String> members = new HashSet<>();
      m.segments().forEach(s -> members.add(s.name()));
      for (FusedLayer l : f.layers()) {
        assertTrue(members.contains(l.segment()), l.toString());
        assertTrue(l.kind() == FusedLayer.Kind.REFORMAT || !l.nodes().isEmpty(), "unmapped: " + l);
      }
    }
  }
}
