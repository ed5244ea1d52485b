package dev.tftrt.kernel.magic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tftrt.kernel.render.Html;
import io.github.spencerpark.jupyter.kernel.magic.registry.CellMagic;
import io.github.spencerpark.jupyter.kernel.magic.registry.LineMagic;
import java.util.List;
import org.junit.jupiter.api.Test;

class MagicTranspilerTest {
  /** Magics with the return types the transpiler must name. */
  public static final class SampleMagics {
    @LineMagic("answer")
    public Integer answer(List<String> args) {
      return 42;
    }

    @LineMagic("noop")
    public void noop(List<String> args) {}

    @CellMagic("page")
    public Html page(List<String> args, String body) {
      return new Html(body);
    }
  }

  private final MagicTranspiler transpiler = new MagicTranspiler(new MagicRegistry().register(new SampleMagics()));

  @Test
  void lineMagicBecomesATypedCallWithQuotedArguments() {
    assertEquals("int x = 1;\n((java.lang.Integer) dev.tftrt.kernel.Notebook.lineMagic(\"answer\", "
            + "java.util.List.of(\"a b\", \"c\")));\nx",
        transpiler.transpile("int x = 1;\n%answer \"a b\" c\nx"));
  }

  @Test
  void assignedMagicKeepsTheDeclaration() {
    assertEquals("var a = ((java.lang.Integer) dev.tftrt.kernel.Notebook.lineMagic(\"answer\", java.util.List.of()));",
        transpiler.transpile("var a = %answer"));
  }

  @Test
  void voidMagicIsAStatement() {
    assertEquals("  dev.tftrt.kernel.Notebook.runLineMagic(\"noop\", java.util.List.of(\"x\"));",
        transpiler.transpile("  %noop x"));
  }

  @Test
  void cellMagicTakesTheRestOfTheCellAsBody() {
    assertEquals("((dev.tftrt.kernel.render.Html) dev.tftrt.kernel.Notebook.cellMagic(\"page\", java.util.List.of(), "
            + "\"<b>\\\"hi\\\"</b>\\n\\tend\"));",
        transpiler.transpile("%%page\n<b>\"hi\"</b>\n\tend"));
  }

  @Test
  void javaWithoutMagicsIsUnchanged() {
    String java = "int r = 7 % 3;\nString s = \"%answer\";";
    assertEquals(java, transpiler.transpile(java));
  }

  @Test
  void argumentsSplitOnBlanksAndKeepQuotedParts() {
    assertEquals(List.of("--precision", "FP16", "my dir", "it's"),
        MagicTranspiler.splitArgs("  --precision FP16 'my dir' \"it's\" "));
    MagicUsageException unclosed = assertThrows(MagicUsageException.class, () -> MagicTranspiler.splitArgs("'open"));
    assertEquals("unclosed quote (') in magic arguments: 'open", unclosed.getMessage());
  }

  @Test
  void registeringANameTwiceIsAnError() {
    MagicRegistry registry = new MagicRegistry().register(new SampleMagics());
    IllegalStateException twice = assertThrows(IllegalStateException.class, () -> registry.register(new SampleMagics()));
    assertEquals(true, twice.getMessage().startsWith("magic %answer is registered twice"), twice.getMessage());
  }
}
