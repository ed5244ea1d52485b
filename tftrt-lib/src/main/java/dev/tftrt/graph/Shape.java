package dev.tftrt.graph;

import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * A static tensor shape: unknown rank, or a list of dimensions where {@code -1} is an unknown size.
 * Immutable.
 */
public final class Shape {
  private static final Shape UNKNOWN = new Shape(null);
  private static final Shape SCALAR = new Shape(new long[0]);

  private final long[] dims;

  private Shape(long[] dims) {
    this.dims = dims;
  }

  public static Shape unknown() {
    return UNKNOWN;
  }

  public static Shape scalar() {
    return SCALAR;
  }

  public static Shape of(long... dims) {
    for (long d : dims) {
      if (d < -1) {
        throw new IllegalArgumentException("a dimension is -1 (unknown) or >= 0, not " + d);
      }
    }
    return new Shape(dims.clone());
  }

  /** A shape of known rank whose every dimension is unknown. */
  public static Shape unknownDims(int rank) {
    long[] d = new long[rank];
    Arrays.fill(d, -1);
    return new Shape(d);
  }

  public boolean hasRank() {
    return dims != null;
  }

  /** The rank, or -1 when unknown. */
  public int rank() {
    return dims == null ? -1 : dims.length;
  }

  /** Dimension {@code i}; negative {@code i} counts from the end. */
  public long dim(int i) {
    requireRank();
    return dims[i < 0 ? dims.length + i : i];
  }

  public long[] dims() {
    requireRank();
    return dims.clone();
  }

  public boolean isFullyDefined() {
    return dims != null && LongStream.of(dims).allMatch(d -> d >= 0);
  }

  /** Number of elements; -1 when not fully defined. */
  public long numElements() {
    if (!isFullyDefined()) {
      return -1;
    }
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  /** This shape with dimension {@code i} replaced. */
  public Shape withDim(int i, long value) {
    long[] d = dims();
    d[i < 0 ? d.length + i : i] = value;
    return new Shape(d);
  }

  private void requireRank() {
    if (dims == null) {
      throw new IllegalStateException("shape of unknown rank has no dimensions");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** As TensorFlow prints shapes: {@code [?,224,224,3]}, or {@code <unknown>}. */
  @Override
  public String toString() {
    if (dims == null) {
      return "<unknown>";
    }
    return LongStream.of(dims).mapToObj(d -> d < 0 ? "?" : Long.toString(d))
        .collect(Collectors.joining(",", "[", "]"));
  }
}
