package dev.tftrt.convert.ops;

import static dev.tftrt.convert.ops.Segments.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.plan.HandGraphs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NormalizationConvertersTest {

  static Map<String, AttrValue> inference(String format) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("U", AttrValue.of(DataType.FLOAT));
    a.put("is_training", AttrValue.of(false));
    a.put("epsilon", AttrValue.of(0.5f));
    a.put("data_format", AttrValue.of(format));
    return a;
  }

  static HandGraphs statistics(HandGraphs h) {
    return h.floats("gamma", new long[] {2}, 2f, 3f).floats("beta", new long[] {2}, 1f, -1f)
        .floats("mean", new long[] {2}, 4f, 0f).floats("var", new long[] {2}, 3.5f, 3.5f);
  }

  @Test
  void inferenceBatchNormIsOneScaleLayer() {
    Graph g = statistics(HandGraphs.create().placeholder("x", -1, 3, 3, 2).placeholder("xc", -1, 2, 3, 3))
        .op("bn", "FusedBatchNormV3", inference("NHWC"), "x", "gamma", "beta", "mean", "var")
        .op("bn_nchw", "FusedBatchNormV2", inference("NCHW"), "xc", "gamma", "beta", "mean", "var")
        .op("bn_v1", "FusedBatchNorm", Map.of("is_training", AttrValue.of(false)), "x", "gamma", "beta", "mean",
            "var").graph();
    RecordingNetworkBuilder net = Segments.convert(g, NormalizationConverters::register, false, "bn", "bn_nchw",
        "bn_v1");
    RecordingNetworkBuilder.Layer bn = net.layer("bn");
    // scale = gamma / sqrt(var + 0.5) = {1, 1.5}; shift = beta - mean * scale = {-3, -1}.
    assertArrayEquals(new float[] {1f, 1.5f}, ((TensorValue) bn.params().get("scale")).toFloats(), 1e-6f);
    assertArrayEquals(new float[] {-3f, -1f}, ((TensorValue) bn.params().get("shift")).toFloats(), 1e-6f);
    // x is transposed once for both NHWC batch norms; their outputs are transposed back only as segment outputs.
    assertEquals(List.of("Shuffle", "Scale", "Scale", "Scale", "Shuffle", "Shuffle"), net.kinds());
    assertEquals(List.of("bn/to_nchw:0"), net.layer("bn_v1").inputs());
    assertEquals(List.of("input_1"), net.layer("bn_nchw").inputs());
    assertEquals(List.of("bn:0"), net.layer("bn/to_nhwc").inputs());
  }

  @Test
  void rejectionsNameTheReason() {
    Map<String, AttrValue> training = inference("NHWC");
    training.put("is_training", AttrValue.of(true));
    Graph g = statistics(HandGraphs.create().placeholder("x", -1, 3, 3, 2).placeholder("m", 2)
        .placeholder("x3", -1, 3, 2))
        .op("training", "FusedBatchNormV3", training, "x", "gamma", "beta", "mean", "var")
        .op("mean_in", "FusedBatchNormV3", inference("NHWC"), "x", "gamma", "beta", "m", "var")
        .op("rank3", "FusedBatchNormV3", inference("NHWC"), "x3", "gamma", "beta", "mean", "var").graph();
    assertRejected(g, NormalizationConverters::register, "training",
        "training mode (is_training=true) is not supported: it computes batch statistics");
    assertRejected(g, NormalizationConverters::register, "mean_in", "mean m is not a float constant");
    assertRejected(g, NormalizationConverters::register, "rank3", "input x3 has rank 3, expected 4");
  }

  @Test
  void aBatchNormWhoseStatisticsAreReadIsLeftToTensorFlow() {
    Graph g = statistics(HandGraphs.create().placeholder("x", -1, 3, 3, 2))
        .op("bn", "FusedBatchNormV3", inference("NHWC"), "x", "gamma", "beta", "mean", "var")
        .op("y_only", "FusedBatchNormV3", inference("NHWC"), "x", "gamma", "beta", "mean", "var")
        .op("relu", "Relu", "bn").op("y_relu", "Relu", "y_only").op("mean_copy", "Identity", "bn:1").graph();
    assertRejected(g, NormalizationConverters::register, "bn", "output bn:1 is read by mean_copy: only output 0 (y)"
        + " is converted, the batch statistics and reserve spaces are not");
    assertEquals(Optional.empty(), Segments.verdict(g, NormalizationConverters::register, "y_only"));
  }
}
