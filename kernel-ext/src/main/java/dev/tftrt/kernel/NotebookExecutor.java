package dev.tftrt.kernel;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Executes a notebook's code cells in order on a kernel through {@link KernelClient} and fills in their outputs
 * in nbformat 4, as nbclient does: streams merged, displays updated in place by display id, results with their
 * execution count, errors with their traceback, and every cell run even after an error.
 */
final class NotebookExecutor {
  private NotebookExecutor() {}

  /** A cell that did not finish in time: its place (1-based, markdown cells counted), source and what was seen. */
  record Timeout(int cell, String source, KernelClient.CellTimeout what) {}

  /**
   * Runs {@code notebook} (parsed nbformat 4 JSON; its cells get their outputs) with the kernel {@code argv}
   * started in {@code workingDirectory}. A cell that times out gets an error output after what it showed; when
   * the kernel does not come back from the interrupt either, or dies, the remaining cells are left unrun. Each
   * timeout goes to {@code timedOut} before the next cell runs.
   */
  static void execute(JsonObject notebook, List<String> argv, Map<String, String> env, Path workingDirectory,
      Path scratch, long cellTimeoutSeconds, Consumer<Timeout> timedOut) throws IOException {
    try (KernelClient kernel = KernelClient.start(argv, env, workingDirectory, scratch, 120)) {
      Map<String, List<JsonObject>> displays = new HashMap<>();
      JsonArray cells = notebook.getAsJsonArray("cells");
      for (int i = 0; i < cells.size(); i++) {
        JsonObject cell = cells.get(i).getAsJsonObject();
        if (!cell.get("cell_type").getAsString().equals("code")) {
          continue;
        }
        String source = NotebookRunner.text(cell.get("source"));
        CellOutputs outputs = new CellOutputs(displays);
        JsonObject reply = null;
        boolean stuck = false;
        try {
          reply = kernel.execute(source, cellTimeoutSeconds, outputs::accept);
        } catch (KernelClient.CellTimeout e) {
          timedOut.accept(new Timeout(i + 1, source, e));
          stuck = !e.kernelCameBack;
          outputs.error("CellTimeout", e.getMessage() + (stuck ? "; the notebook's remaining cells were not run"
              : ""));
        } catch (dev.tftrt.TftrtException e) {
          // The kernel died: there is nothing left to run the other cells.
          outputs.error("KernelDied", e.getMessage() + "; the notebook's remaining cells were not run");
          stuck = true;
        }
        cell.add("outputs", outputs.list());
        if (reply != null && reply.has("execution_count")) {
          cell.add("execution_count", reply.get("execution_count"));
        }
        if (stuck) {
          break;
        }
      }
    }
  }

  /** One cell's outputs as they arrive. */
  private static final class CellOutputs {
    private final Map<String, List<JsonObject>> displays;
    private final JsonArray outputs = new JsonArray();
    private boolean clearBeforeNext;

    CellOutputs(Map<String, List<JsonObject>> displays) {
      this.displays = displays;
    }

    JsonArray list() {
      return outputs;
    }

    void accept(KernelClient.Message m) {
      JsonObject c = m.content();
      switch (m.type()) {
        case "stream":
          clearIfAsked();
          JsonObject last = outputs.isEmpty() ? null : outputs.get(outputs.size() - 1).getAsJsonObject();
          String name = c.get("name").getAsString();
          if (last != null && last.get("output_type").getAsString().equals("stream")
              && last.get("name").getAsString().equals(name)) {
            last.addProperty("text", last.get("text").getAsString() + c.get("text").getAsString());
          } else {
            JsonObject o = new JsonObject();
            o.addProperty("output_type", "stream");
            o.addProperty("name", name);
            o.add("text", c.get("text"));
            outputs.add(o);
          }
          break;
        case "display_data":
        case "execute_result": {
          clearIfAsked();
          JsonObject o = new JsonObject();
          o.addProperty("output_type", m.type());
          o.add("data", c.get("data"));
          o.add("metadata", c.has("metadata") ? c.get("metadata") : new JsonObject());
          if (m.type().equals("execute_result")) {
            o.add("execution_count", c.get("execution_count"));
          }
          outputs.add(o);
          String id = displayId(c);
          if (id != null) {
            displays.computeIfAbsent(id, k -> new ArrayList<>()).add(o);
          }
          break;
        }
        case "update_display_data": {
          String id = displayId(c);
          for (JsonObject shown : displays.getOrDefault(id, List.of())) {
            shown.add("data", c.get("data"));
            shown.add("metadata", c.has("metadata") ? c.get("metadata") : new JsonObject());
          }
          break;
        }
        case "error": {
          clearIfAsked();
          JsonObject o = new JsonObject();
          o.addProperty("output_type", "error");
          o.add("ename", c.get("ename"));
          o.add("evalue", c.get("evalue"));
          o.add("traceback", c.has("traceback") ? c.get("traceback") : new JsonArray());
          outputs.add(o);
          break;
        }
        case "clear_output":
          if (c.has("wait") && c.get("wait").getAsBoolean()) {
            clearBeforeNext = true;
          } else {
            clear();
          }
          break;
        default:
          // execute_input and other bookkeeping: not part of the notebook
      }
    }

    void error(String name, String value) {
      JsonObject o = new JsonObject();
      o.addProperty("output_type", "error");
      o.addProperty("ename", name);
      o.addProperty("evalue", value);
      JsonArray traceback = new JsonArray();
      traceback.add(value);
      o.add("traceback", traceback);
      outputs.add(o);
    }

    private void clearIfAsked() {
      if (clearBeforeNext) {
        clear();
        clearBeforeNext = false;
      }
    }

    private void clear() {
      while (!outputs.isEmpty()) {
        outputs.remove(outputs.size() - 1);
      }
    }

    private static String displayId(JsonObject content) {
      if (content.has("transient") && content.getAsJsonObject("transient").has("display_id")) {
        return content.getAsJsonObject("transient").get("display_id").getAsString();
      }
      return null;
    }
  }
}
