package dev.tftrt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.savedmodel.ModelDirs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void runsEveryStepOnTheBundledModelAndSaysWhetherTensorRtIsHere() {
    CliRun r = CliRun.of("demo", ModelDirs.KWS.toString());
    assertEquals(0, r.code(), r.err());
    String out = r.out();
    int inspect = out.indexOf("== 1/3  tftrt inspect ");
    int plan = out.indexOf("== 2/3  tftrt plan ");
    int trt = out.indexOf("== 3/3  TensorRT ");
    assertTrue(inspect >= 0 && inspect < plan && plan < trt, out);
    assertTrue(out.indexOf("variables frozen into constants: 56") > inspect, out);
    assertTrue(out.indexOf("Converted ") > plan && out.indexOf("What if (re-planned") > plan, out);
    String tail = out.substring(trt);
    assertTrue(tail.contains("TensorRT not available: ") && tail.contains("every step above ran without one")
        || tail.contains("engines can be built here"), tail);
  }

  @Test
  void stopsAtTheFirstStepThatFailsWithItsMessage() {
    CliRun r = CliRun.of("demo", dir.resolve("nowhere").toString());
    assertEquals(2, r.code());
    assertTrue(r.message().contains("does not exist"), r.err());
    assertFalse(r.out().contains("== 2/3"), r.out());
  }
}
