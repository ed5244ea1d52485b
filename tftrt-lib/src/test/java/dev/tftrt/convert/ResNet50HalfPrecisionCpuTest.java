package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.convert.RecordedNetworkEvaluator.HalfPrecision;
import dev.tftrt.convert.RecordingNetworkBuilder.Layer;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.Segment;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.savedmodel.SignatureTensor;
import dev.tftrt.zoo.GeneratedModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Where ResNet-50's FP16 error comes from, without a GPU: the generated ResNet-50 (random weights) converted as
 * for an FP16 engine and run by {@link RecordedNetworkEvaluator} with half-precision rounding emulated, on the
 * input {@code ConvertedModelGpuTest} feeds at batch 1, compared with TensorFlow in float32 at the softmax output
 * (the GPU test's relative L2 error), at the logits and at every residual sum. Prints {@code FP16-EMULATION}
 * lines. Found: FP16 rounding alone gives about the H200's error, growing block by block as the FP32 error does;
 * see docs/gpu-results.md, "ResNet-50 FP16 error, emulated on CPU".
 */
class ResNet50HalfPrecisionCpuTest {
  /** The FP16 engine's relative L2 error at the softmax output on the H200 (TensorRT 8.6, batch 1). */
  private static final double GPU_FP16_ERROR = 5.1e-2;
  private static final String FP32 = "FP32 (as recorded)";
  private static final String ACTIVATIONS = "(a) every layer output FP16, weights FP32";
  private static final String HEAD_IN_FP32 = "(b) as (a), final MatMul and softmax FP32";
  private static final String WITH_WEIGHTS = "(c) layer outputs and weights FP16";
  private static final String STAGE1_IN_FP32 = "(e) as (c), the first quarter of the layers FP32";

  /** One variant's softmax output, logits, and relative L2 error at each residual sum. */
  private record Emulated(float[] probabilities, float[] logits, double[] residualSums) {}

  /** About 8 s per variant on one core: the evaluator's convolutions are plain loops (4 GMAC at batch 1). */
  @Test
  void halfPrecisionErrorIsIntrinsicToTheModel() {
    ConversionPlan plan = new TrtGraphConverterV2(GeneratedModels.resnet50(), TrtConversionParams.defaults())
        .convert();
    assertEquals(1, plan.segments().size(), "ResNet-50 converts as one segment");
    Segment segment = plan.segments().get(0);
    SegmentSpec spec = TensorFlowReference.specWithEveryTensor(segment, plan);
    Map<TensorRef, TensorValue> tf = runTensorFlow(plan, spec);

    ValidationContext context = new ValidationContext(plan.graph(),
        ShapeInference.infer(plan.graph()), Precision.FP16);
    RecordingNetworkBuilder network = new RecordingNetworkBuilder();
    Converters.convertSegment(Converters.standard(), context, spec, network);
    Map<String, TensorValue> inputs = new HashMap<>();
    for (int i = 0; i < spec.inputs().size(); i++) {
      inputs.put(SegmentSpec.inputBinding(i), tf.get(spec.inputs().get(i)));
    }

    Node softmax = plan.graph().nodes().stream().filter(n -> n.op().equals("Softmax")).findFirst().orElseThrow();
    TensorRef probabilities = softmax.output(0);
    TensorRef logits = softmax.input(0);
    List<TensorRef> residualSums = spec.outputs().stream()
        .filter(t -> Set.of("Add", "AddV2").contains(plan.graph().node(t.node()).op())).toList();
    float[] tfLogits = tf.get(logits).toFloats();
    float[] tfProbabilities = tf.get(probabilities).toFloats();
    System.out.printf(Locale.ROOT, "FP16-EMULATION TensorFlow FP32: logits max |x| %.3g, L2 norm %.3g; top "
        + "probability %.3g (class %d); %d layers, %d residual sums%n", maxAbs(tfLogits), norm(tfLogits),
        tfProbabilities[argmax(tfProbabilities)], argmax(tfProbabilities), network.layers().size(),
        residualSums.size());

    // The final MatMul and everything after it (bias, softmax): what (b) keeps in FP32.
    List<Layer> layers = network.layers();
    int lastMatMul = 0;
    for (int i = 0; i < layers.size(); i++) {
      lastMatMul = layers.get(i).kind().equals("MatrixMultiply") ? i : lastMatMul;
    }
    Set<String> head = layers.subList(lastMatMul, layers.size()).stream().map(Layer::name)
        .collect(Collectors.toSet());
    Map<String, HalfPrecision> variants = new LinkedHashMap<>();
    variants.put(FP32, HalfPrecision.NONE);
    variants.put(ACTIVATIONS, new HalfPrecision(l -> !l.kind().equals("Constant"), false));
    variants.put(HEAD_IN_FP32, new HalfPrecision(l -> !l.kind().equals("Constant") && !head.contains(l.name()),
        false));
    variants.put(WITH_WEIGHTS, new HalfPrecision(l -> true, true));

    Set<String> firstQuarter = layers.subList(0, lastMatMul / 4).stream().map(Layer::name)
        .collect(Collectors.toSet());
    variants.put(STAGE1_IN_FP32, new HalfPrecision(l -> !firstQuarter.contains(l.name()), true));

    // Two variants at a time: each run is about 4 GMAC in plain loops.
    Map<String, Emulated> results = variants.entrySet().parallelStream().collect(Collectors.toMap(
        Map.Entry::getKey, v -> {
          Map<String, TensorValue> out = RecordedNetworkEvaluator.run(network, inputs, v.getValue());
          return new Emulated(output(spec, out, probabilities), output(spec, out, logits), residualSums.stream()
              .mapToDouble(t -> relativeL2(tf.get(t).toFloats(), output(spec, out, t))).toArray());
        }));
    Map<String, Double> softmaxError = new LinkedHashMap<>();
    Map<String, double[]> sumErrors = new LinkedHashMap<>();
    for (String variant : variants.keySet()) {
      Emulated e = results.get(variant);
      double error = relativeL2(tfProbabilities, e.probabilities());
      softmaxError.put(variant, error);
      sumErrors.put(variant, e.residualSums());
      StringBuilder stages = new StringBuilder();
      for (double d : e.residualSums()) {
        stages.append(String.format(Locale.ROOT, " %.1e", d));
      }
      System.out.printf(Locale.ROOT, "FP16-EMULATION %s: softmax relative L2 %.3g; logits relative L2 %.3g, "
          + "max |logit - TF| %.3g; top-1 %s TensorFlow's%n", variant, error, relativeL2(tfLogits, e.logits()),
          maxAbsDifference(tfLogits, e.logits()), argmax(e.probabilities()) == argmax(tfProbabilities)
              ? "agrees with" : "differs from");
      System.out.println("FP16-EMULATION " + variant + ": relative L2 at the " + residualSums.size()
          + " residual sums:" + stages);
    }

    double fp32 = softmaxError.get(FP32);
    double activations = softmaxError.get(ACTIVATIONS);
    double headInFp32 = softmaxError.get(HEAD_IN_FP32);
    double withWeights = softmaxError.get(WITH_WEIGHTS);
    double stage1InFp32 = softmaxError.get(STAGE1_IN_FP32);
    assertTrue(fp32 < 1e-4, "the evaluator in FP32 matches TensorFlow: " + fp32);
    // Rounding the activations alone already exceeds the GPU test's 1e-2; the weights add the rest, and FP16 with
    // weights lands within a factor 2 of what the H200's engine gave: the error is FP16's, not TensorRT's.
    assertTrue(activations > 1e-2, "activations in FP16: " + activations);
    assertTrue(withWeights > GPU_FP16_ERROR / 2 && withWeights < GPU_FP16_ERROR * 2, "weights and activations "
        + "in FP16: " + withWeights + ", the GPU's " + GPU_FP16_ERROR);
    // The head (2048x1000 MatMul, bias, softmax over 1,000 classes) is not where it arises: FP32 there changes
    // the error by under 10%.
    assertTrue(Math.abs(headInFp32 - activations) < 0.1 * activations, "final MatMul and softmax in FP32: "
        + headInFp32 + ", in FP16: " + activations);
    // Where it arises: early, and amplified by every later block. Keeping only the first quarter of the layers
    // (conv1 and stage 1) in FP32 brings FP16 under the GPU test's 1e-2.
    assertTrue(stage1InFp32 < 1e-2 && stage1InFp32 < withWeights / 4, "first quarter of the layers in FP32: "
        + stage1InFp32);
    // It grows through the residual blocks: the last sum's error is over 30 times the first one's, in FP32 as
    // in FP16 (the random network amplifies any rounding alike).
    for (String variant : List.of(FP32, ACTIVATIONS, WITH_WEIGHTS)) {
      double[] sums = sumErrors.get(variant);
      assertTrue(sums[sums.length - 1] > 30 * sums[0], variant + ": " + Arrays.toString(sums));
    }
  }

  private static float[] output(SegmentSpec spec, Map<String, TensorValue> out, TensorRef tensor) {
    return out.get(SegmentSpec.outputBinding(spec.outputs().indexOf(tensor))).toFloats();
  }

  /** TensorFlow's float32 values of the segment's inputs and tensors on ConvertedModelGpuTest's batch-1 input. */
  private static Map<TensorRef, TensorValue> runTensorFlow(ConversionPlan plan, SegmentSpec spec) {
    SignatureTensor in = plan.model().inputs().get(0);
    Shape shape = in.shape().withDim(0, 1);
    Random random = new Random(8); // ConvertedModelGpuTest.randomBatch(inputs, 1, 7 + 1)
    float[] v = new float[Math.toIntExact(shape.numElements())];
    for (int i = 0; i < v.length; i++) {
      v[i] = random.nextFloat();
    }
    Map<TensorRef, TensorValue> values = new HashMap<>();
    values.put(in.tensor(), TensorValue.ofFloats(shape, v));
    List<TensorRef> fetched = new ArrayList<>(spec.outputs());
    spec.inputs().stream().filter(t -> !t.equals(in.tensor())).forEach(fetched::add);
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(GraphDefs.toProto(plan.graph()));
      try (Session session = new Session(g);
          TFloat32 t = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(shape.dims()), DataBuffers.of(v))) {
        Session.Runner runner = session.runner().feed(in.tensor().node(), in.tensor().index(), t);
        fetched.forEach(f -> runner.fetch(f.node(), f.index()));
        try (Result r = runner.run()) {
          for (int i = 0; i < fetched.size(); i++) {
            values.put(fetched.get(i), TensorFlowReference.tensorValue(r.get(i)));
          }
        }
      }
    }
    return values;
  }

  private static double relativeL2(float[] expected, float[] actual) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < expected.length; i++) {
      diff += Math.pow((double) actual[i] - expected[i], 2);
      norm += Math.pow(expected[i], 2);
    }
    return Math.sqrt(diff / norm);
  }

  private static double maxAbsDifference(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  private static double maxAbs(float[] a) {
    double m = 0;
    for (float x : a) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  private static double norm(float[] a) {
    double s = 0;
    for (float x : a) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }

  private static int argmax(float[] a) {
    int best = 0;
    for (int i = 1; i < a.length; i++) {
      best = a[i] > a[best] ? i : best;
    }
    return best;
  }
}
