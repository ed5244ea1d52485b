package dev.tftrt.bench;

import dev.tftrt.engine.Availability;
import dev.tftrt.engine.TensorRtBackends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where numbers were measured: the machine, the JVM and the libraries. A benchmark figure means nothing
 * without it.
 *
 * @param tensorRt the GPU, CUDA driver and runtime and TensorRT version, or why TensorRT is not available
 */
public record Environment(String javaVersion, String javaVm, String os, String cpuModel, int cpuCores,
    long maxHeapBytes, String tensorFlowVersion, Availability tensorRt) {

  /** This JVM and machine, with TensorRT as {@link TensorRtBackends#system()} sees it. */
  public static Environment capture() {
    return capture(TensorRtBackends.system().availability());
  }

  public static Environment capture(Availability tensorRt) {
    return new Environment(System.getProperty("java.version"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch"),
        cpuModel(Path.of("/proc/cpuinfo")), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory(), SavedModelTarget.tensorFlowVersion(), tensorRt);
  }

  /** The first {@code model name} line of a Linux {@code /proc/cpuinfo}; "unknown" where there is none. */
  static String cpuModel(Path cpuinfo) {
    try {
      for (String line : Files.readAllLines(cpuinfo)) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("model name")) {
          return line.substring(colon + 1).trim();
        }
      }
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
    return "unknown";
  }

  /** Several lines, for reports. */
  public String describe() {
    return String.join("\n",
        "CPU: " + cpuModel + ", " + cpuCores + " cores available",
        "Java: " + javaVersion + " (" + javaVm + "), max heap " + maxHeapBytes / (1 << 20) + " MiB",
        "OS: " + os,
        "TensorFlow: " + tensorFlowVersion,
        tensorRt.available() ? "GPU: " + tensorRt.describe() : "GPU: none usable (TensorRT not available)");
  }
}
