package dev.tftrt.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

class ModelZooTest {
  @TempDir static Path dir;
  static Path smallCnn;
  static Path inception;
  static Path resnet;

  @BeforeAll
  static void generate() {
    smallCnn = GeneratedModels.smallCnn();
    inception = GeneratedModels.inceptionBlock();
    resnet = GeneratedModels.resnet50();
  }

  @Test
  void smallCnnRunsAndHasTheConvChainsItPromises() {
    float[][] p = predict(smallCnn, 32, 32, 3);
    assertProbabilities(p, 10);
    Map<String, Integer> ops = inferenceOps(smallCnn);
    assertEquals(4, ops.get("Conv2D"));
    assertEquals(5, ops.get("BiasAdd"));
    assertEquals(4, ops.get("Relu"));
    assertEquals(2, ops.get("MaxPool"));
    assertEquals(1, ops.get("Reshape"));
    assertEquals(1, ops.get("MatMul"));
    assertEquals(1, ops.get("Softmax"));
    assertEquals(10, ops.get("VariableV2"), "every weight is a real variable (kernels and biases)");
    assertFalse(ops.containsKey("Const") && ops.get("Const") > 1, "only the flatten shape is a constant: " + ops);
  }

  @Test
  void inceptionBlockHasThreeOneByOneConvolutionsOnTheInputConcatenated() {
    assertProbabilities(predict(inception, 28, 28, 192), 10);
    dev.tftrt.graph.Graph g = graph(inception);
    List<Node> onInput = g.nodes().stream()
        .filter(n -> n.op().equals("Conv2D") && n.input(0).node().equals(ModelZoo.INPUT_KEY))
        .collect(Collectors.toList());
    assertEquals(3, onInput.size(), "three convolutions read the input");
    for (Node conv : onInput) {
      long[] kernel = g.node(conv.input(1).node()).shapeAttr("shape").dims();
      assertEquals(1, kernel[0]);
      assertEquals(1, kernel[1]);
      assertArrayEquals(new long[] {1, 1, 1, 1}, conv.intsAttr("strides"));
      assertEquals("SAME", conv.stringAttr("padding", ""));
    }
    Map<String, Integer> ops = inferenceOps(inception);
    assertEquals(6, ops.get("Conv2D"));
    assertEquals(1, ops.get("ConcatV2"));
    assertEquals(1, ops.get("MaxPool"));
    assertEquals(1, ops.get("Mean"));
  }

  @Test
  void resnet50IsV15WithFiftyThreeInferenceBatchNorms() {
    float[][] p = predict(resnet, 224, 224, 3);
    assertProbabilities(p, 1000);
    for (float[] row : p) {
      float max = 0;
      for (float v : row) {
        max = Math.max(max, v);
      }
      assertTrue(max < 0.9f && max > 2f / 1000, "logits are well scaled, max probability " + max);
    }
    dev.tftrt.graph.Graph g = graph(resnet);
    Map<String, Integer> ops = inferenceOps(resnet);
    assertEquals(53, ops.get("FusedBatchNormV3"));
    assertEquals(53, ops.get("Conv2D"));
    assertEquals(16, ops.get("AddV2"), "one residual sum per bottleneck");
    assertEquals(49, ops.get("Relu"));
    assertEquals(1, ops.get("MatMul"));
    assertEquals(1, ops.get("Softmax"));
    g.nodes().stream().filter(n -> n.op().equals("FusedBatchNormV3"))
        .forEach(n -> assertFalse(n.boolAttr("is_training", true), n.name()));
    // v1.5: the first block of stages 3-5 strides on its 3x3 convolution, not on the first 1x1.
    for (String block : List.of("stage3_block1", "stage4_block1", "stage5_block1")) {
      assertArrayEquals(new long[] {1, 2, 2, 1}, g.node(block + "/conv2/Conv2D").intsAttr("strides"));
      assertArrayEquals(new long[] {1, 1, 1, 1}, g.node(block + "/conv1/Conv2D").intsAttr("strides"));
      assertArrayEquals(new long[] {1, 2, 2, 1}, g.node(block + "/shortcut/Conv2D").intsAttr("strides"));
    }
  }

  @Test
  void resnet50ActivationsStayNearUnitScaleThroughTheNetwork() {
    try (SavedModelBundle b = SavedModelBundle.load(resnet.toString(), ModelZoo.TAG);
        TFloat32 x = randomBatch(1, 224, 224, 3);
        Result r = b.session().runner().feed(ModelZoo.INPUT_KEY, x)
            .fetch("stage2_block1/Relu").fetch("stage4_block6/Relu").fetch("stage5_block3/Relu").run()) {
      for (int i = 0; i < 3; i++) {
        double meanSquare = meanSquare((TFloat32) r.get(i));
        assertTrue(meanSquare > 0.05 && meanSquare < 20, "block output " + i + " mean square " + meanSquare);
      }
    }
  }

  /**
   * The residual branches start small, as trained ResNets have them (gamma 0.1-0.3 on each branch's last batch
   * norm), yet none is dead: each one still adds a visible part of its block's sum, so every layer matters.
   */
  @Test
  void resnet50ResidualBranchesAreSmallButEveryOneCounts() {
    List<String> blocks = new java.util.ArrayList<>();
    int[] counts = {3, 4, 6, 3};
    for (int stage = 0; stage < counts.length; stage++) {
      for (int block = 1; block <= counts[stage]; block++) {
        blocks.add("stage" + (stage + 2) + "_block" + block);
      }
    }
    try (SavedModelBundle b = SavedModelBundle.load(resnet.toString(), ModelZoo.TAG);
        TFloat32 x = randomBatch(1, 224, 224, 3)) {
      org.tensorflow.Session.Runner runner = b.session().runner().feed(ModelZoo.INPUT_KEY, x);
      blocks.forEach(block -> runner.fetch(block + "/conv3/bn/FusedBatchNormV3").fetch(block + "/add"));
      try (Result r = runner.run()) {
        StringBuilder ratios = new StringBuilder();
        for (int i = 0; i < blocks.size(); i++) {
          double ratio = Math.sqrt(meanSquare((TFloat32) r.get(2 * i)) / meanSquare((TFloat32) r.get(2 * i + 1)));
          ratios.append(String.format(java.util.Locale.ROOT, " %.2f", ratio));
          assertTrue(ratio > 0.05 && ratio < 0.5, blocks.get(i) + ": branch / sum root mean square " + ratio);
        }
        System.out.println("ZOO resnet50 residual branch / sum root mean square, 16 blocks:" + ratios);
      }
    }
  }

  @Test
  void generationIsDeterministic() throws IOException {
    Path again = ModelZoo.smallCnn(dir.resolve("small_cnn_again"));
    assertArrayEquals(Files.readAllBytes(smallCnn.resolve("variables/variables.data-00000-of-00001")),
        Files.readAllBytes(again.resolve("variables/variables.data-00000-of-00001")));
  }

  @Test
  void refusesANonEmptyOutputDirectoryAndLeavesItAlone() throws IOException {
    Path out = Files.createDirectories(dir.resolve("taken"));
    Files.writeString(out.resolve("keep.txt"), "mine");
    TftrtException e = assertThrows(TftrtException.class, () -> ModelZoo.smallCnn(out));
    assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    assertEquals(Set.of(out.resolve("keep.txt")), Files.list(out).collect(Collectors.toSet()));
    assertEquals(0, Files.list(dir).filter(p -> p.getFileName().toString().startsWith(".taken")).count(),
        "no temporary directory is left behind");
  }

  @Test
  void writesIntoAnExistingEmptyDirectory() throws IOException {
    Path out = Files.createDirectories(dir.resolve("empty"));
    ModelZoo.create(ModelZoo.SMALL_CNN, out);
    assertTrue(Files.isRegularFile(out.resolve("saved_model.pb")));
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    TftrtException e = assertThrows(TftrtException.class, () -> ModelZoo.create("vgg", dir.resolve("vgg")));
    assertTrue(e.getMessage().contains("resnet50") && e.getMessage().contains("vgg"), e.getMessage());
  }

  static float[][] predict(Path model, long... imageShape) {
    try (SavedModelBundle b = SavedModelBundle.load(model.toString(), ModelZoo.TAG)) {
      Signature s = b.function(ModelZoo.SIGNATURE_KEY).signature();
      Shape declared = s.getInputs().get(ModelZoo.INPUT_KEY).shape;
      assertEquals(-1, declared.get(0), "batch is dynamic");
      long[] dims = new long[imageShape.length + 1];
      dims[0] = 2;
      System.arraycopy(imageShape, 0, dims, 1, imageShape.length);
      assertArrayEquals(dims, replaceBatch(declared.asArray(), 2));
      try (TFloat32 x = randomBatch(dims);
          Result r = b.function(ModelZoo.SIGNATURE_KEY).call(Map.of(ModelZoo.INPUT_KEY, x))) {
        TFloat32 y = (TFloat32) r.get(ModelZoo.OUTPUT_KEY).orElseThrow();
        float[][] rows = new float[(int) y.shape().get(0)][(int) y.shape().get(1)];
        for (int i = 0; i < rows.length; i++) {
          for (int j = 0; j < rows[i].length; j++) {
            rows[i][j] = y.getFloat(i, j);
          }
        }
        return rows;
      }
    }
  }

  static void assertProbabilities(float[][] p, int classes) {
    assertEquals(2, p.length);
    for (float[] row : p) {
      assertEquals(classes, row.length);
      double sum = 0;
      for (float v : row) {
        assertTrue(Float.isFinite(v) && v >= 0, "probability " + v);
        sum += v;
      }
      assertEquals(1.0, sum, 1e-4);
    }
    assertFalse(java.util.Arrays.equals(p[0], p[1]), "different inputs give different outputs");
  }

  /** Op counts of what the signature's output depends on (the exporter's save/restore ops left out). */
  static Map<String, Integer> inferenceOps(Path model) {
    dev.tftrt.graph.Graph g = graph(model);
    Map<String, Integer> h = new TreeMap<>();
    for (String name : g.ancestors(List.of(ModelZoo.OUTPUT_KEY), false)) {
      h.merge(g.node(name).op(), 1, Integer::sum);
    }
    return h;
  }

  static dev.tftrt.graph.Graph graph(Path model) {
    try (SavedModelBundle b = SavedModelBundle.load(model.toString(), ModelZoo.TAG)) {
      return GraphDefs.fromProto(b.metaGraphDef().getGraphDef());
    }
  }

  static TFloat32 randomBatch(long... dims) {
    SplittableRandom random = new SplittableRandom(7);
    float[] values = new float[Math.toIntExact(Shape.of(dims).size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextDouble();
    }
    return TFloat32.tensorOf(Shape.of(dims), DataBuffers.of(values, true, false));
  }

  private static long[] replaceBatch(long[] dims, long batch) {
    long[] copy = dims.clone();
    copy[0] = batch;
    return copy;
  }

  private static double meanSquare(TFloat32 t) {
    float[] values = new float[Math.toIntExact(t.size())];
    t.copyTo(DataBuffers.of(values, false, false));
    double sum = 0;
    for (float v : values) {
      sum += (double) v * v;
    }
    return sum / values.length;
  }
}
