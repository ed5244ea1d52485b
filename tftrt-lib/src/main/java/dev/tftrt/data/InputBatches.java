package dev.tftrt.data;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Images of a dataset as model input batches (calibration input, build input): one input key per batch. */
public final class InputBatches {
  private InputBatches() {}

  /**
   * The images in order, {@code batchSize} at a time (the last batch may be smaller), each as float32 NHWC
   * {@code [n, rows, cols, 1]} scaled to [0, 1] under {@code inputKey}.
   */
  public static List<Map<String, TensorValue>> of(IdxDataset data, String inputKey, int batchSize) {
    if (batchSize < 1) {
      throw new TftrtException("batch size must be >= 1, got " + batchSize);
    }
    List<Map<String, TensorValue>> out = new ArrayList<>();
    for (int from = 0; from < data.size(); from += batchSize) {
      LabeledBatch b = data.batch(from, Math.min(batchSize, data.size() - from));
      out.add(Map.of(inputKey, TensorValue.ofFloats(Shape.of(b.shape()), b.images())));
    }
    return out;
  }
}
