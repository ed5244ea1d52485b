package dev.tftrt.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every GPU test starts with: this machine's TensorRT backend, failing with the probe's reason if absent. */
public final class RequiredTensorRt {
  private RequiredTensorRt() {}

  public static TensorRtBackend backend() {
    TensorRtBackend backend = TensorRtBackends.system();
    Availability a = backend.availability();
    assertTrue(a.available(), a.describe());
    return backend;
  }
}
