package dev.tftrt.data;

import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Images as float NHWC {@code [size, rows, cols, 1]} (row-major in {@code images}) with one label each.
 * The arrays are owned by the batch: do not modify them.
 */
public record LabeledBatch(float[] images, int[] labels, int rows, int cols) {
  public LabeledBatch {
    if (images.length != (long) labels.length * rows * cols) {
      throw new IllegalArgumentException(images.length + " pixels do not make " + labels.length + " images of "
          + rows + "x" + cols);
    }
  }

  public int size() {
    return labels.length;
  }

  /** {@code [size, rows, cols, 1]}. */
  public long[] shape() {
    return new long[] {labels.length, rows, cols, 1};
  }

  /** The images as a new TensorFlow tensor of {@link #shape()}; the caller closes it. */
  public TFloat32 tensor() {
    return TFloat32.tensorOf(Shape.of(shape()), DataBuffers.of(images, true, false));
  }
}
