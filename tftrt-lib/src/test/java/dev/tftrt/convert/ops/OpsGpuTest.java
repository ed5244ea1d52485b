package dev.tftrt.convert.ops;


import dev.tftrt.Precision;
import dev.tftrt.convert.TensorFlowReference;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.RequiredTensorRt;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorValue;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * This package's converters on a real GPU: each one-op graph is converted into a TensorRT network (FP32, no
 * TF32), built with a dynamic batch (1 to 8), run on {@link OpsNumericCases} (a batch of 3) and compared with TensorFlow on the same
 * inputs. It checks what shapes cannot: transposes, slice starts and strides, padding sides, resize modes.
 */
@Tag("gpu")
class OpsGpuTest {
  private static TensorRtBackend backend;

  @BeforeAll
  static void backend() {
    backend = RequiredTensorRt.backend();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.tftrt.convert.ops.OpsNumericCases#cases")
  void matchesTensorFlow(String node, ConverterHarness h) {
    Map<String, TensorValue> inputs = OpsNumericCases.inputs(h, node);
    TensorValue want = h.tensorflowOutput(node, inputs);
    try (NetworkDefinition network = backend.newNetwork()) {
      TrtTensor out = h.convert(node, network);
      network.markOutput(out, "output");
      EngineConfig.Builder config = EngineConfig.builder().precision(Precision.FP32).tf32(false)
          .workspaceBytes(1L << 28);
      for (Node p : h.placeholdersOf(node)) {
        config.profile(p.name(), ShapeRange.batch(h.networkShape(p), 8));
      }
      BuildResult built = backend.build(network, config.build(), BuildListener.NONE);
      try (Engine engine = backend.deserialize(built.plan()); ExecutionContext run = engine.createContext()) {
        TensorFlowReference.assertClose("GPU-RESULT ops", node + " (" + h.graph().node(node).op() + ", "
            + network.layerCount() + " layers)", want, run.execute(inputs).get("output"), 1e-3);
      }
    }
  }
}
