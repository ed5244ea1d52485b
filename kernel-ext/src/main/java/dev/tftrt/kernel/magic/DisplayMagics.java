package dev.tftrt.kernel.magic;

import dev.tftrt.kernel.render.Html;
import dev.tftrt.kernel.render.Markdown;
import io.github.spencerpark.jupyter.kernel.magic.registry.CellMagic;
import java.util.List;

/** {@code %%html} and {@code %%markdown}: show the cell body as HTML or Markdown. */
public final class DisplayMagics {
  @CellMagic("html")
  public Html html(List<String> args, String body) {
    requireNoArgs("html", args);
    return new Html(body);
  }

  @CellMagic(value = "markdown", aliases = {"md"})
  public Markdown markdown(List<String> args, String body) {
    requireNoArgs("markdown", args);
    return new Markdown(body);
  }

  private static void requireNoArgs(String magic, List<String> args) {
    if (!args.isEmpty()) {
      throw new MagicUsageException("%%" + magic + " takes no arguments, got " + String.join(" ", args)
          + "\nusage: %%" + magic + " on the first line, the content below it");
    }
  }
}
