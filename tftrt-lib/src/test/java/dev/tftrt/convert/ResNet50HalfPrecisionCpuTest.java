package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.convert.RecordedNetworkEvaluator.HalfPrecision;
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
 * ResNet-50's FP16 error without a GPU: the generated ResNet-50 converted as for an FP16 engine and run by
 * {@link RecordedNetworkEvaluator} with every layer's output and weights rounded to half precision (plain FP16,
 * as TensorRT runs it), on the input {@code ConvertedModelGpuTest} feeds at batch 1, compared with TensorFlow in
 * float32 at the softmax output (the GPU test's relative L2 error), at the logits and at every residual sum.
 * Prints {@code FP16-EMULATION} lines. With unit-scale gammas on every batch norm the generated network amplified
 * any rounding about 1.35x per residual block and plain FP16 gave 4.7e-2 here (the H200 engine 5.1e-2); the
 * generator now starts the residual branches small as trained ResNets have them (see {@code ModelZoo#resnet50}),
 * and this test holds it under the GPU test's limit. See docs/gpu-results.md, "ResNet-50 FP16 error, emulated
 * on CPU".
 */
class ResNet50HalfPrecisionCpuTest {
  /** ConvertedModelGpuTest's limit for FP16 engines: relative L2 error of the softmax output. */
  private static final double GPU_FP16_LIMIT = 1e-2;
  private static final String FP32 = "FP32 (as recorded)";
  private static final String FP16 = "layer outputs and weights FP16";

  /** One variant's softmax output, logits, and relative L2 error at each residual sum. */
  private record Emulated(float[] probabilities, float[] logits, double[] residualSums) {}

  /** Two evaluator runs side by side, about 8 s each on one core (4 GMAC at batch 1 in plain loops). */
  @Test
  void plainHalfPrecisionStaysUnderTheGpuTestsLimit() {
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
    int top = argmax(tfProbabilities);
    double margin = tfLogits[top] - tfLogits[argmaxExcept(tfLogits, top)];
    System.out.printf(Locale.ROOT, "FP16-EMULATION TensorFlow FP32: logits max |x| %.3g, L2 norm %.3g, top-1 "
        + "margin over the second %.3g; top probability %.3g (class %d); %d layers, %d residual sums%n",
        maxAbs(tfLogits), norm(tfLogits), margin, tfProbabilities[top], top, network.layers().size(),
        residualSums.size());

    Map<String, HalfPrecision> variants = new LinkedHashMap<>();
    variants.put(FP32, HalfPrecision.NONE);
    variants.put(FP16, new HalfPrecision(l -> true, true));
    Map<String, Emulated> results = variants.entrySet().parallelStream().collect(Collectors.toMap(
        Map.Entry::getKey, v -> {
          Map<String, TensorValue> out = RecordedNetworkEvaluator.run(network, inputs, v.getValue());
          return new Emulated(output(spec, out, probabilities), output(spec, out, logits), residualSums.stream()
              .mapToDouble(t -> relativeL2(tf.get(t).toFloats(), output(spec, out, t))).toArray());
        }));
    for (String variant : variants.keySet()) {
      Emulated e = results.get(variant);
      StringBuilder sums = new StringBuilder();
      for (double d : e.residualSums()) {
        sums.append(String.format(Locale.ROOT, " %.1e", d));
      }
      System.out.printf(Locale.ROOT, "FP16-EMULATION %s: softmax relative L2 %.3g (GPU test's limit %.0e); logits "
          + "relative L2 %.3g, max |logit - TF| %.3g; top-1 %s TensorFlow's%n", variant,
          relativeL2(tfProbabilities, e.probabilities()), GPU_FP16_LIMIT, relativeL2(tfLogits, e.logits()),
          maxAbsDifference(tfLogits, e.logits()), argmax(e.probabilities()) == top ? "agrees with" : "differs from");
      System.out.println("FP16-EMULATION " + variant + ": relative L2 at the " + residualSums.size()
          + " residual sums:" + sums);
    }

    Emulated fp32 = results.get(FP32);
    Emulated fp16 = results.get(FP16);
    double fp32Error = relativeL2(tfProbabilities, fp32.probabilities());
    double fp16Error = relativeL2(tfProbabilities, fp16.probabilities());
    assertTrue(fp32Error < 1e-4, "the evaluator in FP32 matches TensorFlow: " + fp32Error);
    // The bar for FP16 engines, with room for what the emulation leaves out (summation order, FP16
    // accumulation in some kernels: the H200 gave 5.1e-2 where this emulation gave 4.7e-2 before).
    assertTrue(fp16Error < GPU_FP16_LIMIT / 3, "plain FP16: softmax relative L2 " + fp16Error + ", the GPU test "
        + "allows " + GPU_FP16_LIMIT + " and needs room for TensorRT's own kernels");
    // Top-1 is a real check: the winning class leads by far more than FP16 moves any logit.
    double logitError = maxAbsDifference(tfLogits, fp16.logits());
    assertEquals(top, argmax(fp16.probabilities()), "FP16 keeps TensorFlow's top class");
    assertTrue(margin > 10 * logitError, "top-1 margin " + margin + " vs FP16's logit error " + logitError);
    // Perturbations are carried through the residual blocks, not amplified by each one (with unit gammas the
    // error at the last sum was 90 times the first one's, in FP32 as in FP16).
    for (Emulated e : List.of(fp32, fp16)) {
      double[] sums = e.residualSums();
      assertTrue(sums[sums.length - 1] < 10 * sums[0], Arrays.toString(sums));
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
    return argmaxExcept(a, -1);
  }

  private static int argmaxExcept(float[] a, int excluded) {
    int best = excluded == 0 ? 1 : 0;
    for (int i = best + 1; i < a.length; i++) {
      best = i != excluded && a[i] > a[best] ? i : best;
    }
    return best;
  }
}
