package dev.tftrt.kernel;

import dev.tftrt.kernel.execution.JShellEvaluator;
import dev.tftrt.kernel.magic.ClasspathMagics;
import dev.tftrt.kernel.magic.DisplayMagics;
import dev.tftrt.kernel.magic.LoadMagics;
import dev.tftrt.kernel.magic.MagicRegistry;
import dev.tftrt.kernel.magic.MavenDependencies;
import dev.tftrt.kernel.magic.MavenMagics;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.bench.Comparison;
import dev.tftrt.kernel.magic.ConverterFactory;
import dev.tftrt.kernel.magic.TftrtMagics;
import dev.tftrt.figures.Graphviz;
import dev.tftrt.kernel.render.Renderers;
import dev.tftrt.kernel.render.TftrtRenderers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Puts a kernel together: evaluator, magics, renderers and the imports every session starts with. */
public final class KernelSession {
  /** How long an interrupted cell may take to stop before it is stopped harder or abandoned. */
  static final long INTERRUPT_GRACE_MILLIS = 2_000;

  /** Packages imported in every session; project packages only when they are on the class path. */
  static final List<String> IMPORTED_PACKAGES = List.of(
      "java.util", "java.util.function", "java.util.stream", "java.util.concurrent", "java.util.regex",
      "java.io", "java.math", "java.net", "java.nio.file", "java.time",
      "dev.tftrt", "dev.tftrt.plan", "dev.tftrt.savedmodel", "dev.tftrt.graph", "dev.tftrt.convert",
      "dev.tftrt.engine", "dev.tftrt.runtime", "dev.tftrt.bench", "dev.tftrt.zoo", "dev.tftrt.data",
      "dev.tftrt.figures", "tech.tablesaw.api", "org.knowm.xchart");

  /** How %tftrt_convert opens a SavedModel: as a cell would, {@code new TrtGraphConverterV2(dir, params)}. */
  static final ConverterFactory CONVERTERS = TrtGraphConverterV2::new;

  private KernelSession() {}

  public static TftrtKernel create() throws Exception {
    JShellEvaluator evaluator = new JShellEvaluator(JShellEvaluator.jvmClasspath(), INTERRUPT_GRACE_MILLIS);
    MagicRegistry magics = new MagicRegistry();
    TftrtKernel kernel = new TftrtKernel(evaluator, magics, startupSnippets());
    Renderers.registerAll(kernel.getRenderer());
    TftrtRenderers.registerAll(kernel.getRenderer());
    magics.register(new ClasspathMagics(evaluator::addToClasspath))
        .register(new MavenMagics(MavenDependencies.standard(), evaluator::addToClasspath))
        .register(new LoadMagics(kernel::evalNested))
        .register(new DisplayMagics())
        .register(new TftrtMagics(CONVERTERS, Comparison::builder, Graphviz::find, Notebook::progress,
            Path.of("").toAbsolutePath()));
    return kernel;
  }

  /** The session's imports: one snippet per package present, and Notebook's display helpers. */
  static List<String> startupSnippets() {
    List<String> snippets = new ArrayList<>();
    ClassLoader loader = KernelSession.class.getClassLoader();
    for (String pkg : IMPORTED_PACKAGES) {
      if (pkg.startsWith("java.") || loader.getResource(pkg.replace('.', '/')) != null) {
        snippets.add("import " + pkg + ".*;");
      }
    }
    snippets.add("import static " + Notebook.class.getName() + ".display;");
    snippets.add("import static " + Notebook.class.getName() + ".progress;");
    snippets.add("import static " + Notebook.class.getName() + ".graphviz;");
    return snippets;
  }
}
