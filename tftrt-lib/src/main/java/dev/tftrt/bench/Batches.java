package dev.tftrt.bench;

import dev.tftrt.TftrtException;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.data.LabeledBatch;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import java.util.Map;

/** Shapes batches for a target's inputs. */
final class Batches {
  private Batches() {}

  /** The one input of a single-input model, or a message saying the model has more. */
  static String singleInput(Map<String, TensorInfo> inputs) {
    if (inputs.size() != 1) {
      throw new TftrtException("dataset images feed a model with one input; this one has " + inputs.keySet());
    }
    return inputs.keySet().iterator().next();
  }

  /**
   * Images {@code from .. from+count-1} of {@code dataset} (wrapping around) shaped for {@code spec}: a float
   * input whose non-batch dimensions hold exactly one image.
   */
  static TensorValue imageBatch(IdxDataset dataset, int from, int count, String name, TensorInfo spec) {
    long perImage = (long) dataset.rows() * dataset.cols();
    Shape shape = batchShape(name, spec.shape(), count);
    if (spec.dtype() != DataType.FLOAT || shape.numElements() != perImage * count) {
      throw new TftrtException("input '" + name + "' is " + spec + " but the dataset's images are "
          + dataset.rows() + "x" + dataset.cols() + " grey values; give a model whose input is float32 "
          + "[-1," + dataset.rows() + "," + dataset.cols() + ",1] or [-1," + perImage + "]");
    }
    float[] pixels = new float[Math.toIntExact(perImage * count)];
    int done = 0;
    int next = from % dataset.size();
    while (done < count) {
      int take = Math.min(count - done, dataset.size() - next);
      LabeledBatch b = dataset.batch(next, take);
      System.arraycopy(b.images(), 0, pixels, Math.toIntExact(done * perImage), b.images().length);
      done += take;
      next = 0;
    }
    return TensorValue.ofFloats(shape, pixels);
  }

  /** {@code declared} with dimension 0 set to {@code batchSize}; every other dimension must be known. */
  static Shape batchShape(String name, Shape declared, int batchSize) {
    if (!declared.hasRank() || declared.rank() == 0) {
      throw new TftrtException("input '" + name + "' has shape " + declared
          + "; the benchmark needs a batch dimension first and known sizes after it");
    }
    if (declared.dim(0) >= 0 && declared.dim(0) != batchSize) {
      throw new TftrtException("input '" + name + "' has a fixed batch of " + declared.dim(0)
          + " but batch " + batchSize + " was asked; use --batch " + declared.dim(0)
          + " or export the model with batch -1");
    }
    for (int i = 1; i < declared.rank(); i++) {
      if (declared.dim(i) < 0) {
        throw new TftrtException("input '" + name + "' has shape " + declared + " with unknown dimension " + i
            + "; the benchmark can only vary the batch (dimension 0)");
      }
    }
    return declared.withDim(0, batchSize);
  }
}
