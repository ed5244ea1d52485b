package dev.tftrt.savedmodel;

import dev.tftrt.graph.GraphDefs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Runs a SavedModel's own signature and the frozen graph (exported to a GraphDef, imported into a fresh
 * TensorFlow graph) on the same random inputs, for equivalence tests.
 */
final class SignatureRuns {
  static final long BATCH = 2;

  private SignatureRuns() {}

  /** Random float inputs in [0, 1) for each signature input; unknown dimensions become {@link #BATCH}. */
  static Map<String, float[]> randomInputs(FrozenModel m, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, float[]> out = new LinkedHashMap<>();
    for (SignatureTensor in : m.inputs()) {
      float[] v = new float[Math.toIntExact(elements(dims(in)))];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) rnd.nextDouble();
      }
      out.put(in.key(), v);
    }
    return out;
  }

  static long[] dims(SignatureTensor t) {
    long[] d = t.shape().dims();
    for (int i = 0; i < d.length; i++) {
      d[i] = d[i] < 0 ? BATCH : d[i];
    }
    return d;
  }

  private static long elements(long[] dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  /** The SavedModel's signature run by TensorFlow Java: outputs by signature key, flattened. */
  static Map<String, float[]> runSavedModel(Path dir, FrozenModel m, Map<String, float[]> inputs) {
    try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), m.tag().split(","))) {
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      List<Tensor> owned = new ArrayList<>();
      try {
        for (SignatureTensor in : m.inputs()) {
          TFloat32 t = TFloat32.tensorOf(Shape.of(dims(in)), DataBuffers.of(inputs.get(in.key())));
          owned.add(t);
          feeds.put(in.key(), t);
        }
        try (Result r = b.function(m.signatureKey()).call(feeds)) {
          Map<String, float[]> out = new LinkedHashMap<>();
          for (SignatureTensor o : m.outputs()) {
            out.put(o.key(), floats((TFloat32) r.get(o.key()).orElseThrow()));
          }
          return out;
        }
      } finally {
        owned.forEach(Tensor::close);
      }
    }
  }

  /** The frozen graph as a GraphDef, imported into a new TensorFlow graph and run. */
  static Map<String, float[]> runFrozen(FrozenModel m, Map<String, float[]> inputs) {
    try (Graph g = new Graph()) {
      g.importGraphDef(GraphDefs.toProto(m.graph()));
      try (Session s = new Session(g)) {
        Session.Runner runner = s.runner();
        List<Tensor> owned = new ArrayList<>();
        try {
          for (SignatureTensor in : m.inputs()) {
            TFloat32 t = TFloat32.tensorOf(Shape.of(dims(in)), DataBuffers.of(inputs.get(in.key())));
            owned.add(t);
            runner.feed(in.tensor().node(), in.tensor().index(), t);
          }
          m.outputs().forEach(o -> runner.fetch(o.tensor().node(), o.tensor().index()));
          try (Result r = runner.run()) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (int i = 0; i < m.outputs().size(); i++) {
              out.put(m.outputs().get(i).key(), floats((TFloat32) r.get(i)));
            }
            return out;
          }
        } finally {
          owned.forEach(Tensor::close);
        }
      }
    }
  }

  static float[] floats(TFloat32 t) {
    float[] v = new float[Math.toIntExact(t.size())];
    t.asRawTensor().data().asFloats().read(v);
    return v;
  }

  static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("sizes differ: " + a.length + " vs " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }
}
