package dev.tftrt.convert.ops;

import dev.tftrt.convert.RecordedNetworkEvaluator;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.convert.TensorFlowReference;
import dev.tftrt.graph.TensorValue;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link OpsGpuTest}'s cases without a GPU: each one-op graph is converted into a {@link RecordingNetworkBuilder},
 * run by {@link RecordedNetworkEvaluator} with TensorRT's layer semantics on a batch of 3 and compared with
 * TensorFlow on the same inputs. Prints {@code CPU-RESULT ops} lines with the errors.
 */
class OpsCpuTest {
  /** Relative to {@code 1 + max|TensorFlow|}: one op in float32 on both sides. */
  private static final double TOLERANCE = 1e-4;

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.tftrt.convert.ops.OpsNumericCases#cases")
  void matchesTensorFlow(String node, ConverterHarness h) {
    Map<String, TensorValue> inputs = OpsNumericCases.inputs(h, node);
    TensorValue want = h.tensorflowOutput(node, inputs);
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    network.markOutput(h.convert(node, network), "output");
    TensorValue got = RecordedNetworkEvaluator.run(network, inputs).get("output");
    TensorFlowReference.assertClose("CPU-RESULT ops", node + " (" + h.graph().node(node).op() + ", "
        + network.layers().size() + " layers)", want, got, TOLERANCE);
  }
}
