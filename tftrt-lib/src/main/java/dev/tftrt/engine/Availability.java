package dev.tftrt.engine;

/**
 * Whether TensorRT can build and run engines here, and on what. When not available, {@code reason} says why
 * (no GPU, native libraries missing, ...) and the other fields are empty strings.
 *
 * @param computeCapability as {@code "9.0"}
 * @param driverVersion CUDA driver API version as {@code "13.0"}
 * @param cudaRuntimeVersion the CUDA runtime library version, as {@code "12.3"}
 * @param tensorRtVersion as {@code "8.6.1"}
 */
public record Availability(boolean available, String reason, String gpuName, String computeCapability,
    String driverVersion, String cudaRuntimeVersion, String tensorRtVersion) {

  public static Availability unavailable(String reason) {
    return new Availability(false, reason, "", "", "", "", "");
  }

  /** One line for logs and manifests: {@code NVIDIA H100 (sm 9.0), driver 13.0, CUDA 12.3, TensorRT 8.6.1}. */
  public String describe() {
    if (!available) {
      return "TensorRT not available: " + reason;
    }
    return gpuName + " (compute capability " + computeCapability + "), CUDA driver " + driverVersion
        + ", CUDA runtime " + cudaRuntimeVersion + ", TensorRT " + tensorRtVersion;
  }
}
