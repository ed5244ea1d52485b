package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.plan.HandGraphs;
import dev.tftrt.savedmodel.FrozenModel;
import dev.tftrt.savedmodel.SavedModelFreezer;
import dev.tftrt.savedmodel.SignatureTensor;
import dev.tftrt.zoo.GeneratedModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Shape inference agrees with TensorFlow: with its static shape functions on every tensor (same type, same
 * known and unknown dimensions), and with the shapes it produces when running the graph at two batch sizes.
 */
class ShapeInferenceTest {
  static final Path MODELS = Path.of("src/test/resources/models");

  /** Issue 3's converter list and the ops around it: each of their outputs must be inferred. */
  static final Set<String> COVERED = Set.of("Placeholder", "Const", "Shape", "Identity", "Conv2D",
      "DepthwiseConv2dNative", "Conv2DBackpropInput", "BiasAdd", "Add", "AddV2", "Sub", "Mul", "RealDiv",
      "Maximum", "Minimum", "Relu", "Relu6", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Softplus", "MaxPool",
      "MaxPoolV2", "AvgPool", "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3", "MatMul", "BatchMatMulV2",
      "Reshape", "Squeeze", "ExpandDims", "Transpose", "ConcatV2", "Pack", "Softmax", "Mean", "Sum", "Max", "Min",
      "Pad", "Cast", "Rsqrt", "Sqrt", "Exp", "Log", "Square", "ClipByValue", "ResizeBilinear",
      "ResizeNearestNeighbor", "StridedSlice");

  @Test
  void kwsMatchesTensorFlow() {
    assertMatchesTensorFlow(SavedModelFreezer.freeze(MODELS.resolve("mlperf_tiny_kws_dscnn_tf2")), true);
  }

  @Test
  void lenetMatchesTensorFlowThroughKerasFlatten() {
    FrozenModel m = SavedModelFreezer.freeze(MODELS.resolve("tensorspace_lenet5_mnist_tf1"));
    Map<TensorRef, TensorInfo> inferred = assertMatchesTensorFlow(m, true);
    // TensorFlow's static inference leaves [?,?] here; ours is checked by running instead.
    // Reshape(x, Pack(StridedSlice(Shape(x)), -1)): the batch stays unknown, the rest is known.
    assertEquals(Shape.of(-1, 4 * 4 * 16), inferred.get(TensorRef.of("Flatten/flatten/Reshape")).shape());
  }

  @Test
  void mnistMlpMatchesTensorFlow() {
    assertMatchesTensorFlow(SavedModelFreezer.freeze(MODELS.resolve("kotlindl_mnist_mlp_tf2")), true);
  }

  @Test
  void smallCnnMatchesTensorFlow() {
    assertMatchesTensorFlow(SavedModelFreezer.freeze(GeneratedModels.smallCnn()), true);
  }

  @Test
  void inceptionBlockMatchesTensorFlow() {
    assertMatchesTensorFlow(SavedModelFreezer.freeze(GeneratedModels.inceptionBlock()), true);
  }

  @Test
  void resnet50MatchesTensorFlowStatically() {
    Map<TensorRef, TensorInfo> inferred = assertMatchesTensorFlow(SavedModelFreezer.freeze(GeneratedModels.resnet50()),
        false);
    assertEquals(Shape.of(-1, 7, 7, 2048), inferred.get(TensorRef.of("stage5_block3/Relu")).shape());
  }

  /** Ops and attributes the models above do not use: NCHW, strides on odd sizes, dilations, every mask. */
  @Test
  void handGraphOfEveryCoveredOpMatchesTensorFlow() {
    Graph g = everyOpGraph();
    Map<TensorRef, TensorInfo> inferred = ShapeInference.infer(g);
    assertEqualsTensorFlowStatic(g, inferred, Set.of("flatten"));
    assertEquals(Shape.of(-1, 5, 7, 5), inferred.get(TensorRef.of("conv_nchw")).shape());
    assertEquals(Shape.of(-1, 3, 3, 6), inferred.get(TensorRef.of("depthwise")).shape());
    assertEquals(Shape.of(2, 4, 1, 3, 4), inferred.get(TensorRef.of("slice_masks")).shape());
    assertEquals(Shape.of(-1, 100), inferred.get(TensorRef.of("flatten")).shape());
  }

  @Test
  void opsItDoesNotKnowAreAbsent() {
    Graph g = HandGraphs.create().placeholder("x", -1, 4).op("e", "Erfinv", "x").op("r", "Relu", "e").graph();
    Map<TensorRef, TensorInfo> inferred = ShapeInference.infer(g);
    assertEquals(new TensorInfo(DataType.FLOAT, Shape.of(-1, 4)), inferred.get(TensorRef.of("x")));
    assertFalse(inferred.containsKey(TensorRef.of("e")));
    assertFalse(inferred.containsKey(TensorRef.of("r")));
  }

  static Graph everyOpGraph() {
    HandGraphs h = HandGraphs.create().placeholder("x", -1, 9, 7, 3).placeholder("xc", -1, 3, 9, 7);
    h.floats("w", new long[] {3, 3, 3, 5}, new float[135]);
    h.op("conv_same", "Conv2D", conv("SAME", 2, 1, "NHWC"), "x", "w");
    h.op("conv_valid_dilated", "Conv2D", conv("VALID", 1, 2, "NHWC"), "x", "w");
    h.op("conv_nchw", "Conv2D", conv("VALID", 1, 1, "NCHW"), "xc", "w");
    h.floats("dw", new long[] {3, 3, 3, 2}, new float[54]);
    h.op("depthwise", "DepthwiseConv2dNative", conv("SAME", 3, 1, "NHWC"), "x", "dw");
    h.ints("sizes", new long[] {4}, 2, 18, 14, 3);
    h.op("deconv", "Conv2DBackpropInput", conv("SAME", 2, 1, "NHWC"), "sizes", "w", "conv_same");
    h.floats("bias5", new long[] {5}, new float[5]);
    h.op("bias", "BiasAdd", "conv_same", "bias5");
    h.op("bias_nchw", "BiasAdd", Map.of("data_format", AttrValue.of("NCHW")), "conv_nchw", "bias5:0");
    for (String op : List.of("Relu", "Relu6", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Softplus", "Rsqrt",
        "Sqrt", "Exp", "Log", "Square", "Softmax")) {
      h.op("u_" + op, op, "bias");
    }
    h.floats("row", new long[] {1, 5}, new float[5]);
    for (String op : List.of("Add", "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum")) {
      h.op("b_" + op, op, "bias", "row");
    }
    h.floats("lo", new long[] {}, 0f).floats("hi", new long[] {}, 1f);
    h.op("clip", "ClipByValue", "bias", "lo", "hi");
    h.op("cast", "Cast", Map.of("SrcT", AttrValue.of(DataType.FLOAT), "DstT", AttrValue.of(DataType.HALF)), "bias");
    h.op("maxpool", "MaxPool", pool("SAME", 3, 2, "NHWC"), "x");
    h.op("avgpool_nchw", "AvgPool", pool("VALID", 2, 2, "NCHW"), "xc");
    h.ints("ksize", new long[] {4}, 1, 2, 2, 1).ints("pstrides", new long[] {4}, 1, 2, 1, 1);
    h.op("maxpool_v2", "MaxPoolV2", Map.of("padding", AttrValue.of("VALID")), "x", "ksize", "pstrides");
    h.floats("c3", new long[] {3}, 1f, 1f, 1f);
    Map<String, AttrValue> bn = new LinkedHashMap<>();
    bn.put("U", AttrValue.of(DataType.FLOAT));
    bn.put("is_training", AttrValue.of(false));
    h.op("bn", "FusedBatchNorm", Map.of("is_training", AttrValue.of(false)), "x", "c3", "c3", "c3", "c3");
    h.op("bn2", "FusedBatchNormV2", bn, "x", "c3", "c3", "c3", "c3");
    Map<String, AttrValue> bnc = new LinkedHashMap<>(bn);
    bnc.put("data_format", AttrValue.of("NCHW"));
    h.op("bn3_nchw", "FusedBatchNormV3", bnc, "xc", "c3", "c3", "c3", "c3");
    h.ints("flat_shape", new long[] {2}, -1, 5 * 4 * 5);
    h.op("flat", "Reshape", "bias", "flat_shape");
    h.floats("fc_w", new long[] {10, 100}, new float[1000]);
    h.op("matmul_tb", "MatMul", Map.of("transpose_b", AttrValue.of(true)), "flat", "fc_w");
    h.floats("bm", new long[] {2, 1, 7, 4}, new float[56]);
    h.op("batch_matmul", "BatchMatMulV2", Map.of("adj_x", AttrValue.of(true)), "x", "bm");
    h.ints("axis_neg", new long[] {}, -1);
    h.op("expand", "ExpandDims", "bias", "axis_neg");
    h.op("squeeze", "Squeeze", Map.of("squeeze_dims", AttrValue.ofInts(4)), "expand");
    h.ints("perm", new long[] {4}, 0, 3, 1, 2);
    h.op("transpose", "Transpose", "x", "perm");
    h.op("concat", "ConcatV2", Map.of("N", AttrValue.of(2L)), "bias", "bias", "axis_neg");
    h.op("pack", "Pack", Map.of("N", AttrValue.of(3L), "axis", AttrValue.of(1L)), "flat", "flat", "flat");
    h.ints("hw", new long[] {2}, 1, 2);
    h.op("mean", "Mean", Map.of("keep_dims", AttrValue.of(true)), "x", "hw");
    h.op("sum", "Sum", "x", "hw");
    h.op("max", "Max", "x", "axis_neg");
    h.op("min", "Min", Map.of("keep_dims", AttrValue.of(true)), "x", "axis_neg");
    h.ints("paddings", new long[] {4, 2}, 0, 0, 1, 2, 3, 4, 0, 0);
    h.op("pad", "Pad", "x", "paddings");
    h.ints("size", new long[] {2}, 18, 5);
    h.op("bilinear", "ResizeBilinear", "x", "size");
    h.op("nearest", "ResizeNearestNeighbor", "x", "size");
    // x[1:, ::-2, newaxis, ..., 0] on a 5-D tensor; then flatten through the shape vector.
    h.ints("b5", new long[] {5}, 1, 0, 0, 0, 0).ints("e5", new long[] {5}, 0, 0, 0, 0, 1)
        .ints("s5", new long[] {5}, 1, -2, 1, 1, 1);
    h.op("slice_masks", "StridedSlice", slice(0b00010, 0b00011, 0b01000, 0b00100, 0b10000, DataType.FLOAT),
        "bm_pad", "b5", "e5", "s5");
    h.graph().add(new Node("bm_pad", "Identity", Map.of("T", AttrValue.of(DataType.FLOAT)),
        List.of(TensorRef.of("bm5"))));
    h.floats("bm5", new long[] {3, 7, 3, 4, 2}, new float[504]);
    h.op("shape", "Shape", "bias");
    h.ints("zero", new long[] {1}, 0).ints("one", new long[] {1}, 1);
    h.op("batch", "StridedSlice", slice(0, 0, 0, 0, 1, DataType.INT32), "shape", "zero", "one", "one");
    h.ints("minus_one", new long[] {}, -1);
    h.op("flat_shape2", "Pack", Map.of("N", AttrValue.of(2L), "T", AttrValue.of(DataType.INT32)), "batch",
        "minus_one");
    h.op("flatten", "Reshape", "bias", "flat_shape2");
    return h.graph();
  }

  private static Map<String, AttrValue> conv(String padding, long stride, long dilation, String format) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("padding", AttrValue.of(padding));
    a.put("data_format", AttrValue.of(format));
    a.put("strides", format.equals("NHWC") ? AttrValue.ofInts(1, stride, stride, 1)
        : AttrValue.ofInts(1, 1, stride, stride));
    a.put("dilations", format.equals("NHWC") ? AttrValue.ofInts(1, dilation, dilation, 1)
        : AttrValue.ofInts(1, 1, dilation, dilation));
    return a;
  }

  private static Map<String, AttrValue> pool(String padding, long size, long stride, String format) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("padding", AttrValue.of(padding));
    a.put("data_format", AttrValue.of(format));
    a.put("ksize", format.equals("NHWC") ? AttrValue.ofInts(1, size, size, 1) : AttrValue.ofInts(1, 1, size, size));
    a.put("strides", format.equals("NHWC") ? AttrValue.ofInts(1, stride, stride, 1)
        : AttrValue.ofInts(1, 1, stride, stride));
    return a;
  }

  private static Map<String, AttrValue> slice(int beginMask, int endMask, int ellipsisMask, int newAxisMask,
      int shrinkMask, DataType type) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("T", AttrValue.of(type));
    a.put("Index", AttrValue.of(DataType.INT32));
    a.put("begin_mask", AttrValue.of((long) beginMask));
    a.put("end_mask", AttrValue.of((long) endMask));
    a.put("ellipsis_mask", AttrValue.of((long) ellipsisMask));
    a.put("new_axis_mask", AttrValue.of((long) newAxisMask));
    a.put("shrink_axis_mask", AttrValue.of((long) shrinkMask));
    return a;
  }

  /** Compares with TensorFlow statically and, when {@code run}, at batch sizes 2 and 3; returns the inference. */
  static Map<TensorRef, TensorInfo> assertMatchesTensorFlow(FrozenModel m, boolean run) {
    Graph g = m.graph();
    Map<TensorRef, TensorInfo> inferred = ShapeInference.infer(g);
    // Refinements of TensorFlow's static shapes are only accepted where running the graph checks them.
    assertEqualsTensorFlowStatic(g, inferred, run ? null : Set.of());
    if (run) {
      List<TensorRef> fetched = new ArrayList<>();
      Set<String> fed = new java.util.HashSet<>();
      m.inputs().forEach(in -> fed.add(in.tensor().node()));
      inferred.forEach((t, info) -> {
        // Only first outputs: grappler may rewrite an inference FusedBatchNorm into one Add when it runs.
        if (info.shape().hasRank() && !fed.contains(t.node()) && t.index() == 0) {
          fetched.add(t);
        }
      });
      for (long batch : new long[] {2, 3}) {
        Map<String, long[]> feeds = new LinkedHashMap<>();
        for (SignatureTensor in : m.inputs()) {
          long[] dims = in.shape().dims();
          for (int i = 0; i < dims.length; i++) {
            dims[i] = dims[i] < 0 ? batch : dims[i];
          }
          feeds.put(in.tensor().node(), dims);
        }
        Map<TensorRef, TensorInfo> actual = TfShapes.runtimeShapes(g, feeds, fetched);
        for (TensorRef t : fetched) {
          TensorInfo want = inferred.get(t);
          TensorInfo got = actual.get(t);
          assertEquals(want.dtype(), got.dtype(), t + " type");
          assertEquals(want.shape().rank(), got.shape().rank(), t + " rank at batch " + batch);
          for (int d = 0; d < got.shape().rank(); d++) {
            long w = want.shape().dim(d);
            assertTrue(w < 0 || w == got.shape().dim(d), t + " inferred " + want.shape() + " but ran as "
                + got.shape() + " at batch " + batch);
          }
        }
      }
    }
    return inferred;
  }

  /**
   * Every inferred tensor equals TensorFlow's static inference, or refines it for the nodes in {@code refinable}
   * (null: any node); every output of a covered op is inferred.
   */
  static void assertEqualsTensorFlowStatic(Graph g, Map<TensorRef, TensorInfo> inferred, Set<String> refinable) {
    Map<TensorRef, TensorInfo> tf = TfShapes.staticShapes(g);
    int compared = 0;
    for (Node n : g.nodes()) {
      for (int i = 0; tf.containsKey(n.output(i)); i++) {
        TensorRef t = n.output(i);
        if (COVERED.contains(n.op())) {
          assertTrue(inferred.containsKey(t), t + " (" + n.op() + ") was not inferred; TensorFlow says " + tf.get(t));
        }
        if (inferred.containsKey(t)) {
          if (refinable == null || refinable.contains(n.name())) {
            assertRefines(tf.get(t), inferred.get(t), t + " (" + n.op() + ")");
          } else {
            assertEquals(tf.get(t), inferred.get(t), t + " (" + n.op() + ")");
          }
          compared++;
        }
      }
    }
    assertEquals(inferred.size(), compared, "tensors inferred that TensorFlow does not have");
  }

  /**
   * Same type, same rank, same size wherever TensorFlow knows it. Where TensorFlow's shape functions give up
   * (a Keras flatten's Reshape) ours may know more; running the graph checks those.
   */
  private static void assertRefines(TensorInfo tf, TensorInfo ours, String what) {
    assertEquals(tf.dtype(), ours.dtype(), what + " type");
    if (!tf.shape().hasRank()) {
      return;
    }
    assertEquals(tf.shape().rank(), ours.shape().rank(), what + ": TensorFlow " + tf + ", ours " + ours);
    for (int d = 0; d < tf.shape().rank(); d++) {
      if (tf.shape().dim(d) >= 0) {
        assertEquals(tf.shape().dim(d), ours.shape().dim(d), what + ": TensorFlow " + tf + ", ours " + ours);
      }
    }
  }
}
