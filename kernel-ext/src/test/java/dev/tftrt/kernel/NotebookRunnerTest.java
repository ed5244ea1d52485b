package dev.tftrt.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The runner behind {@code ./tftrt notebooks}, on a notebook written here with Debian's Jupyter for real. */
class NotebookRunnerTest {
  private static String cell(String type, String source, boolean expectError) {
    String metadata = expectError ? "{\"tags\": [\"raises-exception\"]}" : "{}";
    String extra = type.equals("code") ? ", \"execution_count\": null, \"outputs\": []" : "";
    return "{\"cell_type\": \"" + type + "\", \"metadata\": " + metadata + extra + ", \"source\": "
        + com.google.gson.JsonParser.parseString("\"" + source.replace("\"", "\\\"").replace("\n", "\\n") + "\"")
        + "}";
  }

  @ParameterizedTest
  @EnumSource(NotebookRunner.Engine.class)
  void executesIntoTheFolderAndReportsCellsThatFailUntagged(NotebookRunner.Engine engine, @TempDir Path work)
      throws Exception {
    Path notebook = work.resolve("try.ipynb");
    String json = "{\"nbformat\": 4, \"nbformat_minor\": 4, \"metadata\": {\"kernelspec\": {\"name\": \"tftrt-java\","
        + " \"display_name\": \"Java (TF-TRT)\", \"language\": \"java\"}}, \"cells\": ["
        + String.join(", ", cell("markdown", "# A try", false), cell("code", "int answer = 6 * 7;\nSystem.out.println(\"printed\");\nanswer", false),
            cell("code", "var bar = progress(\"Counting\", 2);\nbar.step(\"one\");\nbar.step(\"two\");\nbar.finish();", false),
            cell("code", "int wrong = \"text\";", true),
            cell("code", "throw new IllegalStateException(\"boom\");", false),
            cell("code", "answer + 1", false))
        + "]}";
    Files.writeString(notebook, json);
    List<String> log = new ArrayList<>();

    List<NotebookRunner.Result> results = NotebookRunner.run(List.of(notebook), work.resolve("out"), 120, engine,
        log::add);

    assertEquals(1, results.size());
    NotebookRunner.Result r = results.get(0);
    assertEquals(5, r.codeCells());
    assertEquals(1, r.errors().size(), r.errors().toString());
    NotebookRunner.CellError e = r.errors().get(0);
    assertEquals(5, e.cell(), "the fifth cell of the notebook (the markdown counts)");
    assertTrue(e.value().contains("boom"), e.toString());
    JsonArray cells = JsonParser.parseString(Files.readString(work.resolve("out/try.ipynb"))).getAsJsonObject()
        .getAsJsonArray("cells");
    JsonArray first = cells.get(1).getAsJsonObject().getAsJsonArray("outputs");
    assertEquals("stream", first.get(0).getAsJsonObject().get("output_type").getAsString(), first.toString());
    assertEquals("printed\n", NotebookRunner.text(first.get(0).getAsJsonObject().get("text")));
    assertEquals("42", NotebookRunner.text(first.get(1).getAsJsonObject().getAsJsonObject("data").get("text/plain")));
    JsonArray progress = cells.get(2).getAsJsonObject().getAsJsonArray("outputs");
    assertEquals(1, progress.size(), "one display, updated in place: " + progress);
    assertEquals("Counting: 2/2 (100%) - two", NotebookRunner.text(progress.get(0).getAsJsonObject()
        .getAsJsonObject("data").get("text/plain")));
    assertTrue(cells.get(3).getAsJsonObject().getAsJsonArray("outputs").toString().contains("incompatible types"),
        "the tagged error is kept: " + cells.get(3));
    assertEquals("43", NotebookRunner.text(cells.get(5).getAsJsonObject().getAsJsonArray("outputs").get(0)
        .getAsJsonObject().getAsJsonObject("data").get("text/plain")), "the cell after the error ran too");
    assertEquals(json, Files.readString(notebook), "the notebook itself is left as it was");
    List<String> written = engine == NotebookRunner.Engine.NBCONVERT ? List.of("try.html", "try.ipynb")
        : List.of("try.ipynb");
    try (var files = Files.list(work.resolve("out"))) {
      assertEquals(written, files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    if (engine == NotebookRunner.Engine.NBCONVERT) {
      assertTrue(Files.readString(work.resolve("out/try.html")).contains("IllegalStateException"));
    }
    assertTrue(log.stream().anyMatch(l -> l.contains("try.ipynb: 5 code cells")), log.toString());
  }

  /** Cell code starting two daemon threads that each wait for the other's monitor. */
  private static final String DEADLOCK = "void deadlockTwoThreads() throws InterruptedException {\n"
      + "  Object a = new Object(), b = new Object();\n"
      + "  var bothHoldOne = new java.util.concurrent.CountDownLatch(2);\n"
      + "  for (Object[] order : new Object[][] {{a, b}, {b, a}}) {\n"
      + "    Thread t = new Thread(() -> { synchronized (order[0]) { bothHoldOne.countDown();\n"
      + "      try { bothHoldOne.await(); } catch (InterruptedException e) { return; }\n"
      + "      synchronized (order[1]) { } } }, \"locking-\" + (order[0] == a ? \"ab\" : \"ba\"));\n"
      + "    t.setDaemon(true);\n"
      + "    t.start();\n"
      + "  }\n"
      + "  bothHoldOne.await();\n"
      + "}";

  /**
   * A cell that runs past the timeout (the java engine, as on the GPU host): it is reported, the kernel's threads
   * name the sleeping cell thread and a deadlock elsewhere, and the next cell still runs.
   */
  @Test
  void aCellPastTheTimeoutLeavesTheKernelsThreadsAndTheNextCellRuns(@TempDir Path work) throws Exception {
    Path notebook = work.resolve("slow.ipynb");
    Files.writeString(notebook, "{\"nbformat\": 4, \"nbformat_minor\": 4, \"metadata\": {}, \"cells\": ["
        + String.join(", ", cell("code", "int before = 41;\n" + DEADLOCK, false),
            cell("code", "void waitLong() throws InterruptedException {\n  Thread.sleep(600_000);\n}\n"
                + "deadlockTwoThreads();\nSystem.out.println(\"about to wait\");\nwaitLong();", false),
            cell("code", "before + 1", false))
        + "]}");
    List<String> log = new ArrayList<>();

    NotebookRunner.Result r = NotebookRunner.run(List.of(notebook), work.resolve("out"), 15,
        NotebookRunner.Engine.JAVA, log::add).get(0);

    assertEquals(List.of("CellInterruptedException", "CellTimeout"), r.errors().stream()
        .map(NotebookRunner.CellError::name).toList(), "the kernel's interrupt error, then the runner's");
    assertTrue(r.errors().stream().allMatch(c -> c.cell() == 2), r.errors().toString());
    NotebookRunner.CellError e = r.errors().get(1);
    assertTrue(e.value().startsWith("the cell did not finish within 15 s; the kernel's threads were dumped"),
        e.value());
    JsonArray cells = JsonParser.parseString(Files.readString(work.resolve("out/slow.ipynb"))).getAsJsonObject()
        .getAsJsonArray("cells");
    JsonArray slow = cells.get(1).getAsJsonObject().getAsJsonArray("outputs");
    assertEquals("about to wait\n", NotebookRunner.text(slow.get(0).getAsJsonObject().get("text")),
        "what the cell showed before the timeout is kept: " + slow);
    assertEquals("42", NotebookRunner.text(cells.get(2).getAsJsonObject().getAsJsonArray("outputs").get(0)
        .getAsJsonObject().getAsJsonObject("data").get("text/plain")), "the cell after the timeout ran");

    String threads = Files.readString(work.resolve("out/slow" + NotebookRunner.THREADS_SUFFIX));
    String project = threads.substring(threads.indexOf("== Threads running project code"),
        threads.indexOf("== The kernel log's last lines"));
    assertTrue(project.matches("(?s).*\"tftrt-cell-\\d+\".*java\\.lang\\.Thread\\.sleep.*waitLong.*"),
        "the cell thread, asleep in the cell's method:\n" + threads);
    assertTrue(threads.contains("after the interrupt the kernel finished the cell"), threads);
    assertTrue(threads.matches("(?s).*Found one Java-level deadlock:.*\"locking-(ab|ba)\".*"),
        "HotSpot's deadlock report, after the threads:\n" + threads);
    assertTrue(threads.contains("\n== All threads\n\n" + KernelThreads.DUMP_START), threads);
    String linux = threads.substring(threads.indexOf("== The same threads as Linux sees them"),
        threads.indexOf("== Java and native frames"));
    assertTrue(linux.matches("(?s).*\\n +\\d+ +0x\\p{XDigit}+ tftrt-cell-\\d+ +S .*"),
        "the cell thread, sleeping, by its Linux id:\n" + linux);
    assertTrue(log.stream().anyMatch(l -> l.contains("cell 2 (void waitLong() throws InterruptedException {)"
        + " did not finish within 15 s")), log.toString());
    assertTrue(log.stream().anyMatch(l -> l.contains("tftrt-cell-") && l.contains("Thread.sleep")), log.toString());
  }

  @Test
  void aMissingNotebookIsNamed(@TempDir Path work) {
    TftrtException e = assertThrows(TftrtException.class,
        () -> NotebookRunner.run(List.of(work.resolve("nope.ipynb")), work.resolve("out"), 60, s -> {}));
    assertEquals("not a notebook file: " + work.resolve("nope.ipynb") + " (expected an existing .ipynb)",
        e.getMessage());
    assertTrue(Files.notExists(work.resolve("out")), "nothing written");
  }
}
