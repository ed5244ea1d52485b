package dev.tftrt.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * A constant tensor held in Java: element type, fully defined shape and the elements as little-endian bytes
 * (TensorFlow's {@code tensor_content} layout). String tensors keep their elements as byte strings instead.
 * Immutable: accessors return copies.
 */
public final class TensorValue {
  private final DataType dtype;
  private final Shape shape;
  private final byte[] data;
  private final List<byte[]> strings;

  private TensorValue(DataType dtype, Shape shape, byte[] data, List<byte[]> strings) {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
    this.strings = strings;
  }

  /** A tensor of a fixed-size type from its little-endian bytes. */
  public static TensorValue ofBytes(DataType dtype, Shape shape, byte[] data) {
    if (!shape.isFullyDefined()) {
      throw new IllegalArgumentException("a constant needs a fully defined shape, got " + shape);
    }
    if (dtype.byteSize() == 0) {
      throw new IllegalArgumentException(dtype + " has no fixed element size; use ofStrings");
    }
    long expected = shape.numElements() * dtype.byteSize();
    if (data.length != expected) {
      throw new IllegalArgumentException("a " + dtype.tfName() + shape + " tensor has " + expected
          + " bytes, got " + data.length);
    }
    return new TensorValue(dtype, shape, data.clone(), null);
  }

  public static TensorValue ofStrings(Shape shape, List<byte[]> values) {
    if (shape.numElements() != values.size()) {
      throw new IllegalArgumentException("a string tensor of shape " + shape + " needs "
          + shape.numElements() + " elements, got " + values.size());
    }
    return new TensorValue(DataType.STRING, shape, null, values.stream().map(byte[]::clone).toList());
  }

  public static TensorValue ofFloats(Shape shape, float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return ofBytes(DataType.FLOAT, shape, b.array());
  }

  public static TensorValue ofInts(Shape shape, int... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(values);
    return ofBytes(DataType.INT32, shape, b.array());
  }

  public static TensorValue ofLongs(Shape shape, long... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return ofBytes(DataType.INT64, shape, b.array());
  }

  public DataType dtype() {
    return dtype;
  }

  public Shape shape() {
    return shape;
  }

  public long numElements() {
    return shape.numElements();
  }

  /** The elements as little-endian bytes (a copy). */
  public byte[] bytes() {
    if (data == null) {
      throw new IllegalStateException("a string tensor has no fixed-size bytes");
    }
    return data.clone();
  }

  /** Read-only little-endian view, without copying. */
  public ByteBuffer buffer() {
    if (data == null) {
      throw new IllegalStateException("a string tensor has no fixed-size bytes");
    }
    return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  public List<byte[]> strings() {
    if (strings == null) {
      throw new IllegalStateException(dtype + " tensor holds no strings");
    }
    return strings.stream().map(byte[]::clone).toList();
  }

  /** The elements converted to float (from float, double, half, and integer types). */
  public float[] toFloats() {
    int n = Math.toIntExact(numElements());
    float[] out = new float[n];
    ByteBuffer b = buffer();
    for (int i = 0; i < n; i++) {
      out[i] = switch (dtype) {
        case FLOAT -> b.getFloat(i * 4);
        case DOUBLE -> (float) b.getDouble(i * 8);
        case HALF -> Half.toFloat(b.getShort(i * 2));
        case INT32 -> b.getInt(i * 4);
        case INT64 -> b.getLong(i * 8);
        case INT8 -> b.get(i);
        case UINT8 -> b.get(i) & 0xff;
        case INT16 -> b.getShort(i * 2);
        case BOOL -> b.get(i) != 0 ? 1f : 0f;
        default -> throw new IllegalStateException("cannot read " + dtype + " elements as float");
      };
    }
    return out;
  }

  /** The elements converted to long (integer and boolean types). */
  public long[] toLongs() {
    int n = Math.toIntExact(numElements());
    long[] out = new long[n];
    ByteBuffer b = buffer();
    for (int i = 0; i < n; i++) {
      out[i] = switch (dtype) {
        case INT32 -> b.getInt(i * 4);
        case INT64 -> b.getLong(i * 8);
        case INT8 -> b.get(i);
        case UINT8 -> b.get(i) & 0xff;
        case INT16 -> b.getShort(i * 2);
        case UINT16 -> b.getShort(i * 2) & 0xffff;
        case BOOL -> b.get(i);
        default -> throw new IllegalStateException("cannot read " + dtype + " elements as integers");
      };
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TensorValue t) || t.dtype != dtype || !t.shape.equals(shape)) {
      return false;
    }
    if (data != null) {
      return Arrays.equals(data, t.data);
    }
    if (t.strings == null || t.strings.size() != strings.size()) {
      return false;
    }
    for (int i = 0; i < strings.size(); i++) {
      if (!Arrays.equals(strings.get(i), t.strings.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * dtype.hashCode() + shape.hashCode()) + (data == null ? strings.size() : Arrays.hashCode(data));
  }

  @Override
  public String toString() {
    return "TensorValue(" + dtype.tfName() + shape + ")";
  }
}
