package dev.tftrt.bench;

import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.savedmodel.FreezeReport;
import dev.tftrt.savedmodel.FrozenModel;
import dev.tftrt.savedmodel.SignatureTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Large frozen graphs built directly in the IR for planning benchmarks: a stack of ResNet bottleneck blocks
 * (1x1, 3x3, 1x1 convolutions with batch norms, residual add) with valid TensorFlow attributes and shapes.
 * Every {@code cutEvery} blocks an op with no converter ({@code Erf}) splits the stack, and a side path
 * through another such op jumps over the next two blocks, which forces the segmenter's cycle test to refuse
 * merges across it.
 */
public final class SyntheticGraphs {
  /** Nodes one bottleneck block adds: three times (filter, conv, batch norm and its 4 parameters), 3 relus, add. */
  public static final int NODES_PER_BLOCK = 3 * 7 + 4;

  private final Graph graph = new Graph();
  private final int channels;

  private SyntheticGraphs(int channels) {
    this.channels = channels;
  }

  /** A model of about {@code nodes} nodes with NHWC input {@code [-1, 8, 8, channels]}. */
  public static FrozenModel resnetStack(int nodes, int channels, int cutEvery) {
    SyntheticGraphs s = new SyntheticGraphs(channels);
    Map<String, AttrValue> in = new LinkedHashMap<>();
    in.put("dtype", AttrValue.of(DataType.FLOAT));
    in.put("shape", AttrValue.of(Shape.of(-1, 8, 8, channels)));
    s.graph.add(new Node("input", "Placeholder", in, List.of()));
    String x = "input";
    String pendingSide = null;
    int block = 0;
    while (s.graph.size() + NODES_PER_BLOCK + 2 <= nodes) {
      String name = "block" + block;
      x = s.bottleneck(name, x);
      if (pendingSide != null && block % cutEvery == 2) {
        x = s.op(name + "/join", "AddV2", Map.of(), x, pendingSide);
        pendingSide = null;
      }
      if (block % cutEvery == 0 && block > 0 && s.graph.size() + 2 <= nodes) {
        // Split the stack, and start a side path that rejoins two blocks later.
        x = s.op(name + "/cut", "Erf", Map.of(), x);
        pendingSide = s.op(name + "/side", "Erf", Map.of(), x);
      }
      block++;
    }
    if (pendingSide != null) {
      x = s.op("final/join", "AddV2", Map.of(), x, pendingSide);
    }
    String out = s.op("output", "Identity", Map.of(), x);
    return new FrozenModel(null, "serve", "serving_default", s.graph,
        List.of(new SignatureTensor("input", TensorRef.of("input"), DataType.FLOAT, Shape.of(-1, 8, 8, channels))),
        List.of(new SignatureTensor("output", TensorRef.of(out), DataType.FLOAT, Shape.of(-1, 8, 8, channels))),
        new FreezeReport(Map.of(), Map.of(), 0, 0, Map.of()));
  }

  private String bottleneck(String name, String x) {
    String a = op(name + "/relu1", "Relu", Map.of(), convBn(name + "/c1", x, 1));
    String b = op(name + "/relu2", "Relu", Map.of(), convBn(name + "/c2", a, 3));
    String c = convBn(name + "/c3", b, 1);
    String sum = op(name + "/add", "AddV2", Map.of(), c, x);
    return op(name + "/out", "Relu", Map.of(), sum);
  }

  private String convBn(String name, String x, int k) {
    String w = constant(name + "/kernel", Shape.of(k, k, channels, channels));
    Map<String, AttrValue> conv = new LinkedHashMap<>();
    conv.put("strides", AttrValue.ofInts(1, 1, 1, 1));
    conv.put("padding", AttrValue.of("SAME"));
    conv.put("dilations", AttrValue.ofInts(1, 1, 1, 1));
    conv.put("data_format", AttrValue.of("NHWC"));
    conv.put("use_cudnn_on_gpu", AttrValue.of(true));
    String y = op(name + "/Conv2D", "Conv2D", conv, x, w);
    Map<String, AttrValue> bn = new LinkedHashMap<>();
    bn.put("U", AttrValue.of(DataType.FLOAT));
    bn.put("epsilon", AttrValue.of(1e-3f));
    bn.put("data_format", AttrValue.of("NHWC"));
    bn.put("is_training", AttrValue.of(false));
    bn.put("exponential_avg_factor", AttrValue.of(1f));
    return op(name + "/bn", "FusedBatchNormV3", bn, y, constant(name + "/gamma", Shape.of(channels)),
        constant(name + "/beta", Shape.of(channels)), constant(name + "/mean", Shape.of(channels)),
        constant(name + "/variance", Shape.of(channels)));
  }

  private String constant(String name, Shape shape) {
    float[] v = new float[(int) shape.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = 0.5f + (i % 7) * 0.01f;
    }
    graph.add(Node.constant(name, TensorValue.ofFloats(shape, v)));
    return name;
  }

  private String op(String name, String op, Map<String, AttrValue> attrs, String... inputs) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("T", AttrValue.of(DataType.FLOAT));
    a.putAll(attrs);
    graph.add(new Node(name, op, a, java.util.Arrays.stream(inputs).map(TensorRef::parse).toList()));
    return name;
  }
}
