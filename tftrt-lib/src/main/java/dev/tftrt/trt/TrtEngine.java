package dev.tftrt.trt;

import dev.tftrt.engine.Binding;
import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.ExecutionContext;
import dev.tftrt.engine.ShapeRange;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.tensorrt.global.nvinfer.LayerInformationFormat;
import org.bytedeco.tensorrt.global.nvinfer.OptProfileSelector;
import org.bytedeco.tensorrt.global.nvinfer.TensorIOMode;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IEngineInspector;

/**
 * A deserialized engine; its I/O tensors read once (their ranges from profile 0: every profile is the same).
 * Each live context holds one of the engine's optimization profiles, as TensorRT 8 requires.
 */
final class TrtEngine implements Engine {
  private final ICudaEngine engine;
  private final List<Binding> bindings;
  /** Which optimization profiles a live context holds; guarded by this. */
  private final boolean[] profileHeld;
  private boolean closed;

  TrtEngine(ICudaEngine engine) {
    this.engine = engine;
    List<Binding> inputs = new ArrayList<>();
    List<Binding> outputs = new ArrayList<>();
    for (int i = 0; i < engine.getNbIOTensors(); i++) {
      String name = engine.getIOTensorName(i);
      // Enums from JavaCPP may be fresh instances: compare their native values.
      boolean input = engine.getTensorIOMode(name).value == TensorIOMode.kINPUT.value;
      ShapeRange range = null;
      if (input) {
        range = new ShapeRange(Cuda.shape(engine.getProfileShape(name, 0, OptProfileSelector.kMIN)),
            Cuda.shape(engine.getProfileShape(name, 0, OptProfileSelector.kOPT)),
            Cuda.shape(engine.getProfileShape(name, 0, OptProfileSelector.kMAX)));
      }
      Binding b = new Binding(name, input, Cuda.fromTrt(engine.getTensorDataType(name)),
          Cuda.shape(engine.getTensorShape(name)), range);
      (input ? inputs : outputs).add(b);
    }
    inputs.addAll(outputs);
    this.bindings = List.copyOf(inputs);
    this.profileHeld = new boolean[Math.max(1, engine.getNbOptimizationProfiles())];
  }

  ICudaEngine handle() {
    if (closed) {
      throw new IllegalStateException("engine is closed");
    }
    return engine;
  }

  @Override
  public List<Binding> bindings() {
    return bindings;
  }

  @Override
  public ExecutionContext createContext() {
    CudaStream stream = new CudaStream();
    try {
      return new TrtExecutionContext(this, stream, true, false);
    } catch (RuntimeException e) {
      stream.close();
      throw e;
    }
  }

  @Override
  public ExecutionContext createContext(DeviceStream stream) {
    return new TrtExecutionContext(this, (CudaStream) stream, false, false);
  }

  @Override
  public ExecutionContext createContext(DeviceStream stream, boolean cudaGraphs) {
    return new TrtExecutionContext(this, (CudaStream) stream, false, cudaGraphs);
  }

  @Override
  public int maxContexts() {
    return profileHeld.length;
  }

  /** The lowest profile no live context holds, now held by the caller. */
  synchronized int takeProfile() {
    for (int k = 0; k < profileHeld.length; k++) {
      if (!profileHeld[k]) {
        profileHeld[k] = true;
        return k;
      }
    }
    throw new IllegalStateException("all " + profileHeld.length + " optimization profile(s) of the engine are held "
        + "by live execution contexts (TensorRT 8 runs one context per profile); close one, or build the engine "
        + "for more contexts (TrtConversionParams.executionContextsPerEngine)");
  }

  synchronized void releaseProfile(int profile) {
    profileHeld[profile] = false;
  }

  @Override
  public String layerInformationJson() {
    IEngineInspector inspector = handle().createEngineInspector();
    try {
      return inspector.getEngineInformation(LayerInformationFormat.kJSON);
    } finally {
      // TensorRT requires inspectors deleted before their engine.
      NativeDelete.delete(inspector, new IEngineInspector());
    }
  }

  @Override
  public long deviceMemoryBytes() {
    return handle().getDeviceMemorySize();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      engine.destroy();
    }
  }
}
