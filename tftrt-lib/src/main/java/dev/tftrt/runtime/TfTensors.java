package dev.tftrt.runtime;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.EnumMap;
import java.util.Map;
import org.tensorflow.RawTensor;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint16;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/** Copies between {@link TensorValue}s (little-endian bytes) and TensorFlow Java tensors (native, x86: LE). */
final class TfTensors {
  private TfTensors() {}

  /** A new TensorFlow tensor holding a copy of {@code value}; the caller closes it. */
  static Tensor toTensor(TensorValue value) {
    Class<? extends TType> type = tensorType(value.dtype());
    return Tensor.of(type, org.tensorflow.ndarray.Shape.of(value.shape().dims()),
        DataBuffers.of(value.buffer()));
  }

  /** A copy of a TensorFlow tensor's elements. */
  static TensorValue toValue(Tensor tensor) {
    DataType dtype = DataType.fromNumber(tensor.dataType().getNumber());
    Shape shape = Shape.of(tensor.shape().asArray());
    RawTensor raw = tensor.asRawTensor();
    byte[] bytes = new byte[Math.toIntExact(raw.numBytes())];
    raw.data().read(bytes);
    return TensorValue.ofBytes(dtype, shape, bytes);
  }

  /** TensorFlow Java's tensor class for each element type tensors may have between stages. */
  private static final Map<DataType, Class<? extends TType>> TYPES = new EnumMap<>(Map.of(
      DataType.FLOAT, TFloat32.class, DataType.DOUBLE, TFloat64.class, DataType.HALF, TFloat16.class,
      DataType.BFLOAT16, TBfloat16.class, DataType.INT32, TInt32.class, DataType.INT64, TInt64.class,
      DataType.UINT8, TUint8.class, DataType.UINT16, TUint16.class, DataType.BOOL, TBool.class));

  /** The supported element types, for messages. */
  static final String SUPPORTED = "float32, float64, float16, bfloat16, int32, int64, uint8, uint16, bool";

  static boolean supports(DataType dtype) {
    return TYPES.containsKey(dtype);
  }

  static Class<? extends TType> tensorType(DataType dtype) {
    Class<? extends TType> type = TYPES.get(dtype);
    if (type == null) {
      throw new TftrtException("tensors of type " + dtype.tfName() + " cannot be passed between stages; supported: "
          + SUPPORTED);
    }
    return type;
  }
}
