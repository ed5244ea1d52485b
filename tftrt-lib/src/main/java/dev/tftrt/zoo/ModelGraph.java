package dev.tftrt.zoo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * A TensorFlow graph under construction with the layers the zoo models are made of. Every weight is a real
 * {@code VariableV2} whose initializer is a stateless random op or a small constant, so a model is
 * deterministic for a given seed and its {@code saved_model.pb} stays small while the checkpoint holds the values.
 *
 * <p>Batch-norm statistics are measured, not invented: {@link #batchNorm} runs the graph built so far on a
 * fixed calibration batch and uses the per-channel mean and variance of its input as the moving statistics,
 * which keeps activations of deep random networks near unit scale.
 */
final class ModelGraph implements AutoCloseable {
  private static final float BATCH_NORM_EPSILON = 1.001e-5f;

  private final Graph graph = new Graph();
  private final Session session = new Session(graph);
  private final Ops tf = Ops.create(graph);
  private final SplittableRandom random;
  private final Map<Output<?>, TFloat32> calibration = new HashMap<>();
  private final List<Variable<TFloat32>> variables = new ArrayList<>();
  private final List<float[]> initialValues;
  private long nextSeed;

  ModelGraph(long seed) {
    this(seed, List.of());
  }

  /**
   * A graph whose first variables take {@code initialValues}, in creation order, instead of random values:
   * how a model trained in one graph is rebuilt, by the same code, in a clean graph for export.
   */
  ModelGraph(long seed, List<float[]> initialValues) {
    this.random = new SplittableRandom(seed);
    this.nextSeed = seed * 1_000_003L;
    this.initialValues = List.copyOf(initialValues);
  }

  /** The variables created so far, in creation order. */
  List<Variable<TFloat32>> variables() {
    return List.copyOf(variables);
  }

  Ops ops() {
    return tf;
  }

  Session session() {
    return session;
  }

  /** The float input placeholder named {@code name}; its first dimension is the batch (-1). */
  Placeholder<TFloat32> input(String name, long... shape) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
  }

  /**
   * Gives the input a calibration batch (uniform in [0, 1), the range the models expect), which
   * {@link #batchNorm} propagates through the layers it measures.
   */
  void calibrateWith(Placeholder<TFloat32> input, int batch) {
    long[] dims = input.shape().asArray().clone();
    dims[0] = batch;
    float[] values = new float[Math.toIntExact(Shape.of(dims).size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextDouble();
    }
    calibration.put(input.asOutput(), TFloat32.tensorOf(Shape.of(dims), DataBuffers.of(values, true, false)));
  }

  /** A variable of {@code shape} drawn from N(0, stddev^2) by a stateless random op with its own seed. */
  Variable<TFloat32> normalVariable(Ops scope, String name, float stddev, long... shape) {
    long seed = nextSeed++;
    if (variables.size() < initialValues.size()) {
      return constantVariable(scope, name, initialValues.get(variables.size()), shape);
    }
    Ops init = scope.withInitScope();
    Operand<TFloat32> normal = init.random.statelessRandomNormal(
        init.constant(shape), init.constant(new long[] {seed, 0}));
    return track(scope.withName(name).variable(init.math.mul(normal, init.constant(stddev))));
  }

  /** A variable initialized from the given values. */
  Variable<TFloat32> constantVariable(Ops scope, String name, float[] values, long... shape) {
    float[] initial = variables.size() < initialValues.size() ? initialValues.get(variables.size()) : values;
    if (initial.length != Shape.of(shape).size()) {
      throw new IllegalArgumentException("variable " + name + " of shape " + Shape.of(shape) + " cannot take "
          + initial.length + " values");
    }
    Ops init = scope.withInitScope();
    return track(scope.withName(name).variable(
        init.constant(Shape.of(shape), DataBuffers.of(initial, true, false))));
  }

  private Variable<TFloat32> track(Variable<TFloat32> variable) {
    variables.add(variable);
    return variable;
  }

  /** The current values of {@link #variables()}, in creation order. */
  List<float[]> variableValues() {
    Session.Runner runner = session.runner();
    variables.forEach(runner::fetch);
    List<float[]> values = new ArrayList<>();
    try (org.tensorflow.Result result = runner.run()) {
      for (int i = 0; i < variables.size(); i++) {
        TFloat32 t = (TFloat32) result.get(i);
        float[] v = new float[Math.toIntExact(t.size())];
        t.copyTo(DataBuffers.of(v, false, false));
        values.add(v);
      }
    }
    return values;
  }

  /** Values uniform in [low, high) from the model's seeded generator. */
  float[] uniform(int n, double low, double high) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (low + (high - low) * random.nextDouble());
    }
    return values;
  }

  /** A name scope under the root; each name may be asked for once (TensorFlow Java makes repeats unique). */
  Ops scope(String name) {
    return tf.withSubScope(name);
  }

  /** Conv2D (NHWC, He-normal kernel, no bias) named {@code <scope>/Conv2D}. */
  Operand<TFloat32> conv2d(Ops s, Operand<TFloat32> x, int kernel, int filters, int stride) {
    long inChannels = x.shape().get(3);
    float stddev = (float) Math.sqrt(2.0 / (kernel * kernel * inChannels));
    Variable<TFloat32> w = normalVariable(s, "kernel", stddev, kernel, kernel, inChannels, filters);
    return s.withName("Conv2D").nn.conv2d(x, w, List.of(1L, (long) stride, (long) stride, 1L), "SAME");
  }

  /** Conv2D + BiasAdd (+ Relu), the classic chain TensorRT fuses into one layer. */
  Operand<TFloat32> conv2dBiasRelu(Ops s, Operand<TFloat32> x, int kernel, int filters, int stride) {
    Operand<TFloat32> conv = conv2d(s, x, kernel, filters, stride);
    Variable<TFloat32> bias = constantVariable(s, "bias", uniform(filters, -0.05, 0.05), filters);
    return s.withName("Relu").nn.relu(s.withName("BiasAdd").nn.biasAdd(conv, bias));
  }

  /**
   * FusedBatchNormV3 in inference mode whose moving mean and variance are those of {@code x} on the
   * calibration batch; scale (gamma) uniform in [0.8, 1.2) and offset in [-0.1, 0.1) are mildly random so the
   * layer is not an identity. Its variables live in {@code <s>/bn}.
   */
  Operand<TFloat32> batchNorm(Ops layer, Operand<TFloat32> x) {
    return batchNorm(layer, x, 0.8, 1.2);
  }

  /** {@link #batchNorm(Ops, Operand)} with gamma uniform in [{@code gammaLow}, {@code gammaHigh}). */
  Operand<TFloat32> batchNorm(Ops layer, Operand<TFloat32> x, double gammaLow, double gammaHigh) {
    int channels = Math.toIntExact(x.shape().get(3));
    float[] mean = new float[channels];
    float[] variance = new float[channels];
    channelMoments(evaluate(x), mean, variance);
    Ops s = layer.withSubScope("bn");
    Variable<TFloat32> gamma = constantVariable(s, "gamma", uniform(channels, gammaLow, gammaHigh), channels);
    Variable<TFloat32> beta = constantVariable(s, "beta", uniform(channels, -0.1, 0.1), channels);
    Variable<TFloat32> movingMean = constantVariable(s, "moving_mean", mean, channels);
    Variable<TFloat32> movingVariance = constantVariable(s, "moving_variance", variance, channels);
    return s.withName("FusedBatchNormV3").nn.fusedBatchNorm(x, gamma, beta, movingMean, movingVariance,
        FusedBatchNorm.isTraining(false), FusedBatchNorm.epsilon(BATCH_NORM_EPSILON)).y();
  }

  /** MaxPool (the classic op with kernel and strides as attributes, as Keras writes it), NHWC, SAME. */
  Operand<TFloat32> maxPool(String name, Operand<TFloat32> x, int size, int stride) {
    return tf.scope().opBuilder("MaxPool", name)
        .addInput(x.asOutput())
        .setAttr("ksize", new long[] {1, size, size, 1})
        .setAttr("strides", new long[] {1, stride, stride, 1})
        .setAttr("padding", "SAME")
        .setAttr("data_format", "NHWC")
        .build()
        .<TFloat32>output(0);
  }

  /** AddV2, the element-wise sum TensorFlow 2 writes (TensorFlow Java's {@code math.add} writes the older Add). */
  Operand<TFloat32> addV2(Ops scope, String name, Operand<TFloat32> x, Operand<TFloat32> y) {
    return scope.scope().opBuilder("AddV2", name)
        .addInput(x.asOutput())
        .addInput(y.asOutput())
        .build()
        .<TFloat32>output(0);
  }

  /** Global average pooling as Mean over H and W. */
  Operand<TFloat32> globalAveragePool(String name, Operand<TFloat32> x) {
    return tf.withName(name).math.mean(x, tf.constant(new int[] {1, 2}));
  }

  /** MatMul + BiasAdd with a kernel scaled to keep logits near unit scale. */
  Operand<TFloat32> dense(Ops s, Operand<TFloat32> x, int units) {
    long in = x.shape().get(1);
    Variable<TFloat32> w = normalVariable(s, "kernel", (float) Math.sqrt(1.0 / in), in, units);
    Variable<TFloat32> b = constantVariable(s, "bias", uniform(units, -0.05, 0.05), units);
    return s.withName("BiasAdd").nn.biasAdd(s.withName("MatMul").linalg.matMul(x, w), b);
  }

  /**
   * The value of {@code out} on the calibration batch, computed from the closest already measured tensors
   * (fed in place of their producers, so the graph is never re-run from the input).
   */
  TFloat32 evaluate(Operand<TFloat32> out) {
    TFloat32 known = calibration.get(out.asOutput());
    if (known != null) {
      return known;
    }
    if (calibration.isEmpty()) {
      throw new IllegalStateException("calibrateWith(input, batch) must come before batchNorm");
    }
    Session.Runner runner = session.runner();
    List<Output<?>> fed = new ArrayList<>(calibration.keySet());
    for (Output<?> output : fed) {
      runner.feed(output, calibration.get(output));
    }
    TFloat32 value = (TFloat32) runner.fetch(out).run().get(0);
    calibration.put(out.asOutput(), value);
    return value;
  }

  /** Drops measured tensors no later layer needs, keeping only {@code keep}. */
  @SafeVarargs
  final void forgetCalibrationExcept(Operand<TFloat32>... keep) {
    Map<Output<?>, TFloat32> kept = new HashMap<>();
    for (Operand<TFloat32> operand : keep) {
      TFloat32 value = calibration.remove(operand.asOutput());
      if (value != null) {
        kept.put(operand.asOutput(), value);
      }
    }
    calibration.values().forEach(Tensor::close);
    calibration.clear();
    calibration.putAll(kept);
  }

  /**
   * Exports the graph and the variables' current values as a SavedModel with tag {@code serve} and one
   * signature, {@code serving_default}: {@link ModelZoo#INPUT_KEY} -> {@link ModelZoo#OUTPUT_KEY}.
   */
  void export(Path dir, Operand<TFloat32> input, Operand<TFloat32> probabilities) throws IOException {
    session.initialize();
    Signature signature = Signature.builder()
        .key(ModelZoo.SIGNATURE_KEY)
        .methodName("tensorflow/serving/predict")
        .input(ModelZoo.INPUT_KEY, input)
        .output(ModelZoo.OUTPUT_KEY, probabilities)
        .build();
    SavedModelBundle.exporter(dir.toString())
        .withTags(ModelZoo.TAG)
        .withSession(session)
        .withSignature(signature)
        .export();
  }

  private static void channelMoments(TFloat32 x, float[] mean, float[] variance) {
    int channels = mean.length;
    float[] values = new float[Math.toIntExact(x.size())];
    x.copyTo(DataBuffers.of(values, false, false));
    double[] sum = new double[channels];
    double[] sumSquares = new double[channels];
    for (int i = 0; i < values.length; i++) {
      double v = values[i];
      sum[i % channels] += v;
      sumSquares[i % channels] += v * v;
    }
    double count = values.length / (double) channels;
    for (int c = 0; c < channels; c++) {
      double m = sum[c] / count;
      mean[c] = (float) m;
      variance[c] = (float) Math.max(sumSquares[c] / count - m * m, 1e-6);
    }
  }

  @Override
  public void close() {
    calibration.values().forEach(Tensor::close);
    calibration.clear();
    session.close();
    graph.close();
  }
}
