package dev.tftrt.plan;

import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.savedmodel.FreezeReport;
import dev.tftrt.savedmodel.FrozenModel;
import dev.tftrt.savedmodel.SignatureTensor;
import java.nio.file.Path;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Small graphs written by hand for planning tests, with a fluent adder. */
public final class HandGraphs {
  public static final TensorInfo INCEPTION_INPUT = new TensorInfo(DataType.FLOAT, Shape.of(-1, 8, 8, 4));

  private final Graph graph = new Graph();

  public static HandGraphs create() {
    return new HandGraphs();
  }

  public Graph graph() {
    return graph;
  }

  public HandGraphs placeholder(String name, long... dims) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("dtype", AttrValue.of(DataType.FLOAT));
    a.put("shape", AttrValue.of(Shape.of(dims)));
    graph.add(new Node(name, "Placeholder", a, List.of()));
    return this;
  }

  public HandGraphs constant(String name, TensorValue v) {
    graph.add(Node.constant(name, v));
    return this;
  }

  public HandGraphs floats(String name, long[] dims, float... values) {
    return constant(name, TensorValue.ofFloats(Shape.of(dims), values));
  }

  public HandGraphs ints(String name, long[] dims, int... values) {
    return constant(name, TensorValue.ofInts(Shape.of(dims), values));
  }

  /** A float op node reading {@code inputs} ("x", "x:1"). */
  public HandGraphs op(String name, String op, String... inputs) {
    return op(name, op, Map.of(), inputs);
  }

  public HandGraphs op(String name, String op, Map<String, AttrValue> attrs, String... inputs) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("T", AttrValue.of(DataType.FLOAT));
    a.putAll(attrs);
    graph.add(new Node(name, op, a, Arrays.stream(inputs).map(TensorRef::parse).toList()));
    return this;
  }

  /** A 2-D convolution NHWC with a {@code [k,k,cin,cout]} constant filter named {@code name + "/w"}. */
  public HandGraphs conv(String name, String input, int k, int cin, int cout, long stride, String padding) {
    floats(name + "/w", new long[] {k, k, cin, cout}, new float[k * k * cin * cout]);
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("strides", AttrValue.ofInts(1, stride, stride, 1));
    a.put("padding", AttrValue.of(padding));
    a.put("dilations", AttrValue.ofInts(1, 1, 1, 1));
    a.put("data_format", AttrValue.of("NHWC"));
    return op(name, "Conv2D", a, input, name + "/w");
  }

  /** Conv2D -> BiasAdd -> Relu, the block's output named {@code name + "/relu"}. */
  public HandGraphs convBlock(String name, String input, int cin, int cout) {
    conv(name + "/conv", input, 3, cin, cout, 1, "SAME");
    floats(name + "/b", new long[] {cout}, new float[cout]);
    op(name + "/bias", "BiasAdd", name + "/conv", name + "/b");
    return op(name + "/relu", "Relu", name + "/bias");
  }

  /** A candidate predicate: these op types are rejected with "no converter for OP", the rest accepted. */
  public static Function<Node, Optional<String>> rejecting(String... ops) {
    Set<String> bad = Set.of(ops);
    return n -> bad.contains(n.op()) ? Optional.of("no converter for " + n.op()) : Optional.empty();
  }

  /**
   * An Inception-like body: three sibling 1x1 convolutions on x (one with stride 2), a 3x3 after one of them,
   * an unsupported op on another branch, Identity nodes, and a training-only branch no output needs.
   */
  public static FrozenModel inceptionModel() {
    HandGraphs h = HandGraphs.create().placeholder("x", -1, 8, 8, 4).placeholder("labels", -1, 10);
    h.conv("a", "x", 1, 4, 2, 1, "SAME").floats("a/b", new long[] {2}, 0, 0).op("a/bias", "BiasAdd", "a", "a/b")
        .op("a/relu", "Relu", "a/bias");
    h.conv("b", "x", 1, 4, 2, 1, "SAME").op("b/id", "Identity", "b").op("b/relu", "Relu6", "b/id")
        .conv("b3", "b/relu", 3, 2, 2, 1, "SAME");
    h.conv("c", "x", 1, 4, 2, 1, "SAME").op("c/odd", "Erfinv", "c").op("c/relu", "Relu", "c/odd");
    h.conv("d", "x", 1, 4, 2, 2, "SAME");
    h.op("d/up", "ResizeNearestNeighbor", "d", "d/size").ints("d/size", new long[] {2}, 8, 8);
    h.ints("axis", new long[] {}, 3).op("cat", "ConcatV2", "a/relu", "b3", "c/relu", "d/up", "axis")
        .op("out", "Identity", "cat");
    h.op("loss", "SquaredDifference", "cat", "labels").op("grad", "Mul", "loss", "loss");
    Graph g = h.graph();
    return new FrozenModel(Path.of("/models/inception"), "serve", "serving_default", g,
        List.of(new SignatureTensor("input", TensorRef.of("x"), DataType.FLOAT, INCEPTION_INPUT.shape())),
        List.of(new SignatureTensor("output", TensorRef.of("out"), DataType.FLOAT, Shape.of(-1, 8, 8, 8))),
        new FreezeReport(Map.of(), Map.of(), 0, 0, Map.of()));
  }

}
