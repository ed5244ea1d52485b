package dev.tftrt.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's "an interrupted long benchmark leaves the kernel usable": the installed kernel, driven by Debian's
 * jupyter_client (protocol/benchmark_interrupt.py), runs a {@code %tftrt_bench} of a real SavedModel that would
 * take days, is interrupted once its timed runs show in the progress bar, and then runs the next cells.
 */
class KernelBenchmarkInterruptTest {
  static final Path MNIST_MLP = Path.of("../tftrt-lib/src/test/resources/models/kotlindl_mnist_mlp_tf2")
      .toAbsolutePath().normalize();

  @TempDir
  static Path work;
  private static JsonObject observed;

  @BeforeAll
  static void interruptABenchmark() throws Exception {
    observed = InstalledKernel.into(work.resolve("prefix")).observe(300, "benchmark_interrupt.py", MNIST_MLP.toString());
  }

  @Test
  void theInterruptCameWhileTimedRunsWereUnderWay() {
    assertTrue(observed.has("progress_before_interrupt") && !observed.get("progress_before_interrupt").isJsonNull(),
        "the progress bar never showed the timed runs: " + observed);
    String progress = observed.get("progress_before_interrupt").getAsString();
    assertTrue(progress.contains("native TensorFlow, batch 1: repeat 1/1"), progress);
  }

  /** The benchmark's own message means it stopped by itself; a thread stopped by force is reported otherwise. */
  @Test
  void theBenchmarkStopsByItselfAndSaysWhere() {
    JsonObject interrupted = observed.getAsJsonObject("interrupted");
    assertNotNull(interrupted, observed.toString());
    assertEquals("error", interrupted.get("status").getAsString(), interrupted.toString());
    assertEquals("CellInterruptedException", interrupted.get("ename").getAsString(), interrupted.toString());
    String message = interrupted.get("evalue").getAsString();
    assertTrue(message.startsWith("Interrupted: the benchmark was interrupted: native TensorFlow, batch 1"), message);
  }

  @Test
  void theKernelRunsTheNextBenchmarkAndCell() {
    JsonObject next = observed.getAsJsonObject("next_benchmark");
    assertEquals("ok", next.get("status").getAsString(), next.toString());
    assertTrue(next.get("result").getAsString().contains("native TensorFlow"), next.toString());
    assertEquals("2", observed.get("next_cell").getAsString());
  }
}
