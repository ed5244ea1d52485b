package dev.tftrt.kernel;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.tftrt.TftrtException;
import dev.tftrt.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Executes notebooks headless on this kernel (with this JVM's class path) and writes each executed notebook into
 * one folder. Every cell runs even after an error; a cell that fails without the {@code raises-exception} tag is
 * reported, and the command exits 1.
 *
 * <pre>java -cp &lt;kernel class path&gt; dev.tftrt.kernel.NotebookRunner [--out DIR] [--timeout SECONDS]
 *     [--engine nbconvert|java] [NOTEBOOK...]</pre>
 *
 * Two engines: Debian's {@code jupyter nbconvert --execute} (the kernel installed into a private Jupyter prefix
 * for the run; HTML written too), the default where {@code /usr/bin/jupyter} exists; and {@link NotebookExecutor},
 * a Java client of the same Jupyter protocol for machines without Python's Jupyter (a bare GPU host), which
 * writes the notebooks only; when one of its cells times out it also writes the kernel's thread stacks as
 * {@code <name>.kernel-threads.txt} and logs those running project code. Without notebooks it runs every
 * {@code notebooks/*.ipynb} of the working directory, in name order; each notebook's kernel starts in the
 * notebook's folder.
 */
public final class NotebookRunner {
  public static final Path JUPYTER = Path.of("/usr/bin/jupyter");
  static final String USAGE = "usage: NotebookRunner [--out DIR] [--timeout SECONDS] [--engine nbconvert|java]"
      + " [NOTEBOOK.ipynb ...]\n"
      + "  --out DIR          where the executed notebooks and their HTML go (default target/notebooks)\n"
      + "  --timeout SECONDS  the longest one cell may run (default 600); with --engine java the kernel's threads"
      + " are then written to NAME.kernel-threads.txt\n"
      + "  --engine E         nbconvert (Debian's Jupyter; also writes HTML) or java (the built-in Jupyter client,"
      + " for machines without Jupyter); default: nbconvert where /usr/bin/jupyter exists\n"
      + "  NOTEBOOK           notebooks to run (default: every notebooks/*.ipynb, in name order)";

  /** How notebooks are executed. */
  public enum Engine {
    /** Debian's {@code jupyter nbconvert --execute}, and {@code --to html}. */
    NBCONVERT,
    /** {@link NotebookExecutor}: the Jupyter protocol from Java; no HTML. */
    JAVA;

    /** nbconvert where Debian's Jupyter is installed, else the Java client. */
    public static Engine available() {
      return Files.isExecutable(JUPYTER) ? NBCONVERT : JAVA;
    }
  }
  private static final String TAG_EXPECTED_ERROR = "raises-exception";
  /** Written next to an executed notebook, by the java engine, when a cell timed out: the kernel's threads. */
  static final String THREADS_SUFFIX = ".kernel-threads.txt";

  /** A cell that failed without being tagged as expected to. */
  public record CellError(int cell, String source, String name, String value) {
    @Override
    public String toString() {
      String first = source.lines().findFirst().orElse("");
      return "cell " + cell + " (" + first + (source.lines().count() > 1 ? " ..." : "") + "): " + name + ": " + value;
    }
  }

  /** One executed notebook: where it went (html is null when not made) and what failed in it. */
  public record Result(Path notebook, Path executed, Path html, int codeCells, List<CellError> errors,
      double seconds) {
    public Result {
      errors = List.copyOf(errors);
    }

    public boolean passed() {
      return errors.isEmpty();
    }
  }

  private NotebookRunner() {}

  public static void main(String[] args) {
    Path out = Path.of("target/notebooks");
    long timeout = 600;
    Engine engine = Engine.available();
    List<Path> notebooks = new ArrayList<>();
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--out":
            out = Path.of(value(args, ++i, "--out"));
            break;
          case "--timeout":
            timeout = Long.parseLong(value(args, ++i, "--timeout"));
            break;
          case "--engine":
            String name = value(args, ++i, "--engine");
            if (!name.equals("nbconvert") && !name.equals("java")) {
              throw new TftrtException("--engine is nbconvert or java, not " + name);
            }
            engine = Engine.valueOf(name.toUpperCase(Locale.ROOT));
            break;
          case "-h":
          case "--help":
            System.out.println(USAGE);
            return;
          default:
            if (args[i].startsWith("-")) {
              throw new TftrtException("unknown option " + args[i]);
            }
            notebooks.add(Path.of(args[i]));
        }
      }
    } catch (NumberFormatException e) {
      System.err.println("tftrt notebooks: --timeout takes whole seconds\n" + USAGE);
      System.exit(2);
    } catch (TftrtException e) {
      System.err.println("tftrt notebooks: " + e.getMessage() + "\n" + USAGE);
      System.exit(2);
    }
    try {
      if (notebooks.isEmpty()) {
        notebooks = courseNotebooks(Path.of("notebooks"));
      }
      List<Result> results = run(notebooks, out, timeout, engine, System.err::println);
      long failed = results.stream().filter(r -> !r.passed()).count();
      System.out.println(String.format(Locale.ROOT, "%d notebook(s) executed into %s: %d passed, %d with errors",
          results.size(), out.toAbsolutePath().normalize(), results.size() - failed, failed));
      results.stream().flatMap(r -> r.errors().stream().map(e -> "  " + r.notebook().getFileName() + " " + e))
          .forEach(System.out::println);
      System.exit(failed == 0 ? 0 : 1);
    } catch (TftrtException e) {
      System.err.println("tftrt notebooks: " + e.getMessage());
      System.exit(2);
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new TftrtException(option + " needs a value");
    }
    return args[i];
  }

  /** Every {@code *.ipynb} directly in {@code dir}, in name order. */
  public static List<Path> courseNotebooks(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new TftrtException("no notebooks folder " + dir.toAbsolutePath().normalize()
          + "; run from the project root or name the notebooks");
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted(Comparator.naturalOrder())
          .toList();
    } catch (IOException e) {
      throw new TftrtException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /** {@link #run(List, Path, long, Engine, Consumer)} with the engine {@link Engine#available()}. */
  public static List<Result> run(List<Path> notebooks, Path out, long cellTimeoutSeconds, Consumer<String> log) {
    return run(notebooks, out, cellTimeoutSeconds, Engine.available(), log);
  }

  /**
   * Executes each notebook (cells time out after {@code cellTimeoutSeconds}) into {@code out}, as
   * {@code <name>.ipynb} and, with nbconvert, {@code <name>.html}; the notebooks themselves are left as they are.
   */
  public static List<Result> run(List<Path> notebooks, Path out, long cellTimeoutSeconds, Engine engine,
      Consumer<String> log) {
    for (Path nb : notebooks) {
      if (!Files.isRegularFile(nb) || !nb.getFileName().toString().endsWith(".ipynb")) {
        throw new TftrtException("not a notebook file: " + nb + " (expected an existing .ipynb)");
      }
    }
    if (engine == Engine.NBCONVERT && !Files.isExecutable(JUPYTER)) {
      throw new TftrtException(JUPYTER + " is missing; executing notebooks needs Debian's Jupyter:"
          + " apt-get install jupyter-nbconvert jupyter-client jupyter-core (./tftrt installs them), or use"
          + " --engine java");
    }
    Path prefix = null;
    try {
      Files.createDirectories(out);
      prefix = Files.createTempDirectory("tftrt-notebooks-");
      Install.install(prefix.resolve("share/jupyter/kernels").resolve(Install.KERNEL_NAME),
          Install.kernelJson(Install.javaCommand(), Install.absoluteClasspath()));
      List<Result> results = new ArrayList<>();
      for (Path nb : notebooks) {
        results.add(execute(nb.toAbsolutePath().normalize(), out.toAbsolutePath().normalize(), prefix,
            cellTimeoutSeconds, engine, log));
      }
      return results;
    } catch (IOException e) {
      throw new TftrtException("could not execute the notebooks into " + out + ": " + e.getMessage(), e);
    } finally {
      if (prefix != null) {
        AtomicFiles.deleteTree(prefix);
      }
    }
  }

  private static Result execute(Path notebook, Path out, Path prefix, long timeout, Engine engine,
      Consumer<String> log) throws IOException {
    String name = notebook.getFileName().toString();
    String stem = name.substring(0, name.length() - ".ipynb".length());
    log.accept("executing " + name);
    long start = System.nanoTime();
    Path staging = Files.createTempDirectory(out, "." + stem + "-");
    try {
      List<CellError> problems = new ArrayList<>();
      Path executed = staging.resolve(name);
      if (engine == Engine.NBCONVERT) {
        String executeLog = jupyter(prefix, timeout, List.of("nbconvert", "--to", "notebook", "--execute",
            "--allow-errors", "--ExecutePreprocessor.kernel_name=" + Install.KERNEL_NAME,
            "--ExecutePreprocessor.timeout=" + timeout, "--output-dir", staging.toString(), notebook.toString()));
        if (!Files.exists(executed)) {
          throw new TftrtException("nbconvert did not execute " + notebook + ":\n" + tail(executeLog));
        }
      } else {
        JsonObject kernelSpec = parse(prefix.resolve("share/jupyter/kernels").resolve(Install.KERNEL_NAME)
            .resolve("kernel.json"));
        List<String> argv = new ArrayList<>();
        kernelSpec.getAsJsonArray("argv").forEach(a -> argv.add(a.getAsString()));
        Map<String, String> env = new HashMap<>();
        kernelSpec.getAsJsonObject("env").entrySet().forEach(e -> env.put(e.getKey(), e.getValue().getAsString()));
        JsonObject json = parse(notebook);
        Path threads = out.resolve(stem + THREADS_SUFFIX);
        Files.deleteIfExists(threads);
        List<NotebookExecutor.Timeout> timeouts = new ArrayList<>();
        // Written at once, not when the notebook ends: a run cut short from outside still leaves the stacks.
        NotebookExecutor.execute(json, argv, env, notebook.getParent(), prefix, timeout, t -> {
          timeouts.add(t);
          Path written = staging.resolve(stem + THREADS_SUFFIX);
          try {
            Files.writeString(written, threadsReport(name, timeouts), StandardCharsets.UTF_8);
            AtomicFiles.replace(written, threads);
          } catch (IOException e) {
            log.accept("  could not write " + threads + ": " + e.getMessage());
          }
          List<String> project = KernelThreads.projectThreads(t.what().threads);
          log.accept("  cell " + t.cell() + " (" + t.source().lines().findFirst().orElse("") + ") did not finish"
              + " within " + t.what().seconds + " s" + (t.what().kernelCameBack ? "" : " nor after the interrupt")
              + "; the kernel's threads are in " + threads + "; those running project code then:");
          (project.isEmpty() ? List.of("(none)") : project).forEach(block -> log.accept(block.indent(4)));
        });
        Files.writeString(executed, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create()
            .toJson(json) + "\n", StandardCharsets.UTF_8);
      }
      JsonObject json = parse(executed);
      int codeCells = 0;
      JsonArray cells = json.getAsJsonArray("cells");
      for (int i = 0; i < cells.size(); i++) {
        JsonObject cell = cells.get(i).getAsJsonObject();
        if (!cell.get("cell_type").getAsString().equals("code")) {
          continue;
        }
        codeCells++;
        boolean expected = cell.has("metadata") && cell.getAsJsonObject("metadata").has("tags")
            && cell.getAsJsonObject("metadata").getAsJsonArray("tags").toString().contains(TAG_EXPECTED_ERROR);
        for (JsonElement output : cell.getAsJsonArray("outputs")) {
          JsonObject o = output.getAsJsonObject();
          if (o.get("output_type").getAsString().equals("error") && !expected) {
            problems.add(new CellError(i + 1, text(cell.get("source")), o.get("ename").getAsString(),
                o.get("evalue").getAsString()));
          }
        }
      }
      Path finalHtml = null;
      if (engine == Engine.NBCONVERT) {
        String htmlLog = jupyter(prefix, timeout, List.of("nbconvert", "--to", "html", "--output-dir",
            staging.toString(), executed.toString()));
        Path html = staging.resolve(stem + ".html");
        if (Files.exists(html)) {
          finalHtml = AtomicFiles.replace(html, out.resolve(stem + ".html"));
        } else {
          problems.add(new CellError(0, "", "HtmlExportFailed", "nbconvert could not write the HTML:\n"
              + tail(htmlLog)));
        }
      }
      Path finalNotebook = AtomicFiles.replace(executed, out.resolve(name));
      double seconds = (System.nanoTime() - start) / 1e9;
      log.accept(String.format(Locale.ROOT, "  %s: %d code cells in %.0f s, %s", name, codeCells, seconds,
          problems.isEmpty() ? "no errors" : problems.size() + " failed"));
      problems.forEach(p -> log.accept("    " + p));
      return new Result(notebook, finalNotebook, finalHtml, codeCells, problems, seconds);
    } finally {
      AtomicFiles.deleteTree(staging);
    }
  }

  /**
   * What {@code <name>.kernel-threads.txt} holds for the cells of {@code notebook} that timed out: for each, the
   * threads running project code, the kernel log's end before the dump, the whole dump, every thread's Linux
   * state and, at the first timeout, native frames.
   */
  static String threadsReport(String notebook, List<NotebookExecutor.Timeout> timeouts) {
    StringBuilder b = new StringBuilder();
    for (NotebookExecutor.Timeout t : timeouts) {
      b.append("Kernel threads of ").append(notebook).append(", cell ").append(t.cell()).append(", which had not")
          .append(" finished after ").append(t.what().seconds).append(" s; after the interrupt the kernel ")
          .append(t.what().kernelCameBack ? "finished the cell" : "did not finish it either").append(".\n")
          .append("The cell:\n").append(t.source().indent(4))
          .append("\n== Threads running project code\n\n");
      KernelThreads.projectThreads(t.what().threads).forEach(block -> b.append(block).append("\n\n"));
      b.append("== The kernel log's last lines before the dump\n\n").append(t.what().logBefore)
          .append("\n\n== All threads\n\n").append(t.what().threads)
          .append("\n\n== The same threads as Linux sees them (native ones included)\n\n")
          .append(t.what().linuxThreads)
          .append("\n== Java and native frames (jhsdb jstack --mixed)\n\n").append(t.what().mixedStacks)
          .append("\n\n");
    }
    return b.toString();
  }

  /**
   * A process for {@code command} (a Jupyter tool, or Python using jupyter_client) that sees only the kernelspecs
   * under {@code prefix}, keeping its runtime and config files there too; output and errors in one stream.
   */
  static ProcessBuilder inPrivatePrefix(List<String> command, Path prefix) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("JUPYTER_PATH", prefix.resolve("share/jupyter").toString());
    builder.environment().put("JUPYTER_RUNTIME_DIR", Files.createDirectories(prefix.resolve("runtime")).toString());
    builder.environment().put("JUPYTER_CONFIG_DIR", Files.createDirectories(prefix.resolve("config")).toString());
    builder.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
    return builder;
  }

  /** Runs {@code jupyter args...} seeing only the private prefix's kernelspec; returns its output. */
  private static String jupyter(Path prefix, long timeout, List<String> args) throws IOException {
    List<String> command = new ArrayList<>(List.of(JUPYTER.toString()));
    command.addAll(args);
    ProcessBuilder builder = inPrivatePrefix(command, prefix);
    Path log = Files.createTempFile(prefix, "jupyter-", ".log");
    Process process = builder.redirectOutput(log.toFile()).start();
    try {
      // nbconvert's own per-cell timeout ends a stuck cell; this bounds a stuck nbconvert.
      if (!process.waitFor(Math.max(timeout * 4, 1800), TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new TftrtException("jupyter " + String.join(" ", args) + " did not finish:\n"
            + tail(Files.readString(log, StandardCharsets.UTF_8)));
      }
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new TftrtException("interrupted while jupyter ran", e);
    }
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  private static JsonObject parse(Path notebook) throws IOException {
    try {
      return JsonParser.parseString(Files.readString(notebook, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw new TftrtException(notebook + " is not notebook JSON: " + e.getMessage(), e);
    }
  }

  static String text(JsonElement source) {
    if (source == null) {
      return "";
    }
    if (source.isJsonArray()) {
      StringBuilder b = new StringBuilder();
      source.getAsJsonArray().forEach(line -> b.append(line.getAsString()));
      return b.toString();
    }
    return source.getAsString();
  }

  private static String tail(String log) {
    List<String> lines = log.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
