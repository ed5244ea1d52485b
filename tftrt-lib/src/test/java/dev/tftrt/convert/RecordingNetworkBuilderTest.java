package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.convert.NetworkBuilder.Activation;
import dev.tftrt.convert.NetworkBuilder.ElementWise;
import dev.tftrt.convert.NetworkBuilder.Pooling;
import dev.tftrt.convert.NetworkBuilder.Reduce;
import dev.tftrt.convert.NetworkBuilder.Resize;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Output shapes by TensorRT's rules, and what TensorRT would refuse. */
class RecordingNetworkBuilderTest {
  private final RecordingNetworkBuilder net = new RecordingNetworkBuilder();

  private TrtTensor image(long... dims) {
    return net.addInput("input_" + net.inputs().size(), DataType.FLOAT, Shape.of(dims));
  }

  private static TensorValue zeros(long... dims) {
    return TensorValue.ofFloats(Shape.of(dims), new float[(int) Shape.of(dims).numElements()]);
  }

  @Test
  void convolutionOutputFollowsPaddingStrideAndDilation() {
    TrtTensor x = image(-1, 3, 9, 7);
    TrtTensor y = net.convolution("conv", x, 5, new int[] {3, 3}, zeros(5, 3, 3, 3), zeros(5), new int[] {2, 2},
        new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
    assertEquals(Shape.of(-1, 5, 5, 4), y.shape());
    TrtTensor dilated = net.convolution("dilated", x, 2, new int[] {3, 3}, zeros(2, 3, 3, 3), null,
        new int[] {1, 1}, new int[] {0, 0}, new int[] {0, 0}, new int[] {2, 2}, 1);
    assertEquals(Shape.of(-1, 2, 5, 3), dilated.shape());
    RecordingNetworkBuilder.Layer conv = net.layer("conv");
    assertEquals("Convolution", conv.kind());
    assertEquals(List.of("input_0"), conv.inputs());
    assertEquals(List.of(2, 2), conv.params().get("stride"));
    assertEquals(5, conv.params().get("outputChannels"));
  }

  @Test
  void groupedConvolutionNeedsKernelForItsGroups() {
    TrtTensor x = image(-1, 4, 8, 8);
    TrtTensor y = net.convolution("depthwise", x, 8, new int[] {3, 3}, zeros(8, 1, 3, 3), null, new int[] {1, 1},
        new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 4);
    assertEquals(Shape.of(-1, 8, 8, 8), y.shape());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.convolution("bad", x, 8,
        new int[] {3, 3}, zeros(8, 4, 3, 3), null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1},
        new int[] {1, 1}, 4));
    assertEquals("TensorRT would refuse layer 'bad': kernel has 288 values, expected 72", e.getMessage());
  }

  @Test
  void convolutionNeedsKnownChannels() {
    TrtTensor x = image(-1, -1, 8, 8);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.convolution("conv", x, 1,
        new int[] {1, 1}, zeros(1, 1, 1, 1), null, new int[] {1, 1}, new int[] {0, 0}, new int[] {0, 0},
        new int[] {1, 1}, 1));
    assertTrue(e.getMessage().contains("channel dimension (1) of [?,?,8,8] must be known"), e.getMessage());
  }

  @Test
  void deconvolutionAndPooling() {
    TrtTensor x = image(-1, 4, 3, 5);
    TrtTensor up = net.deconvolution("up", x, 2, new int[] {2, 2}, zeros(4, 2, 2, 2), null, new int[] {2, 2},
        new int[] {0, 0}, new int[] {0, 0}, 1);
    assertEquals(Shape.of(-1, 2, 6, 10), up.shape());
    TrtTensor pooled = net.pooling("pool", up, Pooling.MAX, new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 1},
        new int[] {1, 1}, true);
    assertEquals(Shape.of(-1, 2, 3, 5), pooled.shape());
    assertEquals(Pooling.MAX, net.layer("pool").params().get("pooling"));
  }

  @Test
  void elementwiseBroadcastsEqualRanksOnly() {
    TrtTensor x = image(-1, 4, 5, 5);
    TrtTensor c = net.constant("c", zeros(1, 4, 1, 1));
    assertEquals(Shape.of(-1, 4, 5, 5), net.elementwise("add", x, c, ElementWise.SUM).shape());
    TrtTensor v = net.constant("v", zeros(4));
    IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
        () -> net.elementwise("bad_rank", x, v, ElementWise.SUM));
    assertTrue(rank.getMessage().contains("differ in rank"), rank.getMessage());
    TrtTensor three = net.constant("three", zeros(1, 3, 1, 1));
    IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
        () -> net.elementwise("bad_dims", x, three, ElementWise.PROD));
    assertTrue(dims.getMessage().contains("do not broadcast in dimension 1"), dims.getMessage());
  }

  @Test
  void shuffleTransposesCopiesAndInfers() {
    TrtTensor x = image(-1, 7, 7, 32);
    TrtTensor nchw = net.shuffle("to_nchw", x, new int[] {0, 3, 1, 2}, null, null);
    assertEquals(Shape.of(-1, 32, 7, 7), nchw.shape());
    TrtTensor flat = net.shuffle("flat", x, null, new long[] {0, -1}, null);
    assertEquals(Shape.of(-1, 7 * 7 * 32), flat.shape());
    TrtTensor known = net.shuffle("known", net.constant("k", zeros(2, 3, 4)), null, new long[] {-1, 4}, new int[] {1, 0});
    assertEquals(Shape.of(4, 6), known.shape());
    assertThrows(IllegalArgumentException.class, () -> net.shuffle("bad", x, new int[] {0, 1, 1, 2}, null, null));
  }

  @Test
  void matrixMultiplyConcatReduceSlicePadResize() {
    TrtTensor a = image(-1, 8);
    TrtTensor w = net.constant("w", zeros(10, 8));
    assertEquals(Shape.of(-1, 10), net.matrixMultiply("mm", a, false, w, true).shape());
    assertThrows(IllegalArgumentException.class, () -> net.matrixMultiply("mm_bad", a, false, w, false));

    TrtTensor x = image(-1, 3, 4, 5);
    TrtTensor y = image(-1, 2, 4, 5);
    assertEquals(Shape.of(-1, 5, 4, 5), net.concatenation("cat", List.of(x, y), 1).shape());
    assertThrows(IllegalArgumentException.class, () -> net.concatenation("cat_bad", List.of(x, y), 2));
    assertEquals(Shape.of(-1, 3), net.reduce("mean", x, Reduce.AVG, new int[] {2, 3}, false).shape());
    assertEquals(Shape.of(-1, 3, 1, 1), net.reduce("mean_keep", x, Reduce.AVG, new int[] {2, 3}, true).shape());
    assertEquals(Shape.of(-1, 3, 2, 3), net.slice("slice", x, new long[] {0, 0, 1, 0}, new long[] {-1, -1, 2, -1},
        new long[] {1, 1, 1, 2}).shape());
    assertEquals(Shape.of(-1, 3, 7, 6), net.padding("pad", x, new int[] {1, 0}, new int[] {2, 1}).shape());
    assertEquals(Shape.of(-1, 3, 8, 10), net.resize("resize", x, Resize.LINEAR, new long[] {8, 10}, false, true)
        .shape());
    assertEquals(Shape.of(-1, 3, 4, 5), net.softmax("softmax", x, 1).shape());
    assertEquals(DataType.HALF, net.identity("cast", x, DataType.HALF).type());
    assertEquals(List.of("Constant", "MatrixMultiply", "Concatenation", "Reduce", "Reduce", "Slice", "Padding",
        "Resize", "SoftMax", "Identity"), net.kinds());
  }

  @Test
  void scaleIsPerChannelOverDimensionOne() {
    TrtTensor x = image(-1, 3, 4, 4);
    assertEquals(Shape.of(-1, 3, 4, 4), net.scale("bn", x, zeros(3), zeros(3), null).shape());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> net.scale("bn_bad", x, zeros(4), null, null));
    assertTrue(e.getMessage().contains("4 per-channel values for 3 channels"), e.getMessage());
    assertEquals(Shape.of(-1, 3, 4, 4), net.activation("relu6", x, Activation.CLIP, 0f, 6f).shape());
  }

  @Test
  void constantsHaveTensorRtTypesAndLayerNamesAreDistinct() {
    TrtTensor c = net.constant("axes", TensorValue.ofLongs(Shape.of(2), 1, 2));
    assertEquals(DataType.INT32, c.type());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> net.constant("axes", TensorValue.ofLongs(Shape.of(1), 1)));
    assertEquals("repeated layer name 'axes': TensorRT needs distinct names", e.getMessage());
    TrtTensor foreign = new RecordingNetworkBuilder().addInput("x", DataType.FLOAT, Shape.of(-1, 2));
    assertThrows(IllegalArgumentException.class, () -> net.unary("exp", foreign, NetworkBuilder.Unary.EXP));
    net.markOutput(c, "output_0");
    assertEquals(Map.of("output_0", c), net.outputs());
  }
}
