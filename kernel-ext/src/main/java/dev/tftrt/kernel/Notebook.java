package dev.tftrt.kernel;

import dev.tftrt.figures.Graphviz;
import dev.tftrt.kernel.render.Svg;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What cell code sees of the kernel it runs in (statically imported in every session): {@code display(x)} and
 * {@code updateDisplay(id, x)}, and the entry points that magics are translated into. Outside a kernel
 * (plain JShell, tests) display falls back to printing the object's text.
 */
public final class Notebook {
  private static volatile TftrtKernel kernel;

  private Notebook() {}

  static void attach(TftrtKernel attached) {
    kernel = Objects.requireNonNull(attached);
  }

  static void detach(TftrtKernel detached) {
    if (kernel == detached) {
      kernel = null;
    }
  }

  /**
   * Shows {@code value} in the cell's output now, rendered by type; the returned handle replaces it in place
   * ({@link Display#update(Object)}).
   */
  public static Display display(Object value) {
    Display shown = new Display(UUID.randomUUID().toString());
    TftrtKernel current = kernel;
    if (current == null) {
      System.out.println(value);
      return shown;
    }
    DisplayData data = current.getRenderer().render(value);
    data.setDisplayId(shown.id());
    current.evaluator().sendUninterrupted(() -> current.display(data));
    return shown;
  }

  /**
   * A progress bar shown now and updated in place as work advances; {@code total} may be
   * {@link dev.tftrt.kernel.render.Progress#UNKNOWN_TOTAL}.
   */
  public static ProgressDisplay progress(String title, long total) {
    return new ProgressDisplay(title, total, Notebook::display);
  }

  /** A progress display for work whose length is not known ahead (an engine build): messages, then done. */
  public static ProgressDisplay progress(String title) {
    return progress(title, dev.tftrt.kernel.render.Progress.UNKNOWN_TOTAL);
  }

  /** A diagram from Graphviz DOT text, laid out by Graphviz's dot, shown as SVG. */
  public static Svg graphviz(String dot) {
    return new Svg(Graphviz.find().svg(dot), "Graphviz diagram (" + dot.lines().count() + " lines of DOT)");
  }

  static void update(Display shown, Object value) {
    TftrtKernel current = kernel;
    if (current == null) {
      System.out.println(value);
      return;
    }
    DisplayData data = current.getRenderer().render(value);
    current.evaluator().sendUninterrupted(() -> current.getIO().display.updateDisplay(shown.id(), data));
  }

  /** Runs line magic {@code name}; what {@code %name args} in a cell turns into. */
  public static Object lineMagic(String name, List<String> args) throws Exception {
    return requireKernel().magics().applyLine(name, args);
  }

  /** Runs a line magic that has no result. */
  public static void runLineMagic(String name, List<String> args) throws Exception {
    requireKernel().magics().applyLine(name, args);
  }

  /** Runs cell magic {@code name} on {@code body}; what a cell starting with {@code %%name args} turns into. */
  public static Object cellMagic(String name, List<String> args, String body) throws Exception {
    return requireKernel().magics().applyCell(name, args, body);
  }

  /** Runs a cell magic that has no result. */
  public static void runCellMagic(String name, List<String> args, String body) throws Exception {
    requireKernel().magics().applyCell(name, args, body);
  }

  private static TftrtKernel requireKernel() {
    TftrtKernel current = kernel;
    if (current == null) {
      throw new IllegalStateException("magics run only inside the tftrt Jupyter kernel");
    }
    return current;
  }
}
