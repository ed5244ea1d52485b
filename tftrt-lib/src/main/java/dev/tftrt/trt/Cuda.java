package dev.tftrt.trt;

import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;

import dev.tftrt.graph.DataType;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.Dims32;

/** Small helpers shared by the JavaCPP classes: CUDA error checks and type and shape mapping. */
final class Cuda {
  private Cuda() {}

  static void check(int status, String what) {
    if (status != cudaSuccess) {
      throw new IllegalStateException(what + " failed: " + cudaGetErrorString(status).getString()
          + " (CUDA error " + status + ")");
    }
  }

  static nvinfer.DataType toTrt(DataType t) {
    return switch (t) {
      case FLOAT -> nvinfer.DataType.kFLOAT;
      case HALF -> nvinfer.DataType.kHALF;
      case INT8 -> nvinfer.DataType.kINT8;
      case INT32 -> nvinfer.DataType.kINT32;
      case BOOL -> nvinfer.DataType.kBOOL;
      case UINT8 -> nvinfer.DataType.kUINT8;
      default -> throw new IllegalArgumentException("TensorRT 8.6 has no " + t.tfName() + " tensors");
    };
  }

  /** By native value: enums JavaCPP returns may be fresh instances that identity and switch miss. */
  static DataType fromTrt(nvinfer.DataType t) {
    int v = t.value;
    for (DataType d : new DataType[] {DataType.FLOAT, DataType.HALF, DataType.INT8, DataType.INT32,
        DataType.BOOL, DataType.UINT8}) {
      if (toTrt(d).value == v) {
        return d;
      }
    }
    throw new IllegalArgumentException("no TensorFlow type for TensorRT data type " + v);
  }

  static Dims32 dims(long... d) {
    Dims32 dims = new Dims32();
    dims.nbDims(d.length);
    for (int i = 0; i < d.length; i++) {
      dims.d(i, Math.toIntExact(d[i]));
    }
    return dims;
  }

  static Dims32 dims(int... d) {
    Dims32 dims = new Dims32();
    dims.nbDims(d.length);
    for (int i = 0; i < d.length; i++) {
      dims.d(i, d[i]);
    }
    return dims;
  }

  static dev.tftrt.graph.Shape shape(Dims32 d) {
    if (d.nbDims() < 0) {
      return dev.tftrt.graph.Shape.unknown();
    }
    long[] s = new long[d.nbDims()];
    for (int i = 0; i < s.length; i++) {
      s[i] = d.d(i);
    }
    return dev.tftrt.graph.Shape.of(s);
  }
}
