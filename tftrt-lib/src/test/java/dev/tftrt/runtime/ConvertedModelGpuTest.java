package dev.tftrt.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.bench.SavedModelTarget;
import dev.tftrt.data.FashionMnist;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.data.InputBatches;
import dev.tftrt.engine.RequiredTensorRt;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.savedmodel.ModelDirs;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Converted models on a real GPU against native TensorFlow: FP32 within 1e-4 relative L2 error, FP16 and FP32
 * with TF32 within 1e-2 (on the generated models, the trained Fashion-MNIST classifier and a trained TensorFlow 2
 * model, MLPerf Tiny's keyword-spotting DS-CNN), INT8 calibrated on 500 Fashion-MNIST training images within 1
 * point of FP32's top-1 on the 10,000 test images; saved engines reused on the same GPU; many threads get what
 * one thread gets. Lines starting {@code RESULT} are the numbers for docs/gpu-results.md.
 */
@Tag("gpu")
class ConvertedModelGpuTest {
  static final int MAX_BATCH = 8;
  /** MLPerf Tiny's keyword-spotting DS-CNN, trained and saved by TensorFlow 2 (not by this project). */
  static final String KWS = "kws";

  @TempDir
  static Path tmp;

  @BeforeAll
  static void gpu() {
    System.out.println("RESULT machine: " + RequiredTensorRt.backend().availability().describe());
  }

  static Path model(String name) {
    return switch (name) {
      case ModelZoo.SMALL_CNN -> GeneratedModels.smallCnn();
      case ModelZoo.INCEPTION_BLOCK -> GeneratedModels.inceptionBlock();
      case ModelZoo.RESNET50 -> GeneratedModels.resnet50();
      case ModelZoo.FASHION_MNIST -> GeneratedModels.fashionMnist().model();
      case KWS -> ModelDirs.KWS;
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** {@code n} rows uniform in [0, 1) for the model's one input (the zoo's {@value ModelZoo#INPUT_KEY} or another). */
  static Map<String, TensorValue> randomBatch(Map<String, TensorInfo> inputs, int n, long seed) {
    Random r = new Random(seed);
    String name = inputs.containsKey(ModelZoo.INPUT_KEY) ? ModelZoo.INPUT_KEY : only(inputs.keySet());
    TensorInfo info = inputs.get(name);
    Shape shape = info.shape().withDim(0, n);
    float[] v = new float[Math.toIntExact(shape.numElements())];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat();
    }
    return Map.of(name, TensorValue.ofFloats(shape, v));
  }

  private static String only(Set<String> names) {
    assertEquals(1, names.size(), "one input or output expected: " + names);
    return names.iterator().next();
  }

  static double relativeL2(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < expected.length; i++) {
      diff += Math.pow(actual[i] - expected[i], 2);
      norm += Math.pow(expected[i], 2);
    }
    return Math.sqrt(diff / norm);
  }

  static TrtGraphConverterV2 converter(Path model, Precision precision, int maxBatch) {
    return converter(model, precision, false, maxBatch);
  }

  static TrtGraphConverterV2 converter(Path model, Precision precision, boolean tf32, int maxBatch) {
    return new TrtGraphConverterV2(model, TrtConversionParams.builder().precisionMode(precision)
        .maxBatchSize(maxBatch).allowTf32(tf32).build()).withProgress(m -> System.out.println("  " + m));
  }

  static void assertEveryEngineBuilt(ConvertedModel m) {
    assertFalse(m.segments().isEmpty(), "nothing converted");
    m.segments().forEach(s -> assertFalse(s.engineProfiles().isEmpty(), s.toString()));
  }

  @ParameterizedTest
  @CsvSource({"small-cnn, FP32, 1e-4", "small-cnn, FP16, 1e-2", "inception-block, FP32, 1e-4",
      "inception-block, FP16, 1e-2", "fashion-mnist, FP32, 1e-4", "fashion-mnist, FP16, 1e-2"})
  void matchesNativeTensorFlow(String name, Precision precision, double tolerance) {
    compareWithNative(name, precision, false, tolerance);
  }

  @ParameterizedTest
  @CsvSource({"resnet50, FP32, 1e-4", "resnet50, FP16, 1e-2"})
  void resnet50MatchesNativeTensorFlow(String name, Precision precision, double tolerance) {
    compareWithNative(name, precision, false, tolerance);
  }

  /** TF32 (allowTf32) trades FP32's ~1e-6 for FP16-like errors: held to FP16's limit. */
  @Test
  void resnet50WithTf32MatchesNativeTensorFlowLikeFp16() {
    compareWithNative(ModelZoo.RESNET50, Precision.FP32, true, 1e-2);
  }

  /**
   * A network trained by someone else (MLPerf Tiny's DS-CNN, Apache-2.0, saved by TensorFlow 2.3 with its compute
   * in functions): inputs uniform in [0, 1) in place of its 49x10 MFCC features.
   */
  @ParameterizedTest
  @CsvSource({"kws, FP32, 1e-4", "kws, FP16, 1e-2"})
  void trainedKwsMatchesNativeTensorFlow(String name, Precision precision, double tolerance) {
    compareWithNative(name, precision, false, tolerance);
  }

  private static void compareWithNative(String name, Precision precision, boolean tf32, double tolerance) {
    Path dir = model(name);
    long start = System.nanoTime();
    TrtGraphConverterV2 c = converter(dir, precision, tf32, MAX_BATCH);
    c.convert();
    try (SavedModelTarget reference = SavedModelTarget.load(dir); ConvertedModel m = c.build(null)) {
      double buildSeconds = (System.nanoTime() - start) / 1e9;
      assertEveryEngineBuilt(m);
      String output = reference.outputs().containsKey(ModelZoo.OUTPUT_KEY) ? ModelZoo.OUTPUT_KEY
          : only(reference.outputs().keySet());
      for (int n : new int[] {1, MAX_BATCH}) {
        Map<String, TensorValue> in = randomBatch(reference.inputs(), n, 7 + n);
        double err = relativeL2(reference.run(in).get(output).toFloats(), m.run(in).get(output).toFloats());
        System.out.printf(Locale.ROOT, "RESULT %s %s%s batch %d: relative L2 error %.3g (limit %.0e); %d segments, "
            + "converted in %.1f s%n", name, precision, tf32 ? "+TF32" : "", n, err, tolerance, m.segments().size(),
            buildSeconds);
        assertTrue(err <= tolerance, name + " " + precision + " batch " + n + ": relative L2 " + err);
      }
      assertEquals(List.of(), m.fallbacks(), "every segment ran on its engine");
    }
  }

  static double top1(ConvertedModel m, IdxDataset data) {
    int correct = 0;
    int i = 0;
    for (Map<String, TensorValue> batch : InputBatches.of(data, ModelZoo.INPUT_KEY, 100)) {
      float[] p = m.run(batch).get(ModelZoo.OUTPUT_KEY).toFloats();
      for (int row = 0; row < p.length / 10; row++, i++) {
        int best = 0;
        for (int k = 1; k < 10; k++) {
          if (p[row * 10 + k] > p[row * 10 + best]) {
            best = k;
          }
        }
        correct += best == data.label(i) ? 1 : 0;
      }
    }
    return 100.0 * correct / data.size();
  }

  @Test
  void int8CalibratedOn500TrainingImagesKeepsTop1WithinOnePointOfFp32() throws Exception {
    Path dir = model(ModelZoo.FASHION_MNIST);
    IdxDataset test = FashionMnist.test();
    List<Map<String, TensorValue>> calibration = InputBatches.of(FashionMnist.train().shuffled(42).first(500),
        ModelZoo.INPUT_KEY, 50);
    TrtGraphConverterV2 fp32 = converter(dir, Precision.FP32, 100);
    fp32.convert();
    TrtGraphConverterV2 int8 = converter(dir, Precision.INT8, 100);
    int8.convert(calibration);
    try (ConvertedModel a = fp32.build(null); ConvertedModel b = int8.build(null)) {
      assertEveryEngineBuilt(b);
      double fp32Top1 = top1(a, test);
      double int8Top1 = top1(b, test);
      System.out.printf(Locale.ROOT, "RESULT fashion-mnist top-1 on %d test images: FP32 %.2f%%, INT8 %.2f%% "
          + "(calibrated on 500 training images), difference %.2f points%n", test.size(), fp32Top1, int8Top1,
          int8Top1 - fp32Top1);
      assertTrue(Math.abs(int8Top1 - fp32Top1) <= 1.0, "INT8 " + int8Top1 + " vs FP32 " + fp32Top1);
      assertEquals(List.of(), b.fallbacks());
      Path saved = int8.save(tmp.resolve("fashion-int8"));
      try (var tables = Files.list(saved.resolve("calibration"))) {
        assertTrue(tables.findAny().isPresent(), "calibration table saved");
      }
    }
  }

  @Test
  void savedEnginesAreReusedOnTheSameGpuAndRebuiltFromTheTimingCache() throws Exception {
    Path dir = model(ModelZoo.INCEPTION_BLOCK);
    TrtGraphConverterV2 c = converter(dir, Precision.FP16, MAX_BATCH);
    c.convert();
    Map<String, TensorValue> in;
    float[] before;
    long start = System.nanoTime();
    try (ConvertedModel m = c.build(null)) {
      double buildSeconds = (System.nanoTime() - start) / 1e9;
      in = randomBatch(m.inputs(), MAX_BATCH, 3);
      before = m.run(in).get(ModelZoo.OUTPUT_KEY).toFloats();
      System.out.printf(Locale.ROOT, "RESULT inception-block FP16 first build %.1f s%n", buildSeconds);
    }
    Path saved = c.save(tmp.resolve("inception-fp16"));
    assertTrue(Files.size(saved.resolve("timing.cache")) > 0, "timing cache saved");
    start = System.nanoTime();
    try (ConvertedModel m = ConvertedModel.load(saved)) {
      System.out.printf(Locale.ROOT, "RESULT inception-block FP16 load with engine reuse %.2f s%n",
          (System.nanoTime() - start) / 1e9);
      assertEquals(List.of(), m.messages(), "nothing rebuilt");
      float[] after = m.run(in).get(ModelZoo.OUTPUT_KEY).toFloats();
      for (int i = 0; i < before.length; i++) {
        assertEquals(before[i], after[i], 1e-6f, "element " + i);
      }
      assertEquals(List.of(), m.fallbacks());
    }
    try (var plans = Files.walk(saved.resolve("engines"))) {
      for (Path p : plans.filter(Files::isRegularFile).toList()) {
        Files.write(p, new byte[] {1, 2, 3});
      }
    }
    start = System.nanoTime();
    try (ConvertedModel m = ConvertedModel.load(saved)) {
      System.out.printf(Locale.ROOT, "RESULT inception-block FP16 rebuild with the timing cache %.1f s%n",
          (System.nanoTime() - start) / 1e9);
      assertTrue(m.messages().stream().anyMatch(s -> s.contains("rebuilt the engine")), m.messages().toString());
      assertEveryEngineBuilt(m);
      assertTrue(relativeL2(before, m.run(in).get(ModelZoo.OUTPUT_KEY).toFloats()) < 1e-2);
    }
  }

  @Test
  void manyThreadsGetWhatOneThreadGets() throws Exception {
    TrtGraphConverterV2 c = converter(model(ModelZoo.SMALL_CNN), Precision.FP32, MAX_BATCH);
    c.convert();
    try (ConvertedModel m = c.build(null)) {
      assertEveryEngineBuilt(m);
      List<Map<String, TensorValue>> inputs = new ArrayList<>();
      List<float[]> sequential = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        inputs.add(randomBatch(m.inputs(), 1 + i % MAX_BATCH, i));
        sequential.add(m.run(inputs.get(i)).get(ModelZoo.OUTPUT_KEY).toFloats());
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<float[]>> futures = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
          for (Map<String, TensorValue> in : inputs) {
            futures.add(pool.submit(() -> m.run(in).get(ModelZoo.OUTPUT_KEY).toFloats()));
          }
        }
        for (int k = 0; k < futures.size(); k++) {
          float[] expected = sequential.get(k % 16);
          float[] actual = futures.get(k).get(120, TimeUnit.SECONDS);
          for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6f, "call " + k + " element " + i);
          }
        }
        System.out.println("RESULT small-cnn FP32: " + futures.size() + " calls on 8 threads equal to sequential");
      } finally {
        pool.shutdownNow();
      }
      assertEquals(List.of(), m.fallbacks());
    }
  }
}
