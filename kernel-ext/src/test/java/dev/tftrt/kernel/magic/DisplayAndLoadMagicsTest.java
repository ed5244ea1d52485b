package dev.tftrt.kernel.magic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.kernel.execution.JShellEvaluator;
import dev.tftrt.kernel.render.Html;
import dev.tftrt.kernel.render.Markdown;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DisplayAndLoadMagicsTest {
  @TempDir
  Path dir;

  @Test
  void htmlAndMarkdownReturnTheBodyAsDisplayableValues() {
    DisplayMagics magics = new DisplayMagics();
    assertEquals(new Html("<b>x</b>\n"), magics.html(List.of(), "<b>x</b>\n"));
    assertEquals(new Markdown("# T"), magics.markdown(List.of(), "# T"));
    MagicUsageException error = assertThrows(MagicUsageException.class, () -> magics.html(List.of("oops"), ""));
    assertTrue(error.getMessage().contains("usage: %%html"), error.getMessage());
  }

  @Test
  void loadRunsTheFileInTheSessionAndReturnsItsLastValue() throws Exception {
    Files.writeString(dir.resolve("helpers.jsh"), "int twice(int x) {\n  return 2 * x;\n}\ntwice(21)\n");
    try (JShellEvaluator evaluator = new JShellEvaluator(List.of(), 1_000)) {
      LoadMagics load = new LoadMagics(evaluator::eval, dir);
      assertEquals(42, load.load(List.of("helpers.jsh")));
      assertEquals(java.util.Optional.of(10), evaluator.eval("twice(5)"), "the file's method stays defined");
      MagicUsageException missing = assertThrows(MagicUsageException.class, () -> load.load(List.of("none.jsh")));
      assertTrue(missing.getMessage().startsWith("no file " + dir.resolve("none.jsh")), missing.getMessage());
    }
  }
}
