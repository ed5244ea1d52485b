package dev.tftrt.kernel;

import dev.tftrt.kernel.execution.CellInterruptedException;
import dev.tftrt.kernel.execution.CellProblem;
import dev.tftrt.kernel.execution.CompilationException;
import dev.tftrt.kernel.execution.IncompleteCellException;
import dev.tftrt.kernel.execution.JShellEvaluator;
import dev.tftrt.kernel.execution.SnippetException;
import dev.tftrt.kernel.magic.MagicRegistry;
import dev.tftrt.kernel.magic.MagicTranspiler;
import dev.tftrt.kernel.magic.MagicUsageException;
import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.kernel.ReplacementOptions;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Jupyter kernel: cells are Java (JShell) evaluated in this JVM, with magics, and their values rendered by
 * type. Errors come back as Jupyter errors that quote the user's line.
 */
public final class TftrtKernel extends BaseKernel implements AutoCloseable {
  /** Exceptions whose message is the whole story for the user: no stack trace. */
  private static final List<String> USER_FACING_EXCEPTIONS = List.of(
      MagicUsageException.class.getName(), "dev.tftrt.TftrtException");
  private static final Pattern MAGIC_LINE = Pattern.compile("(?m)^\\s*%.*$");
  private static final Pattern IDENTIFIER_AT_END = Pattern.compile("[\\w$.]+$");
  private static final Pattern IDENTIFIER_AT_START = Pattern.compile("^[\\w$]*");

  private final JShellEvaluator evaluator;
  private final MagicRegistry magics;
  private final MagicTranspiler transpiler;
  private final LanguageInfo languageInfo;

  /**
   * @param startup snippets run once before the first cell (the session's imports)
   */
  public TftrtKernel(JShellEvaluator evaluator, MagicRegistry magics, List<String> startup) throws Exception {
    this.evaluator = evaluator;
    this.magics = magics;
    this.transpiler = new MagicTranspiler(magics);
    this.languageInfo = new LanguageInfo.Builder("java")
        .version(Runtime.version().toString())
        .mimetype("text/x-java-source")
        .fileExtension(".jshell")
        .pygments("java")
        .codemirror("text/x-java")
        .build();
    for (String snippet : startup) {
      evaluator.eval(snippet);
    }
    Notebook.attach(this);
  }

  public MagicRegistry magics() {
    return magics;
  }

  public JShellEvaluator evaluator() {
    return evaluator;
  }

  @Override
  public LanguageInfo getLanguageInfo() {
    return languageInfo;
  }

  @Override
  public String getBanner() {
    return "Java " + Runtime.version() + " (JShell) with TF-TRT: tftrt-lib on the class path, %magics, rich display";
  }

  @Override
  public DisplayData eval(String cell) throws Exception {
    try {
      return evaluate(cell);
    } catch (Error e) {
      // The base kernel answers an Exception with an error reply; an Error would end its shell thread, and no
      // request would be answered again. (What the cell's own code throws comes back as a SnippetException.)
      throw new RuntimeException(e.toString(), e);
    }
  }

  private DisplayData evaluate(String cell) throws Exception {
    Optional<Object> value;
    try {
      value = evaluator.eval(transpiler.transpile(cell));
    } catch (CompilationException e) {
      throw withOriginalLines(e, cell);
    }
    // A Display is already on screen; showing its handle again would only add noise.
    return value.filter(v -> !(v instanceof Display)).map(this::display).orElse(null);
  }

  /**
   * The cell's value rendered; if a renderer fails, the value as text with the reason. Rendering runs on the
   * kernel's shell thread, and an Error there (a JRE without font libraries drawing a chart) would end that
   * thread and leave the kernel unresponsive; the cell's work is done by now and worth showing anyway.
   */
  private DisplayData display(Object value) {
    try {
      return getRenderer().render(value);
    } catch (RuntimeException | LinkageError e) {
      String text;
      try {
        text = String.valueOf(getRenderer().renderAs(value, MIMEType.TEXT_PLAIN.toString())
            .getData(MIMEType.TEXT_PLAIN));
      } catch (RuntimeException | LinkageError again) {
        text = value.getClass().getName();
      }
      return new DisplayData(text + "\n(shown as text: " + e.getClass().getSimpleName() + ": "
          + firstLine(String.valueOf(e.getMessage())) + ")");
    }
  }

  /** Evaluates {@code code} as a cell of its own, magics included (for %load); returns its value. */
  public Optional<Object> evalNested(String code) throws Exception {
    return evaluator.eval(transpiler.transpile(code));
  }

  /** Compiler problems quote the user's line, not the Java a magic line was turned into. */
  private static CompilationException withOriginalLines(CompilationException e, String cell) {
    String[] lines = cell.split("\n", -1);
    List<CellProblem> problems = new ArrayList<>();
    for (CellProblem p : e.problems()) {
      String original = p.line() >= 1 && p.line() <= lines.length ? lines[p.line() - 1] : p.sourceLine();
      problems.add(original.equals(p.sourceLine()) ? p
          : new CellProblem(p.line(), 1, original.length(), p.message(), original));
    }
    return new CompilationException(problems);
  }

  @Override
  public ReplacementOptions complete(String cell, int cursor) {
    int lineStart = cell.lastIndexOf('\n', cursor - 1) + 1;
    String linePrefix = cell.substring(lineStart, cursor);
    Matcher magic = Pattern.compile("^\\s*(%%?)(\\w*)$").matcher(linePrefix);
    if (magic.matches()) {
      boolean cellMagic = magic.group(1).equals("%%");
      List<String> names = (cellMagic ? magics.cellMagicNames() : magics.lineMagicNames()).stream()
          .filter(n -> n.startsWith(magic.group(2)))
          .collect(Collectors.toList());
      return new ReplacementOptions(names, cursor - magic.group(2).length(), cursor);
    }
    JShellEvaluator.Completion completion = evaluator.complete(withoutMagicLines(cell), cursor);
    return new ReplacementOptions(completion.matches(), completion.start(), completion.end());
  }

  @Override
  public DisplayData inspect(String cell, int cursor, boolean extraDetail) {
    String code = withoutMagicLines(cell);
    int end = cursor;
    Matcher rest = IDENTIFIER_AT_START.matcher(code.substring(cursor));
    if (rest.find()) {
      end += rest.end();
    }
    List<String> docs = evaluator.documentation(code, end, extraDetail);
    if (docs.isEmpty()) {
      Matcher name = IDENTIFIER_AT_END.matcher(code.substring(0, end));
      if (!name.find()) {
        return null;
      }
      Optional<String> type = evaluator.typeOf(name.group());
      if (type.isEmpty()) {
        return null;
      }
      docs = List.of(name.group() + " : " + type.get());
    }
    return new DisplayData(String.join("\n\n", docs));
  }

  @Override
  public String isComplete(String cell) {
    if (cell.stripLeading().startsWith("%%")) {
      return IS_COMPLETE_YES;
    }
    switch (evaluator.completeness(withoutMagicLines(cell))) {
      case COMPLETE:
      case COMPLETE_WITH_SEMI:
      case EMPTY:
        return IS_COMPLETE_YES;
      case DEFINITELY_INCOMPLETE:
      case CONSIDERED_INCOMPLETE:
        return "    ";
      default:
        return IS_COMPLETE_BAD;
    }
  }

  /** Blanks magic lines (same length, so offsets stay) for JShell's source analysis. */
  private static String withoutMagicLines(String cell) {
    if (cell.stripLeading().startsWith("%%")) {
      return " ".repeat(cell.length());
    }
    Matcher m = MAGIC_LINE.matcher(cell);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, " ".repeat(m.group().length()));
    }
    m.appendTail(out);
    return out.toString();
  }

  @Override
  public void interrupt() {
    evaluator.interrupt();
  }

  @Override
  public void onShutdown(boolean restarting) {
    close();
  }

  @Override
  public void close() {
    Notebook.detach(this);
    evaluator.close();
  }

  @Override
  public List<String> formatError(Exception e) {
    List<String> lines = new ArrayList<>();
    if (e instanceof CompilationException) {
      for (CellProblem p : ((CompilationException) e).problems()) {
        lines.add(errorStyler.secondary("line " + p.line() + ": " + firstLine(p.message())));
        p.message().lines().skip(1).forEach(extra -> lines.add("  " + extra));
        lines.add("  " + p.sourceLine());
        lines.add("  " + " ".repeat(Math.max(0, p.column() - 1)) + errorStyler.secondary("^" + "~".repeat(
            Math.max(0, p.length() - 1))));
      }
    } else if (e instanceof SnippetException) {
      SnippetException failure = (SnippetException) e;
      if (USER_FACING_EXCEPTIONS.contains(failure.exceptionClass())) {
        lines.add(errorStyler.secondary(firstLine(String.valueOf(failure.detail()))));
        String.valueOf(failure.detail()).lines().skip(1).forEach(lines::add);
        return lines;
      }
      for (SnippetException cause = failure; cause != null; cause = cause.getCause()) {
        lines.add(errorStyler.secondary((cause == failure ? "" : "Caused by: ") + cause.getMessage()));
        cause.frames().forEach(frame -> lines.add("    " + frame));
      }
    } else if (e instanceof CellInterruptedException || e instanceof IncompleteCellException
        || e instanceof MagicUsageException) {
      lines.add(errorStyler.secondary(e.getMessage()));
    } else {
      lines.addAll(super.formatError(e));
    }
    return lines;
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
