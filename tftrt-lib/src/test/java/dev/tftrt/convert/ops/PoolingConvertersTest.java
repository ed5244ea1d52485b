package dev.tftrt.convert.ops;

import static dev.tftrt.convert.ops.Segments.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.convert.NetworkBuilder.Pooling;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.Graph;
import dev.tftrt.plan.HandGraphs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolingConvertersTest {

  static Map<String, AttrValue> pool(String padding, long size, long stride) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("padding", AttrValue.of(padding));
    a.put("ksize", AttrValue.ofInts(1, size, size, 1));
    a.put("strides", AttrValue.ofInts(1, stride, stride, 1));
    return a;
  }

  @Test
  void maxPoolSameAndAvgPoolValidAndMaxPoolV2() {
    Graph g = HandGraphs.create().placeholder("x", -1, 9, 7, 3)
        .op("max", "MaxPool", pool("SAME", 3, 2), "x").op("avg", "AvgPool", pool("VALID", 2, 2), "x")
        .ints("k", new long[] {4}, 1, 2, 3, 1).ints("s", new long[] {4}, 1, 1, 2, 1)
        .op("max2", "MaxPoolV2", Map.of("padding", AttrValue.of("VALID")), "x", "k", "s").graph();
    RecordingNetworkBuilder net = Segments.convert(g, PoolingConverters::register, true, "max", "avg", "max2");
    RecordingNetworkBuilder.Layer max = net.layer("max");
    assertEquals(Pooling.MAX, max.params().get("pooling"));
    assertEquals(List.of(1, 1), max.params().get("prePadding"));
    assertEquals(List.of(1, 1), max.params().get("postPadding"));
    assertEquals(Pooling.AVERAGE, net.layer("avg").params().get("pooling"));
    assertEquals(true, net.layer("avg").params().get("averageCountExcludesPadding"));
    assertEquals(List.of(2, 3), net.layer("max2").params().get("window"));
    // One transpose of x serves the three pools.
    assertEquals(List.of("Shuffle", "Pooling", "Pooling", "Pooling"), net.kinds().subList(0, 4));
  }

  @Test
  void rejectionsNameTheReason() {
    Map<String, AttrValue> acrossChannels = pool("VALID", 1, 1);
    acrossChannels.put("ksize", AttrValue.ofInts(1, 1, 1, 2));
    Graph g = HandGraphs.create().placeholder("x", -1, 8, 8, 3).placeholder("xs", -1, -1, -1, 3)
        .placeholder("k", 4)
        .op("channels", "MaxPool", acrossChannels, "x").op("same_unknown", "AvgPool", pool("SAME", 2, 2), "xs")
        .op("too_big", "MaxPool", pool("VALID", 9, 1), "x").op("explicit", "MaxPool", pool("EXPLICIT", 2, 2), "x")
        .ints("s", new long[] {4}, 1, 1, 1, 1)
        .op("v2_input", "MaxPoolV2", Map.of("padding", AttrValue.of("VALID")), "x", "k", "s").graph();
    assertRejected(g, PoolingConverters::register, "channels", "ksize [1, 1, 1, 2] and strides [1, 1, 1, 1] are "
        + "not supported (4 values each, 1 on batch and channels: no pooling across them)");
    assertRejected(g, PoolingConverters::register, "same_unknown",
        "SAME padding needs a known height and width, input xs is [?,?,?,3]");
    assertRejected(g, PoolingConverters::register, "too_big", "window [1, 9, 9, 1] is larger than input [?,8,8,3]");
    assertRejected(g, PoolingConverters::register, "explicit",
        "padding EXPLICIT is not supported (SAME or VALID)");
    assertRejected(g, PoolingConverters::register, "v2_input", "ksize and strides of MaxPoolV2 are not constants");
  }
}
