package dev.tftrt.zoo;

import dev.tftrt.TftrtException;
import dev.tftrt.data.FashionMnist;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.data.LabeledBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.types.TFloat32;

/**
 * A small CNN trained on the Fashion-MNIST training split with TensorFlow's own graph-mode gradients and Adam,
 * written as a SavedModel like the zoo's ({@value ModelZoo#INPUT_KEY} float32 [-1, 28, 28, 1] in [0, 1] ->
 * {@value ModelZoo#OUTPUT_KEY} [-1, 10]). Architecture: Conv2D 3x3x16 + BiasAdd + Relu, MaxPool, Conv2D
 * 3x3x32 + BiasAdd + Relu, MaxPool, Reshape, MatMul 64 + BiasAdd + Relu, MatMul 10 + BiasAdd, Softmax.
 *
 * <p>The exported graph is rebuilt from the trained values by the same code, so it holds no training ops;
 * its weights stay {@code VariableV2}.
 */
public final class FashionMnistClassifier {
  /** What training did, and how well the written model classifies the 10,000 test images. */
  public record TrainingReport(Path model, int trainImages, int epochs, double initialLoss,
      List<Double> epochLosses, double testAccuracy, double seconds) {}

  private static final long SEED = 20240602L;
  private static final int BATCH = 64;
  private static final int CLASSES = 10;
  private static final float LEARNING_RATE = 2e-3f;
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-7f;

  private FashionMnistClassifier() {}

  /** Trains on all 60,000 training images for {@code epochs}, with progress on stderr. */
  public static TrainingReport train(Path out, int epochs) {
    return train(out, epochs, 60_000, System.err::println);
  }

  /**
   * Trains on the first {@code trainImages} of the (seeded) shuffled training split for {@code epochs}, writes
   * the SavedModel to {@code out} (which must not exist or be empty; written atomically), and measures top-1 on
   * the test split with the written model. {@code progress} gets one line per epoch.
   */
  public static TrainingReport train(Path out, int epochs, int trainImages, Consumer<String> progress) {
    if (epochs < 1 || trainImages < BATCH) {
      throw new TftrtException("training needs at least 1 epoch and " + BATCH + " images (got "
          + epochs + " epochs, " + trainImages + " images)");
    }
    long start = System.nanoTime();
    IdxDataset train = FashionMnist.train().shuffled(SEED).first(trainImages);
    IdxDataset test = FashionMnist.test();
    List<float[]> weights = new ArrayList<>();
    List<Double> epochLosses = new ArrayList<>();
    double initialLoss = fit(train, epochs, weights, epochLosses, progress, start);
    Path model = ModelOutput.writeAtomically(out, dir -> {
      try (ModelGraph g = new ModelGraph(SEED, weights)) {
        Placeholder<TFloat32> input = g.input(ModelZoo.INPUT_KEY, -1, 28, 28, 1);
        Operand<TFloat32> logits = logits(g, input);
        g.export(dir, input, g.ops().withName(ModelZoo.OUTPUT_KEY).nn.softmax(logits));
      }
    });
    double accuracy = accuracy(model, test);
    double seconds = (System.nanoTime() - start) / 1e9;
    progress.accept(String.format("test top-1 %.4f on %d images; model written to %s (%.1f s in all)",
        accuracy, test.size(), model, seconds));
    return new TrainingReport(model, train.size(), epochs, initialLoss, List.copyOf(epochLosses), accuracy, seconds);
  }

  /** Top-1 accuracy of a SavedModel with the zoo's signature on a labelled dataset. */
  public static double accuracy(Path model, IdxDataset data) {
    int correct = 0;
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), ModelZoo.TAG)) {
      for (int from = 0; from < data.size(); from += 1000) {
        LabeledBatch batch = data.batch(from, Math.min(1000, data.size() - from));
        try (TFloat32 x = batch.tensor();
            Result r = bundle.function(ModelZoo.SIGNATURE_KEY).call(Map.of(ModelZoo.INPUT_KEY, x))) {
          TFloat32 p = (TFloat32) r.get(ModelZoo.OUTPUT_KEY).orElseThrow();
          for (int i = 0; i < batch.size(); i++) {
            int best = 0;
            for (int c = 1; c < CLASSES; c++) {
              if (p.getFloat(i, c) > p.getFloat(i, best)) {
                best = c;
              }
            }
            correct += best == batch.labels()[i] ? 1 : 0;
          }
        }
      }
    }
    return correct / (double) data.size();
  }

  private static Operand<TFloat32> logits(ModelGraph g, Operand<TFloat32> input) {
    Ops tf = g.ops();
    Operand<TFloat32> x = g.conv2dBiasRelu(g.scope("conv1"), input, 3, 16, 1);
    x = g.maxPool("pool1", x, 2, 2);
    x = g.conv2dBiasRelu(g.scope("conv2"), x, 3, 32, 1);
    x = g.maxPool("pool2", x, 2, 2);
    x = tf.withName("flatten").reshape(x, tf.constant(new int[] {-1, 7 * 7 * 32}));
    Ops dense1 = g.scope("dense1");
    x = dense1.withName("Relu").nn.relu(g.dense(dense1, x, 64));
    return g.dense(g.scope("dense2"), x, CLASSES);
  }

  /** Runs Adam over the data; fills the trained weights and per-epoch mean losses; returns the first batches' loss. */
  private static double fit(IdxDataset train, int epochs, List<float[]> weights, List<Double> epochLosses,
      Consumer<String> progress, long start) {
    try (ModelGraph g = new ModelGraph(SEED)) {
      Ops tf = g.ops();
      Placeholder<TFloat32> input = g.input("images", -1, 28, 28, 1);
      Placeholder<TFloat32> labels = tf.withName("labels").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, CLASSES)));
      Operand<TFloat32> logits = logits(g, input);
      Operand<TFloat32> loss = tf.withName("loss").math.mean(
          tf.nn.softmaxCrossEntropyWithLogits(logits, labels).loss(), tf.constant(0));
      List<Variable<TFloat32>> variables = g.variables();
      Gradients gradients = tf.gradients(loss, variables);
      Placeholder<TFloat32> beta1Power = tf.withName("beta1_power").placeholder(TFloat32.class);
      Placeholder<TFloat32> beta2Power = tf.withName("beta2_power").placeholder(TFloat32.class);
      List<ApplyAdam<TFloat32>> updates = new ArrayList<>();
      Ops init = tf.withInitScope();
      for (int i = 0; i < variables.size(); i++) {
        Variable<TFloat32> w = variables.get(i);
        Shape shape = w.shape();
        float[] zeros = new float[Math.toIntExact(shape.size())];
        Variable<TFloat32> m = tf.variable(init.constant(shape, DataBuffers.of(zeros, true, false)));
        Variable<TFloat32> v = tf.variable(init.constant(shape, DataBuffers.of(zeros, true, false)));
        updates.add(tf.train.applyAdam(w, m, v, beta1Power, beta2Power, tf.constant(LEARNING_RATE),
            tf.constant(BETA1), tf.constant(BETA2), tf.constant(EPSILON), gradients.<TFloat32>dy(i)));
      }
      Session session = g.session();
      double initialLoss = Double.NaN;
      double firstLosses = 0;
      int step = 0;
      for (int epoch = 1; epoch <= epochs; epoch++) {
        IdxDataset data = epoch == 1 ? train : train.shuffled(SEED + epoch);
        double lossSum = 0;
        int batches = 0;
        for (int from = 0; from + BATCH <= data.size(); from += BATCH) {
          LabeledBatch batch = data.batch(from, BATCH);
          step++;
          try (TFloat32 x = batch.tensor();
              TFloat32 y = oneHot(batch.labels());
              TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(BETA1, step));
              TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(BETA2, step))) {
            Session.Runner runner = session.runner().feed(input, x).feed(labels, y)
                .feed(beta1Power, b1).feed(beta2Power, b2).fetch(loss);
            updates.forEach(runner::addTarget);
            try (Result r = runner.run()) {
              double value = ((TFloat32) r.get(0)).getFloat();
              lossSum += value;
              batches++;
              if (step <= 10) {
                firstLosses += value;
                initialLoss = firstLosses / step;
              }
            }
          }
        }
        double mean = lossSum / batches;
        epochLosses.add(mean);
        progress.accept(String.format("epoch %d/%d: mean loss %.4f over %d images (%.1f s)", epoch, epochs, mean,
            batches * BATCH, (System.nanoTime() - start) / 1e9));
      }
      weights.addAll(g.variableValues());
      return initialLoss;
    }
  }

  private static TFloat32 oneHot(int[] labels) {
    float[] values = new float[labels.length * CLASSES];
    for (int i = 0; i < labels.length; i++) {
      values[i * CLASSES + labels[i]] = 1f;
    }
    return TFloat32.tensorOf(Shape.of(labels.length, CLASSES), DataBuffers.of(values, true, false));
  }
}
