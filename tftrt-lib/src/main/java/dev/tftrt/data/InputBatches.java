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

  /**
   * Every image, {@code min(maxBatchSize, images)} at a time, each batch float32 NHWC {@code [n, rows, cols, 1]}
   * scaled to [0, 1] under {@code inputKey}. The last batch is filled up with the first images: TensorRT calibrates
   * at one shape, so a smaller last batch would be skipped and its images would not calibrate.
   */
  public static List<Map<String, TensorValue>> forCalibration(IdxDataset data, String inputKey, int maxBatchSize) {
    if (maxBatchSize < 1) {
      throw new TftrtException("batch size must be >= 1, got " + maxBatchSize);
    }
    int batchSize = Math.min(maxBatchSize, data.size());
    int pixelsPerImage = data.rows() * data.cols();
    List<Map<String, TensorValue>> out = new ArrayList<>();
    for (int from = 0; from < data.size(); from += batchSize) {
      int fromHere = Math.min(batchSize, data.size() - from);
      float[] images = new float[batchSize * pixelsPerImage];
      System.arraycopy(data.batch(from, fromHere).images(), 0, images, 0, fromHere * pixelsPerImage);
      System.arraycopy(data.batch(0, batchSize - fromHere).images(), 0, images, fromHere * pixelsPerImage,
          (batchSize - fromHere) * pixelsPerImage);
      out.add(Map.of(inputKey,
          TensorValue.ofFloats(Shape.of(batchSize, data.rows(), data.cols(), 1), images)));
    }
    return out;
  }
}
