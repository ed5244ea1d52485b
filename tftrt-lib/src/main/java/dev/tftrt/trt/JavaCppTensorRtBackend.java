package dev.tftrt.trt;

import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.bytedeco.cuda.global.cudart.cudaRuntimeGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.engine.Availability;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.engine.BuildMonitor;
import dev.tftrt.engine.BuildResult;
import dev.tftrt.engine.DeviceStream;
import dev.tftrt.engine.DeviceTensor;
import dev.tftrt.engine.Engine;
import dev.tftrt.engine.EngineBuildCancelledException;
import dev.tftrt.engine.EngineBuildException;
import dev.tftrt.engine.EngineConfig;
import dev.tftrt.engine.InterruptibleBuild;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.engine.ShapeRange;
import dev.tftrt.engine.TensorRtBackend;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvinfer.BuilderFlag;
import org.bytedeco.tensorrt.global.nvinfer.MemoryPoolType;
import org.bytedeco.tensorrt.global.nvinfer.OptProfileSelector;
import org.bytedeco.tensorrt.global.nvinfer.ProfilingVerbosity;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;

/**
 * TensorRT 8.6 through the JavaCPP presets, on GPU 0. Registered for {@link java.util.ServiceLoader}; making
 * one touches no native code, {@link #availability()} probes CUDA and TensorRT once and says why not when
 * they cannot load (no JNI libraries, no driver, no GPU). Builds and loads are serialized (one logger); a
 * build can be interrupted (see {@link #build}).
 */
public final class JavaCppTensorRtBackend implements TensorRtBackend {
  private static final Object LOCK = new Object();
  private static volatile Availability availability;
  private static TrtLogger logger;
  private static IRuntime runtime;
  /** One builder for all networks: creating one loads TensorRT's builder resources (seconds). */
  private static IBuilder builder;

  @Override
  public Availability availability() {
    Availability a = availability;
    if (a == null) {
      synchronized (LOCK) {
        if (availability == null) {
          availability = probe();
        }
        a = availability;
      }
    }
    return a;
  }

  private static Availability probe() {
    if (!cudaJniPresent()) {
      return Availability.unavailable("the CUDA/TensorRT native libraries could not be loaded (CUDA's JNI library "
          + System.mapLibraryName("jnicudart") + " is on neither the class path nor the library path; build with "
          + "-Pgpu)");
    }
    try {
      int[] count = {0};
      int status = cudaGetDeviceCount(count);
      if (status != cudaSuccess) {
        return Availability.unavailable("no usable CUDA GPU (" + cudaGetErrorString(status).getString() + ")");
      }
      if (count[0] == 0) {
        return Availability.unavailable("no CUDA GPU on this machine");
      }
      cudaDeviceProp p = new cudaDeviceProp();
      Cuda.check(cudaGetDeviceProperties(p, 0), "cudaGetDeviceProperties");
      int[] driver = {0};
      int[] runtimeVersion = {0};
      cudaDriverGetVersion(driver);
      cudaRuntimeGetVersion(runtimeVersion);
      int v = nvinfer.getInferLibVersion();
      String trt = (v / 1000) + "." + (v / 100 % 10) + "." + (v % 100);
      logger = new TrtLogger();
      return new Availability(true, "", p.name().getString(), p.major() + "." + p.minor(),
          cudaVersion(driver[0]), cudaVersion(runtimeVersion[0]), trt);
    } catch (LinkageError | RuntimeException e) {
      // The JVM's message lists the whole java.library.path; the library's name is what tells the user anything.
      String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("")
          .replaceFirst(" in java\\.library\\.path.*", "");
      return Availability.unavailable("the CUDA/TensorRT native libraries could not be loaded ("
          + e.getClass().getSimpleName() + ": " + m + ")");
    }
  }

  /**
   * Whether CUDA's JNI library is where JavaCPP's loader looks (the platform jar on the class path, else
   * java.library.path), checked without touching a presets class: initialising one prints JavaCPP's version
   * warning before the load fails.
   */
  private static boolean cudaJniPresent() {
    String library = System.mapLibraryName("jnicudart");
    if (JavaCppTensorRtBackend.class.getClassLoader()
        .getResource("org/bytedeco/cuda/" + Loader.getPlatform() + "/" + library) != null) {
      return true;
    }
    for (String dir : System.getProperty("java.library.path", "").split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && java.nio.file.Files.exists(java.nio.file.Path.of(dir, library))) {
        return true;
      }
    }
    return false;
  }

  private static String cudaVersion(int v) {
    return (v / 1000) + "." + (v % 1000 / 10);
  }

  private void requireAvailable() {
    Availability a = availability();
    if (!a.available()) {
      throw new TftrtException("TensorRT not available: " + a.reason());
    }
  }

  @Override
  public NetworkDefinition newNetwork() {
    requireAvailable();
    synchronized (LOCK) {
      if (builder == null) {
        IBuilder b = nvinfer.createInferBuilder(logger);
        if (b == null || b.isNull()) {
          throw new IllegalStateException("TensorRT could not create a builder: " + logger.lastError());
        }
        builder = b;
      }
      return new TrtNetwork(builder, logger);
    }
  }

  /**
   * Builds on a thread of its own ({@link InterruptibleBuild}): an interrupt of the caller, or its listener's
   * cancel request, gives the caller an {@link dev.tftrt.engine.EngineBuildCancelledException} within about a
   * second. TensorRT 8.6 itself cannot be stopped (its progress monitor came with TensorRT 10, and refusing the
   * cancelled build its GPU memory through a builder allocator crashed TensorRT on an H200), so the cancelled
   * build ends in the background, holding the builder, and its plan is dropped; the next build waits for it. The
   * network stays alive until the build thread is done with it, even when the caller closes it sooner.
   */
  @Override
  public BuildResult build(NetworkDefinition network, EngineConfig config, BuildListener listener) {
    requireAvailable();
    if (!(network instanceof TrtNetwork n) || n.isClosed()) {
      throw new IllegalArgumentException("network must be an open network of this backend");
    }
    return InterruptibleBuild.run(listener, monitor -> {
      if (!n.retain()) {
        throw new EngineBuildCancelledException("the network was closed before its build began");
      }
      try {
        return buildNow(n, config, monitor);
      } finally {
        n.release();
      }
    });
  }

  private BuildResult buildNow(TrtNetwork n, EngineConfig config, BuildMonitor monitor) {
    synchronized (LOCK) {
      if (monitor.cancelled()) {
        throw new EngineBuildCancelledException("cancelled while waiting for another build");
      }
      long start = System.nanoTime();
      TensorRtLogPhases phases = new TensorRtLogPhases(monitor);
      TrtLogger.Sink sink = new TrtLogger.Sink(monitor::message, phases::line);
      IBuilderConfig c = builder.createBuilderConfig();
      EntropyCalibrator calibrator = null;
      ITimingCache timingCache = null;
      BytePointer timingBytes = null;
      logger.install(sink);
      try {
        c.setMemoryPoolLimit(MemoryPoolType.kWORKSPACE, config.workspaceBytes());
        if (!config.tf32()) {
          c.clearFlag(BuilderFlag.kTF32);
        }
        if (config.precision() != Precision.FP32) {
          c.setFlag(BuilderFlag.kFP16);
        }
        c.setProfilingVerbosity(config.detailedProfiling() ? ProfilingVerbosity.kDETAILED
            : ProfilingVerbosity.kLAYER_NAMES_ONLY);
        c.setBuilderOptimizationLevel(config.optimizationLevel());
        addProfiles(n, builder, c, config);
        if (config.precision() == Precision.INT8) {
          c.setFlag(BuilderFlag.kINT8);
          calibrator = new EntropyCalibrator(config.calibration(), config.calibrationCache(), monitor.asListener());
          c.setInt8Calibrator(calibrator);
          c.setCalibrationProfile(calibrationProfile(n, builder, config));
        }
        byte[] cacheIn = config.timingCache();
        timingBytes = cacheIn == null ? new BytePointer() : new BytePointer(cacheIn);
        timingCache = c.createTimingCache(timingBytes, cacheIn == null ? 0 : cacheIn.length);
        if (timingCache == null || timingCache.isNull() || !c.setTimingCache(timingCache, false)) {
          monitor.message("timing cache not usable (" + logger.lastError() + "); building without it");
        }
        monitor.message("building " + config.precision() + " engine of " + n.layerCount() + " layers"
            + (config.executionContexts() > 1 ? " with " + config.executionContexts() + " optimization profiles" : "")
            + " at builder optimization level " + config.optimizationLevel());
        IHostMemory plan = builder.buildSerializedNetwork(n.network(), c);
        phases.finish();
        if (monitor.cancelled()) {
          if (plan != null && !plan.isNull()) {
            plan.destroy();
          }
          throw new EngineBuildCancelledException("cancelled");
        }
        if (calibrator != null && calibrator.failure() != null) {
          throw new EngineBuildException("calibration failed: " + calibrator.failure().getMessage(), sink.log);
        }
        if (plan == null || plan.isNull()) {
          throw new EngineBuildException("TensorRT could not build the network", sink.log);
        }
        byte[] planBytes = bytes(plan);
        plan.destroy();
        byte[] cacheOut = new byte[0];
        if (timingCache != null && !timingCache.isNull()) {
          IHostMemory tc = timingCache.serialize();
          cacheOut = bytes(tc);
          tc.destroy();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        monitor.message("built in " + millis + " ms: plan " + planBytes.length + " bytes"
            + (calibrator != null && calibrator.batches() > 0 ? ", " + calibrator.batches()
            + " calibration batches" : ""));
        return new BuildResult(planBytes, cacheOut, calibrator == null ? new byte[0] : calibrator.table(),
            List.copyOf(sink.log), millis);
      } finally {
        logger.uninstall();
        c.destroy();
        if (timingCache != null) {
          NativeDelete.delete(timingCache, new ITimingCache());
        }
        if (timingBytes != null) {
          timingBytes.close();
        }
        if (calibrator != null) {
          calibrator.release();
        }
      }
    }
  }

  private static byte[] bytes(IHostMemory m) {
    byte[] b = new byte[Math.toIntExact(m.size())];
    new BytePointer(m.data()).capacity(m.size()).get(b);
    return b;
  }

  /**
   * The config's profile, added once per execution context the engine must serve at once (TensorRT 8 binds
   * each live context to its own profile). A static network with one context needs none: TensorRT makes it.
   */
  private static void addProfiles(TrtNetwork n, IBuilder builder, IBuilderConfig c, EngineConfig config) {
    Map<String, ShapeRange> ranges = config.profile();
    boolean dynamic = false;
    for (int i = 0; i < n.network().getNbInputs(); i++) {
      ITensor t = n.network().getInput(i);
      Shape s = Cuda.shape(t.getDimensions());
      if (!s.isFullyDefined() && !ranges.containsKey(t.getName())) {
        throw new IllegalArgumentException("input '" + t.getName() + "' has dynamic shape " + s
            + " but the config gives it no profile range");
      }
      dynamic |= !s.isFullyDefined();
    }
    for (String name : ranges.keySet()) {
      if (!n.inputNames().contains(name)) {
        throw new IllegalArgumentException("profile names '" + name + "', which is not a network input; inputs: "
            + n.inputNames());
      }
    }
    if (!dynamic && ranges.isEmpty() && config.executionContexts() == 1) {
      return;
    }
    for (int k = 0; k < config.executionContexts(); k++) {
      IOptimizationProfile p = builder.createOptimizationProfile();
      for (int i = 0; i < n.network().getNbInputs(); i++) {
        ITensor t = n.network().getInput(i);
        ShapeRange r = ranges.get(t.getName());
        if (r == null) {
          r = ShapeRange.fixed(Cuda.shape(t.getDimensions()));
        }
        p.setDimensions(t.getName(), OptProfileSelector.kMIN, Cuda.dims(r.min().dims()));
        p.setDimensions(t.getName(), OptProfileSelector.kOPT, Cuda.dims(r.opt().dims()));
        p.setDimensions(t.getName(), OptProfileSelector.kMAX, Cuda.dims(r.max().dims()));
      }
      if (c.addOptimizationProfile(p) < 0) {
        throw new IllegalArgumentException("TensorRT refused optimization profile " + k + ": " + ranges);
      }
    }
  }

  /** Calibration runs at one shape per input: the source's batch shape, else the profile's opt shape. */
  private static IOptimizationProfile calibrationProfile(TrtNetwork n, IBuilder builder, EngineConfig config) {
    IOptimizationProfile p = builder.createOptimizationProfile();
    for (int i = 0; i < n.network().getNbInputs(); i++) {
      ITensor t = n.network().getInput(i);
      Shape s = config.calibration() != null ? config.calibration().batchShapes().get(t.getName()) : null;
      if (s == null) {
        ShapeRange r = config.profile().get(t.getName());
        s = r != null ? r.opt() : Cuda.shape(t.getDimensions());
      }
      for (OptProfileSelector sel : OptProfileSelector.values()) {
        p.setDimensions(t.getName(), sel, Cuda.dims(s.dims()));
      }
    }
    return p;
  }

  @Override
  public Engine deserialize(byte[] plan) {
    requireAvailable();
    synchronized (LOCK) {
      if (runtime == null) {
        runtime = nvinfer.createInferRuntime(logger);
      }
      TrtLogger.Sink sink = new TrtLogger.Sink(m -> { });
      logger.install(sink);
      try (BytePointer p = new BytePointer(plan)) {
        ICudaEngine e = runtime.deserializeCudaEngine(p, plan.length);
        if (e == null || e.isNull()) {
          throw new TftrtException("plan of " + plan.length + " bytes is not a valid TensorRT "
              + availability().tensorRtVersion() + " engine for " + availability().gpuName()
              + " (truncated, corrupt, or built by another TensorRT version or GPU)"
              + (sink.log.isEmpty() ? "" : ": " + sink.log.get(sink.log.size() - 1)));
        }
        return new TrtEngine(e);
      } finally {
        logger.uninstall();
      }
    }
  }

  @Override
  public DeviceStream newStream() {
    requireAvailable();
    return new CudaStream();
  }

  @Override
  public DeviceTensor allocate(DataType type, Shape shape) {
    requireAvailable();
    return new CudaTensor(type, shape);
  }

  @Override
  public OptionalLong deviceMemoryInUse() {
    if (!availability().available()) {
      return OptionalLong.empty();
    }
    try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
      Cuda.check(cudaMemGetInfo(free, total), "cudaMemGetInfo");
      return OptionalLong.of(total.get() - free.get());
    }
  }
}
