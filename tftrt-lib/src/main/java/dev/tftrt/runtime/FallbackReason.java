package dev.tftrt.runtime;

/** Why a segment ran in TensorFlow instead of TensorRT, as TF-TRT's {@code TRTEngineOp} decides. */
public enum FallbackReason {
  /** No GPU, no TensorRT libraries, or TensorRT turned off. */
  TENSORRT_UNAVAILABLE,
  /** TensorRT could not build the segment (at conversion or at run time). */
  BUILD_FAILED,
  /** The saved plan could not be used: missing, truncated, or made for another GPU or TensorRT version. */
  PLAN_UNUSABLE,
  /** The input shapes are outside every engine's profile and no new engine may be built for them. */
  SHAPE_OUTSIDE_PROFILE,
  /** No engine was built and {@code allowBuildAtRuntime} is false. */
  NO_ENGINE,
  /** The engine failed while executing; the segment was rerun in TensorFlow. */
  EXECUTION_FAILED
}
