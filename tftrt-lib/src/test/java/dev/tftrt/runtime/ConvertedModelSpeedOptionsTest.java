package dev.tftrt.runtime;

import static dev.tftrt.ConverterFixtures.smallCnnBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.ConverterFixtures;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.engine.RecordingTensorRtBackend;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.zoo.GeneratedModels;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conversion parameters for speed reach the engines: the builder optimization level, TF32 and the number
 * of optimization profiles in every recorded build, one context per profile for concurrent calls, and the CUDA
 * graphs flag in every context the runtime makes. Engines compute in TensorFlow (no GPU needed).
 */
class ConvertedModelSpeedOptionsTest {
  @Test
  void levelTf32ProfilesAndGraphsReachEveryBuildAndContext(@TempDir Path dir) throws Exception {
    TrtConversionParams params = TrtConversionParams.builder().maxBatchSize(4).builderOptimizationLevel(5)
        .executionContextsPerEngine(2).cudaGraphs(true).allowTf32(true).build();
    try (TensorFlowEngines engines = new TensorFlowEngines();
        ConvertedModel m = ConverterFixtures.converter(GeneratedModels.smallCnn(), params,
            ConverterFixtures.SMALL_CNN_OPS).withBackend(engines.backend()).withNetworks(engines)
            .build(List.of(smallCnnBatch(1, 1)))) {
      RecordingTensorRtBackend backend = engines.backend();
      assertTrue(backend.builds().size() >= 1, "at least one engine built");
      backend.builds().forEach(b -> {
        assertEquals(5, b.config().optimizationLevel(), b.config().toString());
        assertEquals(2, b.config().executionContexts(), b.config().toString());
        assertTrue(b.config().tf32(), b.config().toString());
      });
      TensorValue sequential = m.run(smallCnnBatch(3, 7)).get(ModelZoo.OUTPUT_KEY);

      // Two calls held inside their engines at once need the second profile of each engine.
      int engineCount = backend.builds().size();
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<TensorValue>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          calls.add(pool.submit(() -> m.run(smallCnnBatch(3, 7)).get(ModelZoo.OUTPUT_KEY)));
        }
        for (Future<TensorValue> f : calls) {
          assertEquals(sequential, f.get(120, TimeUnit.SECONDS));
        }
      } finally {
        pool.shutdownNow();
      }
      List<RecordingTensorRtBackend.ContextRecord> contexts = backend.contexts();
      assertTrue(contexts.stream().allMatch(RecordingTensorRtBackend.ContextRecord::cudaGraphs), contexts.toString());
      assertTrue(contexts.stream().allMatch(c -> c.profile() == 0 || c.profile() == 1), contexts.toString());
      assertTrue(contexts.size() <= 2 * engineCount, "no more contexts than profiles: " + contexts);
      assertEquals(List.of(), m.fallbacks());

      // The options are part of the saved model's parameters.
      Path saved = m.save(dir.resolve("saved"));
      assertEquals(params, ConvertedModelFiles.read(saved).contents().params());
    }
  }

  /** With one profile per engine, concurrent calls take turns on one context per engine and none fails. */
  @Test
  void oneContextPerEngineByDefault() throws Exception {
    try (TensorFlowEngines engines = new TensorFlowEngines();
        ConvertedModel m = ConverterFixtures.converter(GeneratedModels.smallCnn(),
            TrtConversionParams.builder().maxBatchSize(4).build(), ConverterFixtures.SMALL_CNN_OPS)
            .withBackend(engines.backend()).withNetworks(engines).build(List.of(smallCnnBatch(1, 1)))) {
      int engineCount = engines.backend().builds().size();
      assertTrue(engines.backend().builds().stream().noneMatch(b -> b.config().tf32()), "TF32 off by default");
      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<TensorValue>> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          calls.add(pool.submit(() -> {
            start.await();
            return m.run(smallCnnBatch(2, 3)).get(ModelZoo.OUTPUT_KEY);
          }));
        }
        start.countDown();
        for (Future<TensorValue> f : calls) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(engineCount, engines.backend().contexts().size(), "one context per engine, shared by turns");
      assertTrue(engines.backend().contexts().stream().noneMatch(RecordingTensorRtBackend.ContextRecord::cudaGraphs));
      assertEquals(List.of(), m.fallbacks());
    }
  }
}
