package dev.tftrt.graph;

/** TensorFlow element types, with the numbers {@code types.proto} gives them. */
public enum DataType {
  INVALID(0, 0),
  FLOAT(1, 4),
  DOUBLE(2, 8),
  INT32(3, 4),
  UINT8(4, 1),
  INT16(5, 2),
  INT8(6, 1),
  STRING(7, 0),
  COMPLEX64(8, 8),
  INT64(9, 8),
  BOOL(10, 1),
  QINT8(11, 1),
  QUINT8(12, 1),
  QINT32(13, 4),
  BFLOAT16(14, 2),
  QINT16(15, 2),
  QUINT16(16, 2),
  UINT16(17, 2),
  COMPLEX128(18, 16),
  HALF(19, 2),
  RESOURCE(20, 0),
  VARIANT(21, 0),
  UINT32(22, 4),
  UINT64(23, 8);

  private final int number;
  private final int byteSize;

  DataType(int number, int byteSize) {
    this.number = number;
    this.byteSize = byteSize;
  }

  /** The number used in protobufs. */
  public int number() {
    return number;
  }

  /** Bytes per element; 0 for types without a fixed size (strings, resources, variants). */
  public int byteSize() {
    return byteSize;
  }

  public boolean isFloating() {
    return this == FLOAT || this == DOUBLE || this == HALF || this == BFLOAT16;
  }

  /** The type for a protobuf number; reference types ({@code 100 +}) map to their base type. */
  public static DataType fromNumber(int number) {
    int base = number > 100 ? number - 100 : number;
    for (DataType t : values()) {
      if (t.number == base) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown TensorFlow DataType number " + number);
  }

  /** Short lower-case name as TensorFlow prints it ({@code float32}, {@code int64}, ...). */
  public String tfName() {
    return switch (this) {
      case FLOAT -> "float32";
      case DOUBLE -> "float64";
      case HALF -> "float16";
      default -> name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
