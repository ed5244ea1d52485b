package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.GraphDefs;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.Segment;
import dev.tftrt.runtime.SegmentSpec;
import dev.tftrt.savedmodel.SignatureTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * TensorFlow's values as the reference for converted networks, shared by the GPU tests (TensorRT engines) and the
 * CPU tests ({@link RecordedNetworkEvaluator}): a model's plan with every segment input and output TensorFlow
 * computes from one random batch, and the comparison of a network's output with TensorFlow's.
 */
public final class TensorFlowReference {
  private final String label;
  private final ConversionPlan plan;
  private final ValidationContext context;
  private final Map<TensorRef, TensorValue> values;

  private TensorFlowReference(String label, ConversionPlan plan, Map<TensorRef, TensorValue> values) {
    this.label = label;
    this.plan = plan;
    this.context = new ValidationContext(plan.graph(), ShapeInference.infer(plan.graph()), Precision.FP32);
    this.values = values;
  }

  /**
   * Plans {@code model} with the default parameters (it must have a segment) and runs its frozen graph in
   * TensorFlow on {@code batch} random inputs (uniform in [0, 1), a fixed seed), keeping every tensor of every
   * segment.
   */
  public static TensorFlowReference ofModel(String label, Path model, int batch) {
    ConversionPlan plan = new TrtGraphConverterV2(model, TrtConversionParams.defaults()).convert();
    assertFalse(plan.segments().isEmpty(), label + " has no segment: " + plan.leftOut());
    return new TensorFlowReference(label, plan, runTensorFlow(plan, batch));
  }

  public ConversionPlan plan() {
    return plan;
  }

  /** The validation context the segmenter used, for {@link Converters#convertSegment}. */
  public ValidationContext context() {
    return context;
  }

  /**
   * The segment with every tensor it computes as an output: output 0 of each node but the constants, in node
   * (topological) order, then its other outputs. Comparing them all names the first node whose conversion
   * differs, where the segment's own outputs (often a softmax) could hide a small difference.
   */
  public static SegmentSpec specWithEveryTensor(Segment s, ConversionPlan plan) {
    LinkedHashSet<TensorRef> outputs = new LinkedHashSet<>();
    for (String name : s.nodes()) {
      if (!plan.graph().node(name).op().equals("Const")) {
        outputs.add(TensorRef.of(name));
      }
    }
    outputs.addAll(s.outputs());
    return new SegmentSpec(s.name(), s.nodes(), s.inputs(), List.copyOf(outputs));
  }

  /** The segment's inputs as TensorFlow fed them, by binding name ({@code input_<i>}). */
  public Map<String, TensorValue> inputs(SegmentSpec s) {
    Map<String, TensorValue> inputs = new LinkedHashMap<>();
    for (int i = 0; i < s.inputs().size(); i++) {
      inputs.put(SegmentSpec.inputBinding(i), values.get(s.inputs().get(i)));
    }
    return inputs;
  }

  /**
   * Asserts that {@code outputs} (by binding name) are TensorFlow's values of {@code s}'s outputs, each with
   * TensorFlow's shape and within {@code tolerance} relative to {@code 1 + max|TensorFlow|}. Prints one line
   * starting {@code prefix} with the worst difference, and one for each of the first tensors that differ; the
   * failure names the first of them.
   */
  public void assertOutputs(String prefix, SegmentSpec s, int layers, Map<String, TensorValue> outputs,
      double tolerance) {
    String what = label + " " + s.name() + " (" + s.nodes().size() + " nodes, " + layers + " layers)";
    List<String> differing = new ArrayList<>();
    Difference worst = new Difference(0, 0);
    TensorRef worstTensor = null;
    for (int i = 0; i < s.outputs().size(); i++) {
      TensorRef tensor = s.outputs().get(i);
      TensorValue want = values.get(tensor);
      TensorValue got = outputs.get(SegmentSpec.outputBinding(i));
      if (!Arrays.equals(want.shape().dims(), got.shape().dims())) {
        differing.add(tensor + ": shape " + got.shape() + ", TensorFlow's " + want.shape());
        continue;
      }
      Difference d = Difference.between(want, got);
      if (worstTensor == null || d.relative() > worst.relative()) {
        worst = d;
        worstTensor = tensor;
      }
      if (!(d.relative() <= tolerance)) {
        differing.add(tensor + " " + got.shape() + ": max |got - TensorFlow| = " + d.maxAbs() + ", relative "
            + d.relative());
      }
    }
    System.out.println(prefix + " " + what + ": " + s.outputs().size() + " tensors, worst " + worstTensor
        + ": max |got - TensorFlow| = " + worst.maxAbs() + ", relative " + worst.relative());
    // The first few tell where a conversion goes wrong; the rest follow from them.
    differing.stream().limit(5).forEach(line -> System.out.println(prefix + " " + what + " DIFFERS " + line));
    if (differing.size() > 5) {
      System.out.println(prefix + " " + what + " DIFFERS ... and " + (differing.size() - 5) + " more tensors");
    }
    assertTrue(differing.isEmpty(), what + ": " + differing.size() + " of " + s.outputs().size()
        + " tensors differ from TensorFlow beyond " + tolerance + "; the first: " + (differing.isEmpty() ? ""
        : differing.get(0)));
  }

  /** How far a result is from TensorFlow's: the largest absolute difference, and that over {@code 1 + max|TF|}. */
  public record Difference(double maxAbs, double relative) {
    public static Difference between(TensorValue want, TensorValue got) {
      float[] w = want.toFloats();
      float[] g = got.toFloats();
      double diff = 0;
      double scale = 0;
      for (int i = 0; i < w.length; i++) {
        diff = Math.max(diff, Math.abs((double) w[i] - g[i]));
        scale = Math.max(scale, Math.abs(w[i]));
      }
      // NaN anywhere is a difference, never a match.
      for (int i = 0; i < w.length; i++) {
        if (Float.isNaN(w[i]) != Float.isNaN(g[i])) {
          diff = Double.POSITIVE_INFINITY;
        }
      }
      return new Difference(diff, diff / (1 + scale));
    }
  }

  /**
   * Prints {@code prefix what shape: max |got - TF| = ..., relative ...} and asserts that {@code got} has
   * TensorFlow's shape and that its largest difference is at most {@code tolerance * (1 + max|TF|)}.
   */
  public static void assertClose(String prefix, String what, TensorValue want, TensorValue got, double tolerance) {
    assertArrayEquals(want.shape().dims(), got.shape().dims(), what + ": shape");
    Difference d = Difference.between(want, got);
    System.out.println(prefix + " " + what + " " + got.dtype().tfName() + got.shape() + ": max |got - TensorFlow| = "
        + d.maxAbs() + ", relative " + d.relative());
    assertTrue(d.relative() <= tolerance, what + " differs from TensorFlow by " + d.maxAbs() + " (relative "
        + d.relative() + " > " + tolerance + ")");
  }

  /** Every segment input and every tensor of {@link #specWithEveryTensor} as TensorFlow computes them. */
  private static Map<TensorRef, TensorValue> runTensorFlow(ConversionPlan plan, int batch) {
    SplittableRandom random = new SplittableRandom(11);
    Map<TensorRef, TensorValue> values = new LinkedHashMap<>();
    LinkedHashSet<TensorRef> wanted = new LinkedHashSet<>();
    plan.segments().forEach(s -> {
      wanted.addAll(s.inputs());
      wanted.addAll(specWithEveryTensor(s, plan).outputs());
    });
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(GraphDefs.toProto(plan.graph()));
      try (Session session = new Session(g)) {
        Session.Runner runner = session.runner();
        List<Tensor> owned = new ArrayList<>();
        try {
          for (SignatureTensor in : plan.model().inputs()) {
            Shape shape = in.shape().withDim(0, batch);
            float[] v = new float[Math.toIntExact(shape.numElements())];
            for (int i = 0; i < v.length; i++) {
              v[i] = (float) random.nextDouble();
            }
            TFloat32 t = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(shape.dims()), DataBuffers.of(v));
            owned.add(t);
            runner.feed(in.tensor().node(), in.tensor().index(), t);
            values.put(in.tensor(), TensorValue.ofFloats(shape, v));
            wanted.remove(in.tensor());
          }
          List<TensorRef> fetched = List.copyOf(wanted);
          fetched.forEach(t -> runner.fetch(t.node(), t.index()));
          try (Result r = runner.run()) {
            for (int i = 0; i < fetched.size(); i++) {
              values.put(fetched.get(i), tensorValue(r.get(i)));
            }
          }
        } finally {
          owned.forEach(Tensor::close);
        }
      }
    }
    return values;
  }

  /** A TensorFlow tensor's type, shape and bytes. */
  public static TensorValue tensorValue(Tensor t) {
    byte[] bytes = new byte[Math.toIntExact(t.asRawTensor().numBytes())];
    t.asRawTensor().data().read(bytes);
    return TensorValue.ofBytes(DataType.fromNumber(t.dataType().getNumber()), Shape.of(t.shape().asArray()), bytes);
  }
}
