package dev.tftrt.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executes notebooks/00-kernel-smoke.ipynb end to end with Debian's {@code jupyter nbconvert --execute} on the
 * installed kernel, and checks the outputs a reader would see.
 */
class NotebookSmokeTest {
  static final Path NOTEBOOK = Path.of("../notebooks/00-kernel-smoke.ipynb");

  @TempDir
  static Path work;
  private static List<JsonObject> codeCells;

  @BeforeAll
  static void executeTheNotebook() throws Exception {
    InstalledKernel kernel = InstalledKernel.into(work.resolve("prefix"));
    Path out = work.resolve("executed");
    kernel.run(300, List.of(InstalledKernel.JUPYTER.toString(), "nbconvert", "--to", "notebook", "--execute",
        "--ExecutePreprocessor.kernel_name=" + Install.KERNEL_NAME, "--ExecutePreprocessor.timeout=120",
        "--output-dir", out.toString(), NOTEBOOK.toAbsolutePath().normalize().toString()));
    JsonObject executed = JsonParser.parseString(Files.readString(out.resolve(NOTEBOOK.getFileName())))
        .getAsJsonObject();
    codeCells = new ArrayList<>();
    for (JsonElement cell : executed.getAsJsonArray("cells")) {
      if (cell.getAsJsonObject().get("cell_type").getAsString().equals("code")) {
        codeCells.add(cell.getAsJsonObject());
      }
    }
  }

  private static JsonObject cellStartingWith(String prefix) {
    for (JsonObject cell : codeCells) {
      if (source(cell).startsWith(prefix)) {
        return cell;
      }
    }
    throw new AssertionError("no code cell starts with " + prefix);
  }

  private static String source(JsonObject cell) {
    JsonElement source = cell.get("source");
    if (source.isJsonArray()) {
      StringBuilder text = new StringBuilder();
      source.getAsJsonArray().forEach(line -> text.append(line.getAsString()));
      return text.toString();
    }
    return source.getAsString();
  }

  private static JsonObject onlyData(JsonObject cell) {
    JsonArray outputs = cell.getAsJsonArray("outputs");
    assertEquals(1, outputs.size(), outputs.toString());
    return outputs.get(0).getAsJsonObject().getAsJsonObject("data");
  }

  private static String text(JsonObject data, String mime) {
    JsonElement value = data.get(mime);
    assertTrue(value != null, "no " + mime + " in " + data.keySet());
    if (value.isJsonArray()) {
      StringBuilder text = new StringBuilder();
      value.getAsJsonArray().forEach(line -> text.append(line.getAsString()));
      return text.toString();
    }
    return value.getAsString();
  }

  @Test
  void everyCellRanAndOnlyTheTaggedOneFailed() {
    for (JsonObject cell : codeCells) {
      boolean expectsError = cell.getAsJsonObject("metadata").toString().contains("raises-exception");
      boolean failed = cell.getAsJsonArray("outputs").toString().contains("\"output_type\":\"error\"");
      assertEquals(expectsError, failed, source(cell) + " -> " + cell.getAsJsonArray("outputs"));
      assertTrue(cell.get("execution_count").isJsonPrimitive(), "ran: " + source(cell));
    }
  }

  @Test
  void valueCellShowsTheValue() {
    assertTrue(text(onlyData(cellStartingWith("var greeting")), "text/plain").startsWith("Hello from JShell "));
  }

  @Test
  void tableIsAnHtmlTable() {
    String html = text(onlyData(cellStartingWith("Table latency")), "text/html");
    assertTrue(html.startsWith("<table") && html.contains("<th>batch</th>") && html.contains("<td>32</td>"), html);
  }

  @Test
  void chartIsAPng() {
    byte[] png = Base64.getDecoder().decode(text(onlyData(cellStartingWith("XYChart chart")), "image/png")
        .replace("\n", ""));
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
  }

  @Test
  void diagramIsGraphvizSvg() {
    String svg = text(onlyData(cellStartingWith("graphviz(")), "image/svg+xml");
    // From the <svg> element on (no XML declaration: nbconvert's HTML export refuses it), as Graphviz drew it.
    assertTrue(svg.startsWith("<svg") && svg.contains("TRTEngineOp_000") && svg.contains("class=\"graph\""), svg);
  }

  @Test
  void progressEndsUpdatedInPlace() {
    JsonObject cell = cellStartingWith("var counting");
    JsonArray outputs = cell.getAsJsonArray("outputs");
    assertEquals(1, outputs.size(), "one display, updated in place: " + outputs);
    assertEquals("Counting: 3/3 (100%) - item 3", text(outputs.get(0).getAsJsonObject().getAsJsonObject("data"),
        "text/plain"));
  }

  @Test
  void displayMagicsRender() {
    assertTrue(text(onlyData(cellStartingWith("%%markdown")), "text/html").contains("<strong>Bold</strong>"));
    assertTrue(text(onlyData(cellStartingWith("%%html")), "text/html").contains("HTML from a cell magic"));
  }

  @Test
  void mavenMagicResolvesTransitively() {
    String jars = text(onlyData(cellStartingWith("var jars")), "text/plain");
    assertTrue(jars.contains("junit-jupiter-api-5.10.2.jar") && jars.contains("opentest4j-"), jars);
  }

  @Test
  void errorShowsTheLine() {
    JsonObject error = cellStartingWith("int fine").getAsJsonArray("outputs").get(0).getAsJsonObject();
    assertEquals("error", error.get("output_type").getAsString());
    assertTrue(error.getAsJsonArray("traceback").toString().contains("int broken = \\\"text\\\";"), error.toString());
  }
}
