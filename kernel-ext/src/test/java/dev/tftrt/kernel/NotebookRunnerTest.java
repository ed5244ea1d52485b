package dev.tftrt.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner behind {@code ./tftrt notebooks}, on a notebook written here with Debian's Jupyter for real. */
class NotebookRunnerTest {
  private static String cell(String type, String source, boolean expectError) {
    String metadata = expectError ? "{\"tags\": [\"raises-exception\"]}" : "{}";
    String extra = type.equals("code") ? ", \"execution_count\": null, \"outputs\": []" : "";
    return "{\"cell_type\": \"" + type + "\", \"metadata\": " + metadata + extra + ", \"source\": "
        + com.google.gson.JsonParser.parseString("\"" + source.replace("\"", "\\\"").replace("\n", "\\n") + "\"")
        + "}";
  }

  @Test
  void executesIntoTheFolderAndReportsCellsThatFailUntagged(@TempDir Path work) throws Exception {
    Path notebook = work.resolve("try.ipynb");
    String json = "{\"nbformat\": 4, \"nbformat_minor\": 4, \"metadata\": {\"kernelspec\": {\"name\": \"tftrt-java\","
        + " \"display_name\": \"Java (TF-TRT)\", \"language\": \"java\"}}, \"cells\": ["
        + String.join(", ", cell("markdown", "# A try", false), cell("code", "int answer = 6 * 7;\nanswer", false),
            cell("code", "int wrong = \"text\";", true),
            cell("code", "throw new IllegalStateException(\"boom\");", false),
            cell("code", "answer + 1", false))
        + "]}";
    Files.writeString(notebook, json);
    List<String> log = new ArrayList<>();

    List<NotebookRunner.Result> results = NotebookRunner.run(List.of(notebook), work.resolve("out"), 120, log::add);

    assertEquals(1, results.size());
    NotebookRunner.Result r = results.get(0);
    assertEquals(4, r.codeCells());
    assertEquals(1, r.errors().size(), r.errors().toString());
    NotebookRunner.CellError e = r.errors().get(0);
    assertEquals(4, e.cell(), "the fourth cell of the notebook (the markdown counts)");
    assertTrue(e.value().contains("boom"), e.toString());
    String executed = Files.readString(work.resolve("out/try.ipynb"));
    assertTrue(executed.contains("\"43\""), "the cell after the error ran too: " + executed);
    assertTrue(Files.readString(work.resolve("out/try.html")).contains("IllegalStateException"));
    assertEquals(json, Files.readString(notebook), "the notebook itself is left as it was");
    try (var files = Files.list(work.resolve("out"))) {
      assertEquals(List.of("try.html", "try.ipynb"), files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertTrue(log.stream().anyMatch(l -> l.contains("try.ipynb: 4 code cells")), log.toString());
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
