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
import dev.tftrt.savedmodel.ModelDirs;
import dev.tftrt.savedmodel.SignatureTensor;
import dev.tftrt.zoo.GeneratedModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * FP16 error without a GPU, for the models ConvertedModelGpuTest checks at FP16: the model converted as for an
 * FP16 engine and run by {@link RecordedNetworkEvaluator} with every layer's output and weights rounded to half
 * precision (plain FP16, as TensorRT runs it), on the input {@code ConvertedModelGpuTest} feeds at batch 1,
 * compared with TensorFlow in float32 at the softmax output (the GPU test's relative L2 error), at the logits and
 * at every residual sum. Prints {@code FP16-EMULATION} lines.
 *
 * <p>The generated ResNet-50 with unit-scale gammas on every batch norm amplified any rounding about 1.35x per
 * residual block, and plain FP16 gave 4.7e-2 here (the H200's engine 5.1e-2); the generator now starts the
 * residual branches small as trained ResNets have them (see {@code ModelZoo#resnet50}), and this test holds it
 * under the GPU test's limit. See docs/gpu-results.md, "ResNet-50 FP16 error, emulated on CPU".
 */
class HalfPrecisionCpuTest {
  /** ConvertedModelGpuTest's limit for FP16 engines: relative L2 error of the softmax output. */
  private static final double GPU_FP16_LIMIT = 1e-2;
  /**
   * What the emulation may give: a third of the GPU's limit, room for what it leaves out (summation order, FP16
   * accumulation in some kernels; the H200 gave 5.1e-2 where this emulation gave 4.7e-2 on the old ResNet-50).
   */
  private static final double EMULATED_LIMIT = GPU_FP16_LIMIT / 3;

  /** One variant's softmax output, logits, and relative L2 error at each residual sum. */
  private record Emulated(float[] probabilities, float[] logits, double[] residualSums) {}

  /** TensorFlow's softmax output and logits, and the evaluator's in FP32 and in plain FP16. */
  private record Emulation(float[] probabilities, float[] logits, Emulated fp32, Emulated fp16) {
    double error(Emulated e) {
      return relativeL2(probabilities, e.probabilities());
    }

    int top() {
      return argmax(probabilities);
    }

    /** How far TensorFlow's top logit leads the second. */
    double margin() {
      return logits[top()] - logits[argmaxExcept(logits, top())];
    }
  }

  /** Two evaluator runs side by side, about 8 s each on one core (4 GMAC at batch 1 in plain loops). */
  @Test
  void resnet50PlainHalfPrecisionStaysUnderTheGpuTestsLimit() {
    Emulation e = emulate("resnet50", GeneratedModels.resnet50());
    assertTrue(e.error(e.fp32()) < 1e-4, "the evaluator in FP32 matches TensorFlow: " + e.error(e.fp32()));
    assertTrue(e.error(e.fp16()) < EMULATED_LIMIT, "plain FP16: softmax relative L2 " + e.error(e.fp16()) + "; the "
        + "GPU test allows " + GPU_FP16_LIMIT + " and needs room for TensorRT's own kernels");
    // Top-1 is a real check: the winning class leads by far more than FP16 moves any logit.
    double logitError = maxAbsDifference(e.logits(), e.fp16().logits());
    assertEquals(e.top(), argmax(e.fp16().probabilities()), "FP16 keeps TensorFlow's top class");
    assertTrue(e.margin() > 10 * logitError, "top-1 margin " + e.margin() + " vs FP16's logit error " + logitError);
    // Perturbations are carried through the residual blocks, not amplified by each one (with unit gammas the
    // error at the last sum was 90 times the first one's, in FP32 as in FP16).
    for (Emulated variant : List.of(e.fp32(), e.fp16())) {
      double[] sums = variant.residualSums();
      assertEquals(16, sums.length);
      assertTrue(sums[sums.length - 1] < 10 * sums[0], Arrays.toString(sums));
    }
  }

  /** A network trained by someone else: what ConvertedModelGpuTest#trainedKwsMatchesNativeTensorFlow expects. */
  @Test
  void trainedKwsPlainHalfPrecisionStaysUnderTheGpuTestsLimit() {
    Emulation e = emulate("kws", ModelDirs.KWS);
    assertTrue(e.error(e.fp32()) < 1e-4, "the evaluator in FP32 matches TensorFlow: " + e.error(e.fp32()));
    assertTrue(e.error(e.fp16()) < EMULATED_LIMIT, "plain FP16: softmax relative L2 " + e.error(e.fp16()));
    assertEquals(e.top(), argmax(e.fp16().probabilities()), "FP16 keeps TensorFlow's top class");
  }

  private static Emulation emulate(String label, Path model) {
    ConversionPlan plan = new TrtGraphConverterV2(model, TrtConversionParams.defaults()).convert();
    assertEquals(1, plan.segments().size(), label + " converts as one segment");
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
    // Side by side (parallel streams keep the order of the list).
    List<Emulated> results = List.of(HalfPrecision.NONE, new HalfPrecision(l -> true, true)).parallelStream()
        .map(v -> {
          Map<String, TensorValue> out = RecordedNetworkEvaluator.run(network, inputs, v);
          return new Emulated(output(spec, out, probabilities), output(spec, out, logits), residualSums.stream()
              .mapToDouble(t -> relativeL2(tf.get(t).toFloats(), output(spec, out, t))).toArray());
        }).toList();
    Emulation e = new Emulation(tf.get(probabilities).toFloats(), tf.get(logits).toFloats(), results.get(0),
        results.get(1));
    System.out.printf(Locale.ROOT, "FP16-EMULATION %s TensorFlow FP32: logits max |x| %.3g, L2 norm %.3g, top-1 "
        + "margin over the second %.3g; top probability %.3g (class %d); %d layers, %d residual sums%n", label,
        maxAbs(e.logits()), norm(e.logits()), e.margin(), e.probabilities()[e.top()], e.top(),
        network.layers().size(), residualSums.size());
    List<String> names = List.of("FP32 (as recorded)", "layer outputs and weights FP16");
    for (int i = 0; i < names.size(); i++) {
      Emulated r = results.get(i);
      StringBuilder sums = new StringBuilder();
      for (double d : r.residualSums()) {
        sums.append(String.format(Locale.ROOT, " %.1e", d));
      }
      System.out.printf(Locale.ROOT, "FP16-EMULATION %s %s: softmax relative L2 %.3g (GPU test's limit %.0e); "
          + "logits relative L2 %.3g, max |logit - TF| %.3g; top-1 %s TensorFlow's%n", label, names.get(i),
          e.error(r), GPU_FP16_LIMIT, relativeL2(e.logits(), r.logits()), maxAbsDifference(e.logits(), r.logits()),
          argmax(r.probabilities()) == e.top() ? "agrees with" : "differs from");
      if (!residualSums.isEmpty()) {
        System.out.println("FP16-EMULATION " + label + " " + names.get(i) + ": relative L2 at the "
            + residualSums.size() + " residual sums:" + sums);
      }
    }
    return e;
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
