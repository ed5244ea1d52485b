package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The evaluator's layers on small cases worked out by hand from TensorRT's documented semantics. */
class RecordedNetworkEvaluatorTest {
  private static final float[] ONE_TO_NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

  private static TensorValue floats(long[] dims, float... values) {
    return TensorValue.ofFloats(Shape.of(dims), values);
  }

  /** A network with input {@code x} (the value's type, batch dynamic) and {@code layers} marked as "out". */
  private static TensorValue run(TensorValue x, Function<NetworkBuilder, Function<TrtTensor, TrtTensor>> layers) {
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    TrtTensor in = network.addInput("x", x.dtype(), x.shape().withDim(0, -1));
    network.markOutput(layers.apply(network).apply(in), "out");
    return RecordedNetworkEvaluator.run(network, Map.of("x", x)).get("out");
  }

  private static void assertValues(long[] dims, float[] want, TensorValue got) {
    assertArrayEquals(dims, got.shape().dims(), "shape");
    assertArrayEquals(want, got.toFloats(), 1e-5f);
  }

  @Test
  void convolutionPadsBeforeAndAfterAsTold() {
    // One row of zeros above, one column after: out[y][x] = 10 + sum in[y - 1 + r][x + s] * k[r][s].
    TensorValue got = run(floats(new long[] {1, 1, 3, 3}, ONE_TO_NINE), n -> x -> n.convolution("conv", x, 1,
        new int[] {2, 2}, floats(new long[] {1, 1, 2, 2}, 1, 2, 3, 4), floats(new long[] {1}, 10),
        new int[] {1, 1}, new int[] {1, 0}, new int[] {0, 1}, new int[] {1, 1}, 1));
    assertValues(new long[] {1, 1, 3, 3}, new float[] {21, 28, 19, 47, 57, 31, 77, 87, 43}, got);
  }

  @Test
  void groupedDilatedConvolutionReadsOnlyItsGroupsChannels() {
    float[] twoChannels = new float[18];
    for (int i = 0; i < 9; i++) {
      twoChannels[i] = ONE_TO_NINE[i];
      twoChannels[9 + i] = 10 * ONE_TO_NINE[i];
    }
    // Dilation 2 puts the 2x2 kernel on the corners of each 3x3 channel.
    TensorValue got = run(floats(new long[] {1, 2, 3, 3}, twoChannels), n -> x -> n.convolution("conv", x, 2,
        new int[] {2, 2}, floats(new long[] {2, 1, 2, 2}, 1, 2, 3, 4, 1, 1, 1, 1), null, new int[] {1, 1},
        new int[] {0, 0}, new int[] {0, 0}, new int[] {2, 2}, 2));
    assertValues(new long[] {1, 2, 1, 1}, new float[] {1 + 3 * 2 + 7 * 3 + 9 * 4, 10 + 30 + 70 + 90}, got);
  }

  @Test
  void deconvolutionScattersEachInputThroughTheKernelAndCropsThePrePadding() {
    // Stride 2: each input becomes a 2x2 block in[i][j] * k; pre-padding 1 drops the first row and column.
    TensorValue got = run(floats(new long[] {1, 1, 2, 2}, 1, 2, 3, 4), n -> x -> n.deconvolution("deconv", x, 1,
        new int[] {2, 2}, floats(new long[] {1, 1, 2, 2}, 1, 2, 3, 4), null, new int[] {2, 2}, new int[] {1, 1},
        new int[] {0, 0}, 1));
    assertValues(new long[] {1, 1, 3, 3}, new float[] {4, 6, 8, 6, 4, 8, 12, 12, 16}, got);
  }

  @Test
  void shuffleTransposesReshapesAndTransposesAgain() {
    float[] ramp = new float[24];
    for (int i = 0; i < ramp.length; i++) {
      ramp[i] = i;
    }
    // First transpose {2, 0, 1}: t[a][b][c] = in[b][c][a], shape [4, 2, 3]; reshape {0, -1}: [4, 6]; then [6, 4].
    TensorValue got = run(floats(new long[] {2, 3, 4}, ramp), n -> x -> n.shuffle("shuffle", x,
        new int[] {2, 0, 1}, new long[] {0, -1}, new int[] {1, 0}));
    assertArrayEquals(new long[] {6, 4}, got.shape().dims());
    float[] v = got.toFloats();
    assertEquals(9, v[2 * 4 + 1], "out[2][1] = t[1][0][2] = in[0][2][1]");
    assertEquals(15, v[3 * 4 + 3], "out[3][3] = t[3][1][0] = in[1][0][3]");
    assertEquals(0, v[0]);
  }

  @Test
  void elementwiseBroadcastsDimensionsOfSizeOne() {
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    TrtTensor a = network.addInput("a", DataType.FLOAT, Shape.of(-1, 1, 3));
    TrtTensor b = network.constant("b", floats(new long[] {1, 2, 1}, 10, 20));
    network.markOutput(network.elementwise("sub", a, b, ElementWise.SUB), "out");
    TensorValue got = RecordedNetworkEvaluator.run(network, Map.of("a", floats(new long[] {2, 1, 3}, 0, 1, 2, 3,
        4, 5))).get("out");
    assertValues(new long[] {2, 2, 3}, new float[] {-10, -9, -8, -20, -19, -18, -7, -6, -5, -17, -16, -15}, got);
  }

  @Test
  void poolingWithPaddingNeverTakesThePaddingForAMax() {
    float[] negative = new float[9];
    for (int i = 0; i < 9; i++) {
      negative[i] = -ONE_TO_NINE[i];
    }
    // 2x2 windows, stride 2, one padding row and column before: windows {1}, {2,3}, {4,7}, {5,6,8,9}.
    TensorValue got = run(floats(new long[] {1, 1, 3, 3}, negative), n -> x -> n.pooling("pool", x, Pooling.MAX,
        new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {0, 0}, false));
    assertValues(new long[] {1, 1, 2, 2}, new float[] {-1, -2, -4, -5}, got);
  }

  @Test
  void averagePoolingCountsThePaddingUnlessExcluded() {
    Function<Boolean, TensorValue> average = exclude -> run(floats(new long[] {1, 1, 3, 3}, ONE_TO_NINE),
        n -> x -> n.pooling("pool", x, Pooling.AVERAGE, new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1},
            new int[] {0, 0}, exclude));
    assertValues(new long[] {1, 1, 2, 2}, new float[] {1, 2.5f, 5.5f, 7}, average.apply(true));
    assertValues(new long[] {1, 1, 2, 2}, new float[] {0.25f, 1.25f, 2.75f, 7}, average.apply(false));
  }

  @Test
  void activationsUseTensorRtsAlphaAndBeta() {
    TensorValue x = floats(new long[] {1, 2}, -1, 2);
    Function<Activation, float[]> act = kind -> run(x, n -> t -> n.activation("act", t, kind,
        kind == Activation.HARD_SIGMOID ? 0.2f : 0.1f, kind == Activation.HARD_SIGMOID ? 0.5f : 3f)).toFloats();
    double e = Math.exp(-1) - 1;
    assertArrayEquals(new float[] {-0.1f, 2}, act.apply(Activation.LEAKY_RELU), 1e-6f);
    assertArrayEquals(new float[] {0.1f, 2}, act.apply(Activation.CLIP), 1e-6f, "clip to [alpha, beta]");
    assertArrayEquals(new float[] {0.3f, 0.9f}, act.apply(Activation.HARD_SIGMOID), 1e-6f);
    assertArrayEquals(new float[] {(float) (0.1 * e), 2}, act.apply(Activation.ELU), 1e-6f);
    assertArrayEquals(new float[] {(float) (3 * 0.1 * e), 6}, act.apply(Activation.SELU), 1e-6f,
        "beta * (x > 0 ? x : alpha * (exp(x) - 1))");
    assertArrayEquals(new float[] {(float) (0.1 * Math.log1p(Math.exp(-3))), (float) (0.1 * Math.log1p(Math.exp(6)))},
        act.apply(Activation.SOFTPLUS), 1e-6f, "alpha * log(exp(beta * x) + 1)");
  }

  @Test
  void scaleIsPerChannelOverDimensionOne() {
    // (x * scale + shift) ^ power: channel 0 (2x + 1)^2, channel 1 3x.
    TensorValue got = run(floats(new long[] {1, 2, 1, 2}, 1, 2, 3, 4), n -> x -> n.scale("scale", x,
        floats(new long[] {2}, 1, 0), floats(new long[] {2}, 2, 3), floats(new long[] {2}, 2, 1)));
    assertValues(new long[] {1, 2, 1, 2}, new float[] {9, 25, 9, 12}, got);
  }

  @Test
  void batchedMatrixMultiplyBroadcastsTheBatchAndTransposes() {
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    TrtTensor a = network.addInput("a", DataType.FLOAT, Shape.of(-1, 1, 2));
    TrtTensor b = network.constant("b", floats(new long[] {1, 3, 2}, 1, 0, 0, 1, 1, 1));
    network.markOutput(network.matrixMultiply("mm", a, false, b, true), "out");
    // Each [1, 2] row times b^T ([2, 3]): (p, q) -> (p, q, p + q).
    TensorValue got = RecordedNetworkEvaluator.run(network, Map.of("a", floats(new long[] {2, 1, 2}, 1, 2, 3,
        5))).get("out");
    assertValues(new long[] {2, 1, 3}, new float[] {1, 2, 3, 3, 5, 8}, got);
  }

  @Test
  void reduceKeepsOrDropsTheReducedAxes() {
    TensorValue x = floats(new long[] {2, 3}, 0, 1, 2, 3, 4, 5);
    assertValues(new long[] {2, 1}, new float[] {1, 4}, run(x, n -> t -> n.reduce("avg", t, Reduce.AVG,
        new int[] {1}, true)));
    assertValues(new long[] {3}, new float[] {3, 4, 5}, run(x, n -> t -> n.reduce("max", t, Reduce.MAX,
        new int[] {0}, false)));
  }

  @Test
  void sliceWithAStrideTakesTheRestWhenTheSizeIsUnknown() {
    TensorValue got = run(floats(new long[] {1, 5}, 0, 1, 2, 3, 4), n -> x -> n.slice("slice", x,
        new long[] {0, 1}, new long[] {1, -1}, new long[] {1, 2}));
    assertValues(new long[] {1, 2}, new float[] {1, 3}, got);
  }

  @Test
  void concatenationAndPaddingPlaceTheirParts() {
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    TrtTensor a = network.addInput("a", DataType.FLOAT, Shape.of(-1, 1));
    TrtTensor b = network.constant("b", floats(new long[] {2, 2}, 10, 11, 12, 13));
    network.markOutput(network.concatenation("concat", java.util.List.of(a, b), 1), "concat");
    TrtTensor image = network.addInput("image", DataType.FLOAT, Shape.of(1, 1, 1, 2));
    network.markOutput(network.padding("pad", image, new int[] {1, 0}, new int[] {0, 1}), "pad");
    Map<String, TensorValue> got = RecordedNetworkEvaluator.run(network, Map.of("a", floats(new long[] {2, 1}, 0,
        1), "image", floats(new long[] {1, 1, 1, 2}, 1, 2)));
    assertValues(new long[] {2, 3}, new float[] {0, 10, 11, 1, 12, 13}, got.get("concat"));
    assertValues(new long[] {1, 1, 2, 3}, new float[] {0, 0, 0, 1, 2, 0}, got.get("pad"));
  }

  @Test
  void resizeMapsCoordinatesAsEachTransformationSays() {
    TensorValue x = floats(new long[] {1, 1, 1, 2}, 0, 10);
    Function<Boolean[], TensorValue> linear = modes -> run(x, n -> t -> n.resize("resize", t, Resize.LINEAR,
        new long[] {1, 4}, modes[0], modes[1]));
    // Input coordinates of the 4 outputs: half pixel -0.25, 0.25, 0.75, 1.25 (clamped to the image).
    assertValues(new long[] {1, 1, 1, 4}, new float[] {0, 2.5f, 7.5f, 10}, linear.apply(new Boolean[] {false, true}));
    assertValues(new long[] {1, 1, 1, 4}, new float[] {0, 10 / 3f, 20 / 3f, 10},
        linear.apply(new Boolean[] {true, false}));
    assertValues(new long[] {1, 1, 1, 4}, new float[] {0, 5, 10, 10}, linear.apply(new Boolean[] {false, false}));
    assertValues(new long[] {1, 1, 1, 4}, new float[] {0, 0, 10, 10}, run(x, n -> t -> n.resize("resize", t,
        Resize.NEAREST, new long[] {1, 4}, false, false)));
  }

  @Test
  void int32DivisionTruncatesAndCastsToInt32Truncate() {
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    TrtTensor a = network.addInput("a", DataType.INT32, Shape.of(-1));
    TrtTensor two = network.constant("two", TensorValue.ofInts(Shape.of(1), 2));
    network.markOutput(network.elementwise("div", a, two, ElementWise.DIV), "div");
    TrtTensor f = network.addInput("f", DataType.FLOAT, Shape.of(-1));
    network.markOutput(network.identity("cast", f, DataType.INT32), "cast");
    Map<String, TensorValue> got = RecordedNetworkEvaluator.run(network, Map.of("a", TensorValue.ofInts(
        Shape.of(2), -7, 7), "f", floats(new long[] {2}, -1.5f, 2.7f)));
    assertEquals(DataType.INT32, got.get("div").dtype());
    assertArrayEquals(new long[] {-3, 3}, got.get("div").toLongs());
    assertArrayEquals(new long[] {-1, 2}, got.get("cast").toLongs());
  }

  @Test
  void refusesAnInputWhoseKnownDimensionsDifferFromTheRecording() {
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    network.markOutput(network.addInput("x", DataType.FLOAT, Shape.of(-1, 3)), "out");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RecordedNetworkEvaluator.run(network, Map.of("x", floats(new long[] {1, 4}, 1, 2, 3, 4))));
    assertTrue(e.getMessage().contains("x was recorded with shape [?,3] but is [1,4]"), e.getMessage());
  }
}
