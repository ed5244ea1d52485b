package dev.tftrt.trt;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;

import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.CalibrationSource;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.tensorrt.nvinfer.IInt8EntropyCalibrator2;

/**
 * TensorRT's entropy calibrator (version 2), implemented in Java: TensorRT calls back for batches, which come
 * from a {@link CalibrationSource}, and for the calibration table cache. Callbacks cannot throw into
 * TensorRT: a failure stops calibration and is rethrown after the build by {@link #failure()}.
 */
final class EntropyCalibrator extends IInt8EntropyCalibrator2 {
  private final CalibrationSource source;
  private final byte[] cacheIn;
  private final BuildListener listener;
  private final Map<String, Pointer> deviceInputs = new HashMap<>();
  private BytePointer cachePointer;
  private byte[] table = new byte[0];
  private int batches;
  private RuntimeException failure;

  EntropyCalibrator(CalibrationSource source, byte[] cacheIn, BuildListener listener) {
    this.source = source;
    this.cacheIn = cacheIn;
    this.listener = listener;
  }

  /** The calibration table TensorRT wrote (empty if it reused a cache without writing). */
  byte[] table() {
    return table.length > 0 ? table.clone() : cacheIn == null ? new byte[0] : cacheIn.clone();
  }

  int batches() {
    return batches;
  }

  RuntimeException failure() {
    return failure;
  }

  /** Explicit-batch networks carry the batch in the input shapes (the calibration profile), so 1. */
  @Override
  public int getBatchSize() {
    return 1;
  }

  @Override
  public boolean getBatch(PointerPointer bindings, PointerPointer names, int nbBindings) {
    if (source == null || failure != null || listener.cancelRequested()) {
      return false;
    }
    try {
      Optional<Map<String, TensorValue>> next = source.next();
      if (next.isEmpty()) {
        listener.progress("calibration: " + batches + " batches done, computing ranges");
        return false;
      }
      Map<String, Shape> shapes = source.batchShapes();
      for (int i = 0; i < nbBindings; i++) {
        String name = names.getString(i);
        TensorValue v = next.get().get(name);
        if (v == null) {
          throw new IllegalArgumentException("calibration batch has no tensor for network input '" + name
              + "'; it has " + next.get().keySet());
        }
        if (v.dtype() != DataType.FLOAT || !v.shape().equals(shapes.get(name))) {
          throw new IllegalArgumentException("calibration tensor '" + name + "' is " + v.dtype().tfName()
              + v.shape() + ", expected float32" + shapes.get(name));
        }
        byte[] bytes = v.bytes();
        Pointer device = deviceInputs.computeIfAbsent(name, n -> {
          Pointer p = new Pointer();
          Cuda.check(cudaMalloc(p, bytes.length), "cudaMalloc for calibration");
          return p;
        });
        try (BytePointer host = new BytePointer(bytes)) {
          Cuda.check(cudaMemcpy(device, host, bytes.length, cudaMemcpyHostToDevice), "cudaMemcpy");
        }
        bindings.put(i, device);
      }
      batches++;
      int total = source.batchCount();
      listener.progress("calibration: batch " + batches + (total > 0 ? "/" + total : ""));
      return true;
    } catch (RuntimeException e) {
      failure = e;
      return false;
    }
  }

  @Override
  public Pointer readCalibrationCache(LongPointer length) {
    if (cacheIn == null) {
      length.put(0, 0L);
      return null;
    }
    if (cachePointer == null) {
      cachePointer = new BytePointer(cacheIn);
    }
    length.put(0, (long) cacheIn.length);
    listener.progress("calibration: reusing a calibration table of " + cacheIn.length + " bytes");
    return cachePointer;
  }

  @Override
  public void writeCalibrationCache(Pointer ptr, long length) {
    byte[] t = new byte[Math.toIntExact(length)];
    new BytePointer(ptr).capacity(length).get(t);
    table = t;
  }

  /** Frees the device buffers and the cache copy. */
  void release() {
    deviceInputs.values().forEach(p -> cudaFree(p));
    deviceInputs.clear();
    if (cachePointer != null) {
      cachePointer.close();
      cachePointer = null;
    }
  }
}
