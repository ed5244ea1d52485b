package dev.tftrt.bench;

import dev.tftrt.TftrtException;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.graph.TensorValue;
import java.util.Map;

/**
 * Accuracy beside speed: runs a labelled dataset through the reference (native TensorFlow) once, then through
 * each other target, and compares. Top-1 is against the labels; agreement and output errors are against the
 * reference's outputs for the same images.
 */
public final class Accuracy {
  private final IdxDataset data;
  private final String dataName;
  private final int batchSize;
  private final Progress.Listener listener;
  private final float[] referenceScores;
  private final int classes;
  private final Result referenceResult;

  private Accuracy(IdxDataset data, String dataName, int batchSize, Progress.Listener listener,
      InferenceTarget reference) {
    this.data = data;
    this.dataName = dataName;
    this.batchSize = batchSize;
    this.listener = listener;
    this.referenceScores = scores(reference);
    this.classes = referenceScores.length / data.size();
    this.referenceResult = new Result(reference.name(), dataName, data.size(), top1(referenceScores),
        Double.NaN, Double.NaN, Double.NaN);
  }

  /**
   * Runs {@code reference} over every image of {@code data}, {@code batchSize} at a time (the last batch may be
   * smaller). The model must have one float input holding one image and one output of class scores.
   */
  public static Accuracy against(InferenceTarget reference, IdxDataset data, String dataName, int batchSize,
      Progress.Listener listener) {
    if (batchSize < 1) {
      throw new TftrtException("accuracy batch size must be >= 1, got " + batchSize);
    }
    if (data.size() == 0) {
      throw new TftrtException(dataName + " holds no images");
    }
    return new Accuracy(data, dataName, batchSize, listener, reference);
  }

  /** The reference's own top-1 (agreement and errors are not applicable: NaN). */
  public Result reference() {
    return referenceResult;
  }

  /** Runs {@code target} over the same images and compares it with the labels and the reference. */
  public Result evaluate(InferenceTarget target) {
    float[] s = scores(target);
    if (s.length != referenceScores.length) {
      throw new TftrtException(target.name() + " gives " + s.length / data.size() + " scores per image but the "
          + "reference gives " + classes);
    }
    int agree = 0;
    for (int i = 0; i < data.size(); i++) {
      if (argmax(s, i) == argmax(referenceScores, i)) {
        agree++;
      }
    }
    double maxAbs = 0;
    double diffSquares = 0;
    double refSquares = 0;
    for (int i = 0; i < s.length; i++) {
      double d = (double) s[i] - referenceScores[i];
      maxAbs = Math.max(maxAbs, Math.abs(d));
      diffSquares += d * d;
      refSquares += (double) referenceScores[i] * referenceScores[i];
    }
    return new Result(target.name(), dataName, data.size(), top1(s), (double) agree / data.size(), maxAbs,
        refSquares == 0 ? Math.sqrt(diffSquares) : Math.sqrt(diffSquares / refSquares));
  }

  private float[] scores(InferenceTarget target) {
    String input = Batches.singleInput(target.inputs());
    float[] all = null;
    int perImage = -1;
    for (int from = 0; from < data.size(); from += batchSize) {
      int count = Math.min(batchSize, data.size() - from);
      listener.progress(new Progress(target.name(), batchSize, "accuracy on " + dataName,
          (double) from / data.size()));
      TensorValue batch = Batches.imageBatch(data, from, count, input, target.inputs().get(input));
      Map<String, TensorValue> outputs = target.run(Map.of(input, batch));
      if (outputs.size() != 1) {
        throw new TftrtException(target.name() + " has outputs " + outputs.keySet()
            + "; accuracy needs a model with one output of class scores");
      }
      float[] out = outputs.values().iterator().next().toFloats();
      if (all == null) {
        perImage = out.length / count;
        if (perImage * count != out.length || perImage < 2) {
          throw new TftrtException(target.name() + " gives " + out.length + " values for " + count
              + " images; accuracy needs one row of class scores per image");
        }
        all = new float[perImage * data.size()];
      }
      if (out.length != perImage * count) {
        throw new TftrtException(target.name() + " gave " + out.length + " values for " + count + " images, "
            + "expected " + perImage * count);
      }
      System.arraycopy(out, 0, all, from * perImage, out.length);
    }
    listener.progress(new Progress(target.name(), batchSize, "accuracy on " + dataName, 1));
    return all;
  }

  private double top1(float[] s) {
    int correct = 0;
    for (int i = 0; i < data.size(); i++) {
      if (argmax(s, i) == data.label(i)) {
        correct++;
      }
    }
    return (double) correct / data.size();
  }

  private int argmax(float[] s, int image) {
    int perImage = s.length / data.size();
    int best = 0;
    for (int c = 1; c < perImage; c++) {
      if (s[image * perImage + c] > s[image * perImage + best]) {
        best = c;
      }
    }
    return best;
  }

  /**
   * Accuracy of one target.
   *
   * @param top1 fraction of images whose highest score is their label
   * @param agreement fraction of images on which the target's top class is the reference's; NaN for the
   *     reference itself
   * @param maxAbsError largest absolute difference of any output value from the reference's
   * @param relativeL2Error L2 norm of (output - reference) over L2 norm of the reference, all images together
   */
  public record Result(String target, String dataset, int images, double top1, double agreement,
      double maxAbsError, double relativeL2Error) {}
}
