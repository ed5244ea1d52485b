package dev.tftrt.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds the machine's TensorRT backend once: the first {@link TensorRtBackend} registered with
 * {@link ServiceLoader} whose availability says yes. Setting the system property {@code tftrt.tensorrt} to
 * {@code off} forces the unavailable backend (to try native fallback on a GPU machine).
 */
public final class TensorRtBackends {
  private static volatile TensorRtBackend system;

  private TensorRtBackends() {}

  public static TensorRtBackend system() {
    TensorRtBackend s = system;
    if (s == null) {
      synchronized (TensorRtBackends.class) {
        if (system == null) {
          system = discover();
        }
        s = system;
      }
    }
    return s;
  }

  private static TensorRtBackend discover() {
    if ("off".equalsIgnoreCase(System.getProperty("tftrt.tensorrt", ""))) {
      return new UnavailableBackend("turned off by -Dtftrt.tensorrt=off");
    }
    List<String> reasons = new ArrayList<>();
    try {
      for (TensorRtBackend b : ServiceLoader.load(TensorRtBackend.class)) {
        Availability a = b.availability();
        if (a.available()) {
          return b;
        }
        reasons.add(a.reason());
      }
    } catch (ServiceConfigurationError | LinkageError e) {
      reasons.add(e.toString());
    }
    return new UnavailableBackend(reasons.isEmpty() ? "no TensorRT backend on the class path"
        : String.join("; ", reasons));
  }
}
