package dev.tftrt.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's interrupted engine build in a notebook: the installed kernel, driven by Debian's jupyter_client
 * (protocol/build_interrupt.py), builds the engines of a real SavedModel with a progress bar, on a recording backend
 * whose builds take 30 s per layer and, like TensorRT's, ignore interrupts; the interrupt comes once the bar
 * shows TensorRT's tactic selection. The cell must end by itself, promptly, saying what it cancelled, and the
 * kernel must build and run the next cells.
 */
class KernelBuildInterruptTest {
  @TempDir
  static Path work;
  private static JsonObject observed;

  @BeforeAll
  static void interruptABuild() throws Exception {
    observed = InstalledKernel.into(work.resolve("prefix")).observe(300, "build_interrupt.py",
        KernelBenchmarkInterruptTest.MNIST_MLP.toString());
  }

  @Test
  void theInterruptCameDuringTensorRtsTacticSelection() {
    assertTrue(observed.has("progress_before_interrupt") && !observed.get("progress_before_interrupt").isJsonNull(),
        "the progress bar never showed the build: " + observed);
    assertTrue(observed.get("progress_before_interrupt").getAsString().contains("tactic selection started"),
        observed.toString());
  }

  @Test
  void theBuildStopsPromptlyByItselfAndTheMessageSaysWhatWasCancelled() {
    JsonObject interrupted = observed.getAsJsonObject("interrupted");
    assertNotNull(interrupted, observed.toString());
    assertEquals("error", interrupted.get("status").getAsString(), interrupted.toString());
    assertEquals("CellInterruptedException", interrupted.get("ename").getAsString(), interrupted.toString());
    String message = interrupted.get("evalue").getAsString();
    assertTrue(message.startsWith("Interrupted: segment '") && message.contains("': engine build cancelled during"
        + " tactic selection") && message.contains("(the thread was interrupted); no further engines were built"),
        message);
    assertFalse(message.contains("in the background"), message);
    // Within the kernel's 2 s grace: the cell was not stopped by force.
    assertTrue(interrupted.get("seconds").getAsDouble() < 2, interrupted.toString());
  }

  @Test
  void theKernelBuildsAndRunsTheNextCells() {
    JsonObject next = observed.getAsJsonObject("next_build");
    assertEquals("ok", next.get("status").getAsString(), next.toString());
    assertEquals("[]", next.get("result").getAsString(), "no fallbacks: " + next);
    assertEquals("2", observed.get("next_cell").getAsString());
  }
}
