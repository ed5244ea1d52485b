package dev.tftrt.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.CalibrationSource;
import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.RequiredTensorRt;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Engines built from networks made through {@link NetworkBuilder}, checked against {@link Reference} on a
 * real GPU: FP32, FP16, INT8 with a Java calibrator and its cache, fusion seen by the engine inspector,
 * timing cache reuse, device-resident chaining, and refusal of bad plans and shapes.
 */
@Tag("gpu")
class TrtEngineGpuTest {
  // Large enough that TensorRT picks FP16 and INT8 kernels when allowed (tiny layers stay FP32).
  static final int C = 16;
  static final int H = 32;
  static final int W = 32;
  static final int K = 64;
  static final int MAX_BATCH = 8;
  static TensorRtBackend backend;
  static final Random RANDOM = new Random(42);
  static final float[] K1 = Reference.random(RANDOM, K * C * 9, 0.3f);
  static final float[] B1 = Reference.random(RANDOM, K, 0.1f);
  static final float[] K2 = Reference.random(RANDOM, K * K * 9, 0.2f);
  static final float[] B2 = Reference.random(RANDOM, K, 0.1f);

  @BeforeAll
  static void backend() {
    backend = RequiredTensorRt.backend();
    System.out.println("GPU-RESULT environment: " + backend.availability().describe());
  }

  static TensorValue floats(Shape s, float[] v) {
    return TensorValue.ofFloats(s, v);
  }

  /** input -> conv1 (3x3, bias) -> relu1 -> conv2 (3x3, bias) -> relu2 -> output. */
  static NetworkDefinition convChain() {
    NetworkDefinition n = backend.newNetwork();
    TrtTensor x = n.addInput("input_0", DataType.FLOAT, Shape.of(-1, C, H, W));
    int[] one = {1, 1};
    TrtTensor y = n.convolution("chain/conv1", x, K, new int[] {3, 3}, floats(Shape.of(K, C, 3, 3), K1),
        floats(Shape.of(K), B1), one, one, one, one, 1);
    y = n.activation("chain/relu1", y, NetworkBuilder.Activation.RELU, 0, 0);
    y = n.convolution("chain/conv2", y, K, new int[] {3, 3}, floats(Shape.of(K, K, 3, 3), K2),
        floats(Shape.of(K), B2), one, one, one, one, 1);
    y = n.activation("chain/relu2", y, NetworkBuilder.Activation.RELU, 0, 0);
    n.markOutput(y, "output_0");
    assertEquals(Shape.of(-1, K, H, W), y.shape());
    return n;
  }

  static float[] convChainReference(float[] x, int n) {
    float[] y = Reference.conv(x, n, C, H, W, K1, B1, K, 3, 1, true);
    return Reference.conv(y, n, K, H, W, K2, B2, K, 3, 1, true);
  }

  static EngineConfig.Builder config(Precision p) {
    return EngineConfig.builder().precision(p).workspaceBytes(256L << 20)
        .profile("input_0", ShapeRange.batch(Shape.of(-1, C, H, W), MAX_BATCH));
  }

  static BuildResult build(NetworkDefinition n, EngineConfig config) {
    List<String> progress = new ArrayList<>();
    BuildResult r = backend.build(n, config, progress::add);
    System.out.println("GPU-RESULT build " + config.precision() + ": " + r.buildMillis() + " ms, plan "
        + r.plan().length + " bytes, " + progress.size() + " progress messages");
    return r;
  }

  static float[] run(Engine e, float[] x, int batch) {
    try (ExecutionContext c = e.createContext()) {
      return c.execute(Map.of("input_0", floats(Shape.of(batch, C, H, W), x))).get("output_0").toFloats();
    }
  }

  /** Batches of random images, counting how many TensorRT asked for. */
  static final class RandomBatches implements CalibrationSource {
    final int batches;
    final int batch;
    final Random random = new Random(7);
    final AtomicInteger served = new AtomicInteger();

    RandomBatches(int batches, int batch) {
      this.batches = batches;
      this.batch = batch;
    }

    @Override
    public Map<String, Shape> batchShapes() {
      return Map.of("input_0", Shape.of(batch, C, H, W));
    }

    @Override
    public int batchCount() {
      return batches;
    }

    @Override
    public Optional<Map<String, TensorValue>> next() {
      if (served.get() == batches) {
        return Optional.empty();
      }
      served.incrementAndGet();
      return Optional.of(Map.of("input_0", floats(batchShapes().get("input_0"),
          Reference.random(random, batch * C * H * W, 1f))));
    }
  }

  static List<String> layerNames(Engine e) {
    JsonObject info = JsonParser.parseString(e.layerInformationJson()).getAsJsonObject();
    List<String> names = new ArrayList<>();
    for (JsonElement l : info.getAsJsonArray("Layers")) {
      names.add(l.isJsonObject() ? l.getAsJsonObject().get("Name").getAsString() : l.getAsString());
    }
    return names;
  }

  @Test
  void fp32MatchesJavaAndFusesConvBiasRelu() {
    int batch = 4;
    float[] x = Reference.random(new Random(1), batch * C * H * W, 1f);
    try (NetworkDefinition n = convChain(); Engine e = backend.deserialize(build(n, config(Precision.FP32).build())
        .plan())) {
      assertEquals(List.of("input_0", "output_0"), e.bindings().stream().map(b -> b.name()).toList());
      assertEquals(Shape.of(MAX_BATCH, C, H, W), e.binding("input_0").profile().max());
      double err = Reference.relativeL2(run(e, x, batch), convChainReference(x, batch));
      System.out.println("GPU-RESULT conv chain FP32 relative L2 error vs Java: " + err);
      assertTrue(err < 1e-5, "FP32 error " + err);
      List<String> layers = layerNames(e);
      System.out.println("GPU-RESULT conv chain FP32 engine layers: " + layers);
      assertTrue(layers.stream().anyMatch(l -> l.contains("chain/conv1") && l.contains("chain/relu1")),
          "vertical fusion conv1 + relu1 in " + layers);
    }
  }

  @Test
  void fp16IsCloseToJava() {
    int batch = MAX_BATCH;
    float[] x = Reference.random(new Random(2), batch * C * H * W, 1f);
    try (NetworkDefinition n = convChain(); Engine e = backend.deserialize(build(n, config(Precision.FP16).build())
        .plan())) {
      double err = Reference.relativeL2(run(e, x, batch), convChainReference(x, batch));
      System.out.println("GPU-RESULT conv chain FP16 relative L2 error vs Java: " + err);
      // FP16 only allows half kernels: TensorRT keeps FP32 where it is faster, so no lower bound here.
      assertTrue(err < 1e-2, "FP16 error " + err);
    }
  }

  @Test
  void int8CalibratesInJavaAndReusesItsTable() {
    int batch = 4;
    float[] x = Reference.random(new Random(3), batch * C * H * W, 1f);
    RandomBatches source = new RandomBatches(10, 8);
    byte[] table;
    try (NetworkDefinition n = convChain()) {
      BuildResult r = build(n, config(Precision.INT8).calibration(source).build());
      table = r.calibrationTable();
      assertEquals(10, source.served.get(), "every calibration batch was asked for");
      assertTrue(table.length > 0, "calibration table written");
      try (Engine e = backend.deserialize(r.plan())) {
        double err = Reference.relativeL2(run(e, x, batch), convChainReference(x, batch));
        System.out.println("GPU-RESULT conv chain INT8 relative L2 error vs Java: " + err + " (table "
            + table.length + " bytes)");
        assertTrue(err < 0.15, "INT8 error " + err);
        assertTrue(err > 1e-4, "error " + err + " is FP32's: INT8 kernels were not used");
      }
    }
    RandomBatches unused = new RandomBatches(10, 8);
    try (NetworkDefinition n = convChain()) {
      BuildResult r = build(n, config(Precision.INT8).calibration(unused).calibrationCache(table).build());
      assertEquals(0, unused.served.get(), "a cached calibration table needs no batches");
      try (Engine e = backend.deserialize(r.plan())) {
        assertTrue(Reference.relativeL2(run(e, x, batch), convChainReference(x, batch)) < 0.15);
      }
    }
  }

  /** input -> three sibling 1x1 convs (b1, b2, b3) with ReLU -> concat: TensorRT merges the convs. */
  @Test
  void siblingOneByOneConvsFuseHorizontally() {
    int batch = 2;
    int[] outs = {4, 6, 8};
    float[][] kernels = new float[3][];
    float[][] biases = new float[3][];
    Random r = new Random(5);
    try (NetworkDefinition n = backend.newNetwork()) {
      TrtTensor x = n.addInput("input_0", DataType.FLOAT, Shape.of(-1, C, H, W));
      List<TrtTensor> branches = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        kernels[i] = Reference.random(r, outs[i] * C, 0.5f);
        biases[i] = Reference.random(r, outs[i], 0.1f);
        int[] one = {1, 1};
        int[] zero = {0, 0};
        TrtTensor y = n.convolution("block/b" + (i + 1) + "/conv", x, outs[i], one,
            floats(Shape.of(outs[i], C, 1, 1), kernels[i]), floats(Shape.of(outs[i]), biases[i]), one, zero, zero,
            one, 1);
        branches.add(n.activation("block/b" + (i + 1) + "/relu", y, NetworkBuilder.Activation.RELU, 0, 0));
      }
      n.markOutput(n.concatenation("block/concat", branches, 1), "output_0");
      try (Engine e = backend.deserialize(build(n, config(Precision.FP32).build()).plan())) {
        float[] in = Reference.random(r, batch * C * H * W, 1f);
        float[][] parts = new float[3][];
        for (int i = 0; i < 3; i++) {
          parts[i] = Reference.conv(in, batch, C, H, W, kernels[i], biases[i], outs[i], 1, 0, true);
        }
        double err = Reference.relativeL2(run(e, in, batch), Reference.concatChannels(batch, H * W, parts, outs));
        List<String> layers = layerNames(e);
        System.out.println("GPU-RESULT inception-like block FP32 error " + err + ", engine layers: " + layers);
        assertTrue(err < 1e-5, "error " + err);
        assertTrue(layers.stream().anyMatch(l -> l.contains(" || ") && l.contains("block/b1/conv")
            && l.contains("block/b2/conv") && l.contains("block/b3/conv")), "horizontal fusion in " + layers);
      }
    }
  }

  @Test
  void timingCacheMakesTheRebuildFaster() {
    BuildResult first;
    try (NetworkDefinition n = convChain()) {
      first = build(n, config(Precision.FP16).optimizationLevel(3).build());
    }
    assertTrue(first.timingCache().length > 0, "timing cache returned");
    BuildResult second;
    try (NetworkDefinition n = convChain()) {
      second = build(n, config(Precision.FP16).timingCache(first.timingCache()).build());
    }
    System.out.println("GPU-RESULT timing cache: first build " + first.buildMillis() + " ms, rebuild "
        + second.buildMillis() + " ms, cache " + first.timingCache().length + " bytes");
    assertTrue(second.timingCache().length >= first.timingCache().length);
  }

  @Test
  void truncatedPlanAndOutOfProfileShapeAreRefused() {
    byte[] plan;
    try (NetworkDefinition n = convChain()) {
      plan = build(n, config(Precision.FP32).build()).plan();
    }
    TftrtException bad = assertThrows(TftrtException.class,
        () -> backend.deserialize(Arrays.copyOf(plan, plan.length / 3)));
    System.out.println("GPU-RESULT truncated plan: " + bad.getMessage());
    try (Engine e = backend.deserialize(plan); ExecutionContext c = e.createContext()) {
      IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class, () -> c.execute(Map.of(
          "input_0", floats(Shape.of(MAX_BATCH + 1, C, H, W), new float[(MAX_BATCH + 1) * C * H * W]))));
      assertTrue(tooBig.getMessage().contains("outside the engine's profile"), tooBig.getMessage());
    }
  }

  /** Two engines chained on one stream through device tensors give what the host path gives. */
  @Test
  void deviceTensorsChainEnginesOnOneStream() {
    int batch = 2;
    float[] x = Reference.random(new Random(9), batch * C * H * W, 1f);
    byte[] plan;
    try (NetworkDefinition n = convChain()) {
      plan = build(n, config(Precision.FP32).build()).plan();
    }
    byte[] plan2;
    try (NetworkDefinition n = backend.newNetwork()) {
      TrtTensor in = n.addInput("input_0", DataType.FLOAT, Shape.of(-1, K, H, W));
      n.markOutput(n.scale("second/double", in, null, floats(Shape.of(1), new float[] {2f}), null), "output_0");
      plan2 = build(n, EngineConfig.builder().profile("input_0",
          ShapeRange.batch(Shape.of(-1, K, H, W), MAX_BATCH)).build()).plan();
    }
    try (Engine e1 = backend.deserialize(plan); Engine e2 = backend.deserialize(plan2);
        DeviceStream stream = backend.newStream();
        ExecutionContext c1 = e1.createContext(stream); ExecutionContext c2 = e2.createContext(stream);
        DeviceTensor in = backend.allocate(DataType.FLOAT, Shape.of(batch, C, H, W));
        DeviceTensor mid = backend.allocate(DataType.FLOAT, Shape.of(batch, K, H, W));
        DeviceTensor out = backend.allocate(DataType.FLOAT, Shape.of(batch, K, H, W))) {
      ByteBuffer host = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      host.asFloatBuffer().put(x);
      DeviceStream.DeviceEvent start = stream.record();
      in.copyFromHost(host, stream);
      c1.enqueue(Map.of("input_0", in, "output_0", mid));
      c2.enqueue(Map.of("input_0", mid, "output_0", out));
      DeviceStream.DeviceEvent end = stream.record();
      ByteBuffer result = ByteBuffer.allocateDirect(x.length / C * K * 4).order(ByteOrder.LITTLE_ENDIAN);
      out.copyToHost(result, stream);
      float ms = end.millisSince(start);
      start.close();
      end.close();
      float[] got = new float[x.length / C * K];
      result.asFloatBuffer().get(got);
      float[] expected = convChainReference(x, batch);
      for (int i = 0; i < expected.length; i++) {
        expected[i] *= 2;
      }
      double err = Reference.relativeL2(got, expected);
      System.out.println("GPU-RESULT device chain: two engines on one stream in " + ms
          + " ms (CUDA events), error " + err);
      assertTrue(err < 1e-5, "device path error " + err);
    }
  }
}
