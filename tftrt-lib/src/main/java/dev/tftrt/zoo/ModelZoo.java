package dev.tftrt.zoo;

import dev.tftrt.TftrtException;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Models generated with TensorFlow Java and written as real SavedModels (tag {@value #TAG}, signature
 * {@value #SIGNATURE_KEY}: float32 NHWC {@value #INPUT_KEY} with batch -1 -> {@value #OUTPUT_KEY}, the
 * Softmax of the logits). Every weight is a {@code VariableV2} restored from the checkpoint, so loading
 * them exercises freezing. Weights are random from a fixed seed: the same call writes the same model.
 * Inputs are expected roughly in [0, 1].
 */
public final class ModelZoo {
  public static final String TAG = "serve";
  public static final String SIGNATURE_KEY = "serving_default";
  public static final String INPUT_KEY = "input";
  public static final String OUTPUT_KEY = "probabilities";

  public static final String SMALL_CNN = "small-cnn";
  public static final String INCEPTION_BLOCK = "inception-block";
  public static final String RESNET50 = "resnet50";
  /** Trained, not random: see {@link FashionMnistClassifier}. */
  public static final String FASHION_MNIST = "fashion-mnist";

  private static final long SEED = 20240601L;
  /** ResNet-50's gammas of the last batch norm in each residual branch: see {@link #resnet50}. */
  private static final double RESIDUAL_GAMMA_LOW = 0.1;
  private static final double RESIDUAL_GAMMA_HIGH = 0.3;

  private ModelZoo() {}

  /** The names {@link #create} accepts. */
  public static List<String> names() {
    return List.of(SMALL_CNN, INCEPTION_BLOCK, RESNET50, FASHION_MNIST);
  }

  /**
   * Writes the model called {@code name} (one of {@link #names()}) to {@code out}; {@value #FASHION_MNIST} is
   * trained for 3 epochs (about 15 s on two cores, progress on stderr).
   */
  public static Path create(String name, Path out) {
    switch (name) {
      case SMALL_CNN:
        return smallCnn(out);
      case INCEPTION_BLOCK:
        return inceptionBlock(out);
      case RESNET50:
        return resnet50(out);
      case FASHION_MNIST:
        return FashionMnistClassifier.train(out, 3).model();
      default:
        throw new TftrtException("unknown zoo model '" + name + "'; available: " + String.join(", ", names()));
    }
  }

  /**
   * A small CNN on [-1, 32, 32, 3]: two Conv2D+BiasAdd+Relu chains, MaxPool, two more chains, MaxPool,
   * flatten (Reshape), MatMul+BiasAdd to 10 logits, Softmax.
   */
  public static Path smallCnn(Path out) {
    return ModelOutput.writeAtomically(out, dir -> {
      try (ModelGraph g = new ModelGraph(SEED)) {
        Ops tf = g.ops();
        Placeholder<TFloat32> input = g.input(INPUT_KEY, -1, 32, 32, 3);
        Operand<TFloat32> x = g.conv2dBiasRelu(g.scope("conv1"), input, 3, 16, 1);
        x = g.conv2dBiasRelu(g.scope("conv2"), x, 3, 16, 1);
        x = g.maxPool("pool1", x, 2, 2);
        x = g.conv2dBiasRelu(g.scope("conv3"), x, 3, 32, 1);
        x = g.conv2dBiasRelu(g.scope("conv4"), x, 3, 32, 1);
        x = g.maxPool("pool2", x, 2, 2);
        x = tf.withName("flatten").reshape(x, tf.constant(new int[] {-1, 8 * 8 * 32}));
        Operand<TFloat32> logits = g.dense(g.scope("dense"), x, 10);
        g.export(dir, input, tf.withName(OUTPUT_KEY).nn.softmax(logits));
      }
    });
  }

  /**
   * An Inception (GoogLeNet 3a) block on [-1, 28, 28, 192]: three 1x1 Conv2D (stride 1, SAME) read the input
   * (64 filters; 96 before a 3x3 of 128; 16 before a 5x5 of 32), a 3x3 MaxPool branch ends in a 1x1 of 32, all
   * Conv2D+BiasAdd+Relu, joined by ConcatV2 on channels (256); then global average pool (Mean), MatMul+BiasAdd
   * to 10 logits and Softmax.
   */
  public static Path inceptionBlock(Path out) {
    return ModelOutput.writeAtomically(out, dir -> {
      try (ModelGraph g = new ModelGraph(SEED + 1)) {
        Ops tf = g.ops();
        Placeholder<TFloat32> input = g.input(INPUT_KEY, -1, 28, 28, 192);
        Operand<TFloat32> branch1 = g.conv2dBiasRelu(g.scope("branch1x1"), input, 1, 64, 1);
        Operand<TFloat32> branch3 = g.conv2dBiasRelu(g.scope("branch3x3_reduce"), input, 1, 96, 1);
        branch3 = g.conv2dBiasRelu(g.scope("branch3x3"), branch3, 3, 128, 1);
        Operand<TFloat32> branch5 = g.conv2dBiasRelu(g.scope("branch5x5_reduce"), input, 1, 16, 1);
        branch5 = g.conv2dBiasRelu(g.scope("branch5x5"), branch5, 5, 32, 1);
        Operand<TFloat32> pool = g.maxPool("branch_pool_max", input, 3, 1);
        pool = g.conv2dBiasRelu(g.scope("branch_pool"), pool, 1, 32, 1);
        Operand<TFloat32> block = tf.withName("concat").concat(
            List.of(branch1, branch3, branch5, pool), tf.constant(3));
        Operand<TFloat32> features = g.globalAveragePool("avg_pool", block);
        Operand<TFloat32> logits = g.dense(g.scope("dense"), features, 10);
        g.export(dir, input, tf.withName(OUTPUT_KEY).nn.softmax(logits));
      }
    });
  }

  /**
   * ResNet-50 v1.5 on [-1, 224, 224, 3] -> 1000 classes: 7x7/2 convolution, 3x3/2 MaxPool, bottleneck stages of
   * 3, 4, 6 and 3 blocks (the stride on the 3x3 convolution, as v1.5 has it; 1x1 projection shortcuts), every
   * convolution followed by FusedBatchNormV3 (inference mode; 53 in all), shortcuts joined by AddV2 + Relu,
   * global average pool (Mean), MatMul+BiasAdd to 1000 logits and Softmax. Batch-norm statistics are measured on
   * a calibration batch so activations stay near unit scale through all 50 layers.
   *
   * <p>The last batch norm of each residual branch (conv3's) has gamma uniform in [0.1, 0.3), every other one in
   * [0.8, 1.2): the residual branches start small, as in {@code zero_init_residual} (torchvision) and Goyal et
   * al. 2017, "Accurate, Large Minibatch SGD", which set that gamma to 0 so that each block starts as the
   * identity. Not 0, so that every layer still changes the output: each branch's output is 0.2-0.3 of its
   * block's sum (root mean square). Why: with gamma near 1 there too, this random network amplified any
   * perturbation about 1.35x per block, so plain FP16 rounding alone moved the softmax by 4.7e-2 (relative L2,
   * emulated on CPU) where trained ResNet-50s run in FP16 routinely; with the small gammas, 1.2e-3 (0.3-0.6 gave
   * 5.7e-3). The final layer keeps its scale: a larger one would scale the logits and their FP16 error alike,
   * so top-1's margin against the error would not change.
   */
  public static Path resnet50(Path out) {
    return ModelOutput.writeAtomically(out, dir -> {
      try (ModelGraph g = new ModelGraph(SEED + 2)) {
        Ops tf = g.ops();
        Placeholder<TFloat32> input = g.input(INPUT_KEY, -1, 224, 224, 3);
        g.calibrateWith(input, 2);
        Operand<TFloat32> x = convBatchNorm(g, g.scope("conv1"), input, 7, 64, 2, true);
        x = g.maxPool("pool1", x, 3, 2);
        int[] blocks = {3, 4, 6, 3};
        for (int stage = 0; stage < blocks.length; stage++) {
          int width = 64 << stage;
          for (int block = 0; block < blocks[stage]; block++) {
            int stride = stage > 0 && block == 0 ? 2 : 1;
            x = bottleneck(g, g.scope("stage" + (stage + 2) + "_block" + (block + 1)), x, width, stride);
          }
        }
        Operand<TFloat32> features = g.globalAveragePool("avg_pool", x);
        Operand<TFloat32> logits = g.dense(g.scope("fc"), features, 1000);
        g.export(dir, input, tf.withName(OUTPUT_KEY).nn.softmax(logits));
      }
    });
  }

  private static Operand<TFloat32> bottleneck(ModelGraph g, Ops tf, Operand<TFloat32> x, int width, int stride) {
    Operand<TFloat32> shortcut = x;
    if (stride != 1 || x.shape().get(3) != 4L * width) {
      shortcut = convBatchNorm(g, tf.withSubScope("shortcut"), x, 1, 4 * width, stride, false);
    }
    Operand<TFloat32> y = convBatchNorm(g, tf.withSubScope("conv1"), x, 1, width, 1, true);
    y = convBatchNorm(g, tf.withSubScope("conv2"), y, 3, width, stride, true);
    Ops conv3 = tf.withSubScope("conv3");
    y = g.batchNorm(conv3, g.conv2d(conv3, y, 1, 4 * width, 1), RESIDUAL_GAMMA_LOW, RESIDUAL_GAMMA_HIGH);
    Operand<TFloat32> sum = tf.withName("Relu").nn.relu(g.addV2(tf, "add", y, shortcut));
    g.evaluate(sum);
    g.forgetCalibrationExcept(sum);
    return sum;
  }

  private static Operand<TFloat32> convBatchNorm(ModelGraph g, Ops layer, Operand<TFloat32> x, int kernel,
      int filters, int stride, boolean relu) {
    Operand<TFloat32> y = g.batchNorm(layer, g.conv2d(layer, x, kernel, filters, stride));
    return relu ? layer.withName("Relu").nn.relu(y) : y;
  }
}
