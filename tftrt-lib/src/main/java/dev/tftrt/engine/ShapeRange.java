package dev.tftrt.engine;

import dev.tftrt.graph.Shape;

/** The shapes an optimization profile covers for one network input: every dimension within min..max. */
public record ShapeRange(Shape min, Shape opt, Shape max) {

  public ShapeRange {
    for (Shape s : new Shape[] {min, opt, max}) {
      if (!s.isFullyDefined()) {
        throw new IllegalArgumentException("profile shapes must be fully defined, got " + s);
      }
    }
    if (min.rank() != opt.rank() || min.rank() != max.rank()) {
      throw new IllegalArgumentException("profile shapes differ in rank: " + min + " " + opt + " " + max);
    }
    for (int i = 0; i < min.rank(); i++) {
      if (min.dim(i) > opt.dim(i) || opt.dim(i) > max.dim(i)) {
        throw new IllegalArgumentException("profile needs min <= opt <= max in every dimension, got "
            + min + " " + opt + " " + max);
      }
    }
  }

  /** A fixed shape: min = opt = max. */
  public static ShapeRange fixed(Shape shape) {
    return new ShapeRange(shape, shape, shape);
  }

  /**
   * The range TF-TRT's dynamic mode uses: {@code shape} with its dimension 0 (the batch, -1 or any value)
   * running from 1 to {@code maxBatch}; opt is {@code maxBatch}.
   */
  public static ShapeRange batch(Shape shape, int maxBatch) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("max batch size must be >= 1, got " + maxBatch);
    }
    for (int i = 1; i < shape.rank(); i++) {
      if (shape.dim(i) < 0) {
        throw new IllegalArgumentException("only the batch dimension may be dynamic, got " + shape);
      }
    }
    return new ShapeRange(shape.withDim(0, 1), shape.withDim(0, maxBatch), shape.withDim(0, maxBatch));
  }

  public boolean contains(Shape shape) {
    if (!shape.isFullyDefined() || shape.rank() != min.rank()) {
      return false;
    }
    for (int i = 0; i < shape.rank(); i++) {
      if (shape.dim(i) < min.dim(i) || shape.dim(i) > max.dim(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return min + ".." + max + " (opt " + opt + ")";
  }
}
