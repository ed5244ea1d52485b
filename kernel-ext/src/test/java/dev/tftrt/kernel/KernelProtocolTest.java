package dev.tftrt.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the installed kernel with Jupyter's own client (Debian's jupyter_client, driven by
 * protocol/kernel_protocol.py) and checks what came back: execute, errors, completion, inspection,
 * is-complete, display updates, interrupt and restart.
 */
class KernelProtocolTest {
  @TempDir
  static Path work;
  private static JsonObject observed;

  @BeforeAll
  static void talkToTheKernel() throws Exception {
    observed = InstalledKernel.into(work.resolve("prefix")).observe(240, "kernel_protocol.py");
  }

  private static String text(String key) {
    JsonElement value = observed.get(key);
    return value == null || value.isJsonNull() ? null : value.getAsString();
  }

  private static JsonObject object(String key) {
    return observed.getAsJsonObject(key);
  }

  @Test
  void kernelInfoSaysJava() {
    assertEquals("java", text("language"));
  }

  @Test
  void executeReturnsValuesAndKeepsState() {
    assertEquals("2", text("one_plus_one"));
    assertEquals("2", text("state_value"));
    assertEquals("printed\n", text("stdout"));
  }

  @Test
  void compileErrorQuotesTheUsersLine() {
    JsonObject error = object("compile_error");
    assertEquals("error", error.get("status").getAsString());
    assertTrue(error.get("evalue").getAsString().startsWith("line 2: incompatible types"), error.toString());
    assertTrue(error.get("traceback").getAsString().contains("int broken = \"text\";"), error.toString());
  }

  @Test
  void runtimeErrorNamesExceptionAndCellLine() {
    JsonObject error = object("runtime_error");
    assertEquals("error", error.get("status").getAsString());
    assertEquals("java.lang.IllegalStateException: boom", error.get("evalue").getAsString());
    assertTrue(error.get("traceback").getAsString().contains("at cell line 2"), error.toString());
  }

  @Test
  void aCellThatRunsOutOfHeapFailsAndTheSessionGoesOn() {
    JsonObject error = object("out_of_heap");
    assertEquals("error", error.get("status").getAsString());
    assertTrue(error.get("evalue").getAsString().contains("OutOfMemoryError"), error.toString());
    assertEquals("2", text("after_out_of_heap"), "the variables of earlier cells are still there");
  }

  @Test
  void magicArgumentErrorPrintsUsage() {
    JsonObject error = object("magic_usage_error");
    assertEquals("error", error.get("status").getAsString());
    String traceback = error.get("traceback").getAsString();
    assertTrue(traceback.contains("nothing matches /no/such/dir/*.jar"), traceback);
    assertTrue(traceback.contains("usage: %jars"), traceback);
    assertTrue(!traceback.contains("\tat "), "no Java stack for a usage error: " + traceback);
  }

  @Test
  void displayUpdatesInPlace() {
    List<String> seen = new ArrayList<>();
    String id = null;
    for (JsonElement element : observed.getAsJsonArray("display")) {
      JsonObject message = element.getAsJsonObject();
      seen.add(message.get("type").getAsString() + ":" + message.get("text").getAsString());
      String messageId = message.get("display_id").getAsString();
      if (id == null) {
        id = messageId;
      }
      assertEquals(id, messageId, "the update names the first display");
    }
    assertEquals(List.of("display_data:first", "update_display_data:second"), seen);
  }

  @Test
  void completionOffersMethods() {
    JsonObject complete = object("complete");
    assertEquals("ok", complete.get("status").getAsString());
    List<String> matches = new ArrayList<>();
    complete.getAsJsonArray("matches").forEach(m -> matches.add(m.getAsString()));
    assertTrue(matches.contains("toUpperCase("), matches.toString());
    assertEquals("greeting.".length(), complete.get("cursor_start").getAsInt());
  }

  @Test
  void isCompleteTellsOpenBlocks() {
    assertEquals("incomplete", text("is_complete_open"));
    assertEquals("complete", text("is_complete_done"));
  }

  @Test
  void inspectShowsTheType() {
    JsonObject inspect = object("inspect");
    assertTrue(inspect.get("found").getAsBoolean(), inspect.toString());
    assertTrue(inspect.get("text").getAsString().contains("String"), inspect.toString());
  }

  @Test
  void interruptStopsASleepingCellAndKeepsTheSession() {
    JsonObject interrupt = object("interrupt_sleep");
    assertEquals("error", interrupt.get("status").getAsString());
    assertEquals("CellInterruptedException", interrupt.get("ename").getAsString());
    assertTrue(interrupt.get("seconds").getAsDouble() < 10, interrupt.toString());
    assertEquals("hi", text("after_interrupt_sleep"));
  }

  @Test
  void interruptStopsABusyLoop() {
    JsonObject interrupt = object("interrupt_busy_loop");
    assertEquals("error", interrupt.get("status").getAsString());
    assertEquals("CellInterruptedException", interrupt.get("ename").getAsString());
    assertEquals("hi!", text("after_interrupt_busy_loop"));
  }

  @Test
  void restartGivesAFreshSession() {
    JsonObject old = object("after_restart_old_variable");
    assertEquals("error", old.get("status").getAsString());
    assertTrue(old.get("evalue").getAsString().contains("cannot find symbol"), old.toString());
    assertEquals("5", text("after_restart"));
    assertTrue(observed.get("exited").getAsBoolean(), "the kernel process ends on shutdown");
  }
}
