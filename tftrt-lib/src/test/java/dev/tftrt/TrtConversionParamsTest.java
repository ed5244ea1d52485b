package dev.tftrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrtConversionParamsTest {

  @Test
  void defaultsAreTfTrts() {
    TrtConversionParams p = TrtConversionParams.defaults();
    assertEquals(Precision.FP32, p.precisionMode());
    assertEquals(1, p.maxBatchSize());
    assertEquals(3, p.minimumSegmentSize());
    assertEquals(1L << 30, p.maxWorkspaceSizeBytes());
    assertTrue(p.useCalibration());
    assertEquals(1, p.maximumCachedEngines());
    assertTrue(p.isDynamicOp());
    assertTrue(p.allowBuildAtRuntime());
    assertEquals(Set.of(), p.opDenylist());
    assertEquals(20, p.maxEngines());
    assertEquals(3, p.builderOptimizationLevel(), "TensorRT's own default level");
    assertEquals(1, p.executionContextsPerEngine());
    assertFalse(p.cudaGraphs());
  }

  @Test
  void builderSetsFieldsAndToBuilderCopiesWithoutChangingTheOriginal() {
    TrtConversionParams p = TrtConversionParams.builder().precisionMode(Precision.FP16).maxBatchSize(8)
        .minimumSegmentSize(5).opDenylist("Softmax", "MaxPool").maxEngines(2).build();
    TrtConversionParams q = p.toBuilder().precisionMode("int8").build();

    assertEquals(Precision.FP16, p.precisionMode());
    assertEquals(Precision.INT8, q.precisionMode());
    assertEquals(8, q.maxBatchSize());
    assertEquals(Set.of("MaxPool", "Softmax"), q.opDenylist());
    assertEquals(p, p.toBuilder().build());
    assertEquals(p.hashCode(), p.toBuilder().build().hashCode());
    assertNotEquals(p, q);
    assertTrue(p.toString().contains("precisionMode=FP16") && p.toString().contains("opDenylist=[MaxPool, Softmax]"),
        p.toString());
  }

  @Test
  void jsonRoundTripKeepsEveryField() {
    TrtConversionParams p = TrtConversionParams.builder().precisionMode(Precision.INT8).maxBatchSize(4)
        .minimumSegmentSize(2).maxWorkspaceSizeBytes(123456789L).useCalibration(false).maximumCachedEngines(3)
        .isDynamicOp(false).allowBuildAtRuntime(false).opDenylist("Softmax").maxEngines(7)
        .builderOptimizationLevel(5).executionContextsPerEngine(2).cudaGraphs(true).allowTf32(true).build();
    assertEquals(p, TrtConversionParams.fromJson(p.toJson()));
    assertEquals(TrtConversionParams.defaults(), TrtConversionParams.fromJson("{}"));
  }

  @Test
  void speedOptionsAreSetFluentlyCopiedAndShown() {
    TrtConversionParams p = TrtConversionParams.builder().builderOptimizationLevel(0).executionContextsPerEngine(4)
        .cudaGraphs(true).build();
    TrtConversionParams q = p.toBuilder().builderOptimizationLevel(5).build();
    assertEquals(0, p.builderOptimizationLevel());
    assertEquals(5, q.builderOptimizationLevel());
    assertEquals(4, q.executionContextsPerEngine());
    assertTrue(q.cudaGraphs());
    assertNotEquals(p, q);
    assertNotEquals(p, p.toBuilder().cudaGraphs(false).build());
    assertNotEquals(p, p.toBuilder().executionContextsPerEngine(3).build());
    assertFalse(p.allowTf32(), "TF32 is off unless asked for: FP32 means FP32");
    assertTrue(p.toBuilder().allowTf32(true).build().toBuilder().build().allowTf32());
    assertNotEquals(p, p.toBuilder().allowTf32(true).build());
    assertTrue(p.toString().contains("builderOptimizationLevel=0, executionContextsPerEngine=4, cudaGraphs=true"),
        p.toString());
    assertTrue(p.toJson().contains("\"builderOptimizationLevel\": 0"), p.toJson());
  }

  @ParameterizedTest
  @CsvSource({"-1", "6", "99"})
  void builderOptimizationLevelOutsideZeroToFiveIsRefusedWithTheRange(int level) {
    assertEquals("builderOptimizationLevel must be TensorRT's builder optimization level, an integer from 0 (fastest "
        + "build) to 5 (most tactics tried; default 3), was " + level, assertThrows(TftrtException.class,
            () -> TrtConversionParams.builder().builderOptimizationLevel(level).build()).getMessage());
    assertThrows(TftrtException.class, () -> TrtConversionParams.fromJson("{\"builderOptimizationLevel\": " + level
        + "}"));
  }

  @ParameterizedTest
  @CsvSource({"0", "-3", "17"})
  void executionContextsPerEngineOutsideOneToSixteenIsRefusedWithTheRangeAndTheCost(int n) {
    String m = assertThrows(TftrtException.class,
        () -> TrtConversionParams.builder().executionContextsPerEngine(n).build()).getMessage();
    assertEquals("executionContextsPerEngine must be an integer from 1 to 16 (each adds an optimization profile to "
        + "every engine: build time and device memory), was " + n, m);
  }

  @Test
  void speedOptionsOfTheWrongJsonTypeNameTheField() {
    assertEquals("conversion parameter 'cudaGraphs' has the wrong type: 1", assertThrows(TftrtException.class,
        () -> TrtConversionParams.fromJson("{\"cudaGraphs\": 1}")).getMessage());
    assertEquals("conversion parameter 'executionContextsPerEngine' has the wrong type: \"two\"",
        assertThrows(TftrtException.class,
            () -> TrtConversionParams.fromJson("{\"executionContextsPerEngine\": \"two\"}")).getMessage());
  }

  @Test
  void invalidValuesNameTheFieldAndTheAllowedValues() {
    TftrtException fp8 = assertThrows(TftrtException.class,
        () -> TrtConversionParams.builder().precisionMode("FP8"));
    assertEquals("precisionMode 'FP8' is not supported; use one of FP32, FP16, INT8", fp8.getMessage());

    assertEquals("minimumSegmentSize must be an integer >= 1, was -2", assertThrows(TftrtException.class,
        () -> TrtConversionParams.builder().minimumSegmentSize(-2).build()).getMessage());
    assertEquals("maxBatchSize must be an integer >= 1, was 0", assertThrows(TftrtException.class,
        () -> TrtConversionParams.builder().maxBatchSize(0).build()).getMessage());
    assertEquals("maxEngines must be an integer >= 1, was 0", assertThrows(TftrtException.class,
        () -> TrtConversionParams.builder().maxEngines(0).build()).getMessage());
    assertTrue(assertThrows(TftrtException.class,
        () -> TrtConversionParams.builder().maxWorkspaceSizeBytes(-1).build()).getMessage()
        .startsWith("maxWorkspaceSizeBytes must be a positive number of bytes"));
    assertTrue(assertThrows(TftrtException.class,
        () -> TrtConversionParams.builder().opDenylist("Conv2D", " Relu").build()).getMessage()
        .contains("\" Relu\""));
  }

  /** Issue 8: every size refuses zero and negative values, naming the field, the bound and the value. */
  @ParameterizedTest
  @CsvSource({"maxBatchSize,0", "maxBatchSize,-1", "minimumSegmentSize,0", "minimumSegmentSize,-3",
      "maximumCachedEngines,0", "maximumCachedEngines,-1", "maxEngines,0", "maxEngines,-5",
      "maxWorkspaceSizeBytes,0", "maxWorkspaceSizeBytes,-1"})
  void zeroAndNegativeSizesNameTheFieldAndTheBound(String field, long value) {
    BiFunction<TrtConversionParams.Builder, Long, TrtConversionParams.Builder> set = switch (field) {
      case "maxBatchSize" -> (b, v) -> b.maxBatchSize(Math.toIntExact(v));
      case "minimumSegmentSize" -> (b, v) -> b.minimumSegmentSize(Math.toIntExact(v));
      case "maximumCachedEngines" -> (b, v) -> b.maximumCachedEngines(Math.toIntExact(v));
      case "maxEngines" -> (b, v) -> b.maxEngines(Math.toIntExact(v));
      default -> TrtConversionParams.Builder::maxWorkspaceSizeBytes;
    };
    String m = assertThrows(TftrtException.class,
        () -> set.apply(TrtConversionParams.builder(), value).build()).getMessage();
    assertTrue(m.startsWith(field + " must be "), m);
    assertTrue(m.contains(">= 1") || m.contains("positive number of bytes"), "says what is allowed: " + m);
    assertTrue(m.endsWith("was " + value), "says what was given: " + m);
  }

  @Test
  void unknownPrecisionListsTheSupportedOnesWhereverItIsGiven() {
    assertEquals("precision 'fp64' is not supported; use one of FP32, FP16, INT8",
        assertThrows(TftrtException.class, () -> Precision.parse("fp64")).getMessage());
    assertEquals("precisionMode 'null' is not supported; use one of FP32, FP16, INT8",
        assertThrows(TftrtException.class, () -> TrtConversionParams.builder().precisionMode((String) null))
            .getMessage());
    assertTrue(assertThrows(TftrtException.class,
        () -> TrtConversionParams.builder().precisionMode((Precision) null)).getMessage()
        .startsWith("precisionMode must be one of FP32, FP16, INT8"));
  }

  @Test
  void badJsonNamesTheField() {
    assertTrue(assertThrows(TftrtException.class, () -> TrtConversionParams.fromJson("{\"minSegSize\": 3}"))
        .getMessage().startsWith("unknown conversion parameter 'minSegSize'; known: precisionMode"));
    assertEquals("conversion parameter 'useCalibration' has the wrong type: \"yes\"", assertThrows(
        TftrtException.class, () -> TrtConversionParams.fromJson("{\"useCalibration\": \"yes\"}")).getMessage());
    assertTrue(assertThrows(TftrtException.class, () -> TrtConversionParams.fromJson("{\"precisionMode\": \"FP8\"}"))
        .getMessage().startsWith("precisionMode 'FP8'"));
  }
}
