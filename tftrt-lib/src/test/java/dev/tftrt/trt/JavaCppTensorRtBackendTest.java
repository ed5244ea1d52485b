package dev.tftrt.trt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.tftrt.engine.Availability;
import org.junit.jupiter.api.Test;

class JavaCppTensorRtBackendTest {

  @Test
  void withoutTheNativeLibrariesTheReasonIsOneShortLine() {
    Availability a = new JavaCppTensorRtBackend().availability();
    assumeFalse(a.available(), "TensorRT is available here; this checks the machines without it");

    assertTrue(a.reason().startsWith("the CUDA/TensorRT native libraries could not be loaded")
        || a.reason().equals("no CUDA GPU on this machine"), a.reason());
    assertFalse(a.reason().contains("java.library.path") || a.reason().contains("\n"), a.reason());
  }
}
