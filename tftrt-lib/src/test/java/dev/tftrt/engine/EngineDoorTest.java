package dev.tftrt.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineDoorTest {

  record Tensor(String name, DataType type, Shape shape) implements TrtTensor {}

  /** Shape-preserving builder: every layer's output is its first tensor argument's shape. */
  static NetworkBuilder shapePreserving() {
    return (NetworkBuilder) Proxy.newProxyInstance(NetworkBuilder.class.getClassLoader(),
        new Class<?>[] {NetworkBuilder.class}, (proxy, method, args) -> {
          if (method.getName().equals("addInput")) {
            return new Tensor((String) args[0], (DataType) args[1], (Shape) args[2]);
          }
          if (method.getName().equals("markOutput")) {
            return null;
          }
          TrtTensor in = (TrtTensor) Arrays.stream(args).filter(a -> a instanceof TrtTensor).findFirst()
              .orElseThrow();
          return new Tensor((String) args[0], in.type(), in.shape());
        });
  }

  private static NetworkDefinition reluNetwork(TensorRtBackend backend) {
    NetworkDefinition n = backend.newNetwork();
    TrtTensor x = n.addInput("input_0", DataType.FLOAT, Shape.of(-1, 4));
    TrtTensor y = n.activation("model/relu", x, NetworkBuilder.Activation.RELU, 0, 0);
    n.markOutput(y, "output_0");
    return n;
  }

  @Test
  void withoutNativeTensorRtTheSystemBackendSaysWhyAndRefuses() {
    TensorRtBackend b = TensorRtBackends.system();
    Availability a = b.availability();
    assertFalse(a.available(), "the CPU test machine has no TensorRT");
    assertFalse(a.reason().isBlank());
    assertTrue(a.describe().startsWith("TensorRT not available: "), a.describe());
    TftrtException e = assertThrows(TftrtException.class, b::newNetwork);
    assertEquals("TensorRT not available: " + a.reason(), e.getMessage());
  }

  @Test
  void int8NeedsCalibrationDataOrCache() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EngineConfig.builder().precision(Precision.INT8).build());
    assertTrue(e.getMessage().contains("calibration"), e.getMessage());
    EngineConfig c = EngineConfig.builder().precision(Precision.INT8).calibrationCache(new byte[] {1}).build();
    assertArrayEquals(new byte[] {1}, c.calibrationCache());
    assertEquals(c, c.toBuilder().build());
  }

  @Test
  void batchRangeCoversOneToMaxBatch() {
    ShapeRange r = ShapeRange.batch(Shape.of(-1, 28, 28, 1), 32);
    assertEquals(Shape.of(1, 28, 28, 1), r.min());
    assertEquals(Shape.of(32, 28, 28, 1), r.max());
    assertTrue(r.contains(Shape.of(7, 28, 28, 1)));
    assertFalse(r.contains(Shape.of(33, 28, 28, 1)));
    assertFalse(r.contains(Shape.of(7, 28, 27, 1)));
    assertThrows(IllegalArgumentException.class, () -> ShapeRange.batch(Shape.of(-1, -1, 3), 8));
  }

  @Test
  void recordingBackendBuildsDeserializesAndRunsThroughItsRunner() {
    RecordingTensorRtBackend backend = new RecordingTensorRtBackend(EngineDoorTest::shapePreserving)
        .withRunner((engine, inputs) -> {
          float[] x = inputs.get("input_0").toFloats();
          float[] y = new float[x.length];
          for (int i = 0; i < x.length; i++) {
            y[i] = Math.max(0, x[i]);
          }
          return Map.of("output_0", TensorValue.ofFloats(inputs.get("input_0").shape(), y));
        });
    BuildResult built;
    try (NetworkDefinition n = reluNetwork(backend)) {
      assertEquals(List.of("input_0"), n.inputNames());
      assertEquals(List.of("output_0"), n.outputNames());
      built = backend.build(n, EngineConfig.builder()
          .profile("input_0", ShapeRange.batch(Shape.of(-1, 4), 8)).build(), BuildListener.NONE);
    }
    assertEquals(List.of("model/relu"), backend.builds().get(0).layerNames());
    try (Engine e = backend.deserialize(built.plan()); ExecutionContext c = e.createContext()) {
      assertEquals(List.of("input_0"), e.inputs().stream().map(Binding::name).toList());
      assertEquals(Shape.of(8, 4), e.binding("input_0").profile().max());
      JsonObject info = JsonParser.parseString(e.layerInformationJson()).getAsJsonObject();
      assertEquals("model/relu", info.getAsJsonArray("Layers").get(0).getAsJsonObject().get("Name").getAsString());
      TensorValue out = c.execute(Map.of("input_0", TensorValue.ofFloats(Shape.of(2, 4),
          -1, 2, -3, 4, 5, -6, 7, -8))).get("output_0");
      assertArrayEquals(new float[] {0, 2, 0, 4, 5, 0, 7, 0}, out.toFloats());
      assertThrows(IllegalArgumentException.class, () -> c.execute(Map.of("input_0",
          TensorValue.ofFloats(Shape.of(9, 4), new float[36]))), "batch 9 is outside the profile 1..8");
    }
  }

  /** TensorRT 8's rule, kept by the recording backend: one live context per optimization profile. */
  @Test
  void anEngineServesAsManyLiveContextsAsItHasProfiles() {
    RecordingTensorRtBackend backend = new RecordingTensorRtBackend(EngineDoorTest::shapePreserving);
    BuildResult built;
    try (NetworkDefinition n = reluNetwork(backend)) {
      built = backend.build(n, EngineConfig.builder().profile("input_0", ShapeRange.batch(Shape.of(-1, 4), 8))
          .optimizationLevel(5).executionContexts(2).build(), BuildListener.NONE);
    }
    EngineConfig recorded = backend.builds().get(0).config();
    assertEquals(5, recorded.optimizationLevel());
    assertEquals(2, recorded.executionContexts());
    try (Engine e = backend.deserialize(built.plan())) {
      assertEquals(2, e.maxContexts());
      ExecutionContext first = e.createContext();
      ExecutionContext second = e.createContext(backend.newStream(), true);
      IllegalStateException third = assertThrows(IllegalStateException.class, e::createContext);
      assertTrue(third.getMessage().contains("all 2 optimization profile(s) of the engine are held"),
          third.getMessage());
      first.close();
      ExecutionContext again = e.createContext();
      assertEquals(List.of(new RecordingTensorRtBackend.ContextRecord(0, false),
          new RecordingTensorRtBackend.ContextRecord(1, true), new RecordingTensorRtBackend.ContextRecord(0, false)),
          backend.contexts(), "a closed context's profile goes to the next one");
      second.close();
      again.close();
    }
  }

  @Test
  void oneProfileByDefault() {
    RecordingTensorRtBackend backend = new RecordingTensorRtBackend(EngineDoorTest::shapePreserving);
    try (NetworkDefinition n = reluNetwork(backend); Engine e = backend.deserialize(backend.build(n,
        EngineConfig.builder().profile("input_0", ShapeRange.batch(Shape.of(-1, 4), 8)).build(),
        BuildListener.NONE).plan()); ExecutionContext c = e.createContext()) {
      assertEquals(1, e.maxContexts());
      assertEquals(3, backend.builds().get(0).config().optimizationLevel());
      assertThrows(IllegalStateException.class, () -> e.createContext(backend.newStream()));
    }
    assertThrows(IllegalArgumentException.class, () -> EngineConfig.builder().executionContexts(0));
  }

  @Test
  void truncatedPlanIsRefusedWithAMessage() {
    RecordingTensorRtBackend backend = new RecordingTensorRtBackend(EngineDoorTest::shapePreserving);
    byte[] plan;
    try (NetworkDefinition n = reluNetwork(backend)) {
      plan = backend.build(n, EngineConfig.builder().build(), BuildListener.NONE).plan();
    }
    TftrtException e = assertThrows(TftrtException.class,
        () -> backend.deserialize(Arrays.copyOf(plan, plan.length / 2)));
    assertTrue(e.getMessage().contains("not a valid engine"), e.getMessage());
  }

  @Test
  void injectedBuildFailureCarriesTheLog() {
    RecordingTensorRtBackend backend = new RecordingTensorRtBackend(EngineDoorTest::shapePreserving)
        .failingBuilds(names -> names.contains("model/relu"));
    try (NetworkDefinition n = reluNetwork(backend)) {
      EngineBuildException e = assertThrows(EngineBuildException.class,
          () -> backend.build(n, EngineConfig.builder().build(), BuildListener.NONE));
      assertFalse(e.log().isEmpty());
    }
  }
}
