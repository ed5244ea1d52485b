package dev.tftrt.convert.ops;

/**
 * Why a node cannot become TensorRT layers, raised while a converter works out how to convert it. Its message is
 * the reason the conversion summary shows, written for someone learning TF-TRT.
 */
final class Unsupported extends Exception {
  private static final long serialVersionUID = 1L;

  Unsupported(String reason) {
    super(reason, null, false, false);
  }
}
