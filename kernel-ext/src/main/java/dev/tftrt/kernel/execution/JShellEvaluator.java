package dev.tftrt.kernel.execution;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.UnresolvedReferenceException;

/**
 * Evaluates notebook cells with JShell in this JVM: a cell is split into snippets, each compiled by JShell and
 * run by {@link CellExecutionControl}; the value of the last expression comes back as a live object. Compiler
 * problems and exceptions are reported against the cell's own lines.
 */
public final class JShellEvaluator implements AutoCloseable {
  private final CellExecutionControl control;
  private final JShell shell;
  private final SourceCodeAnalysis analysis;
  /** First cell line (1-based) of each snippet, to place stack frames ("#12:3") in the cell. */
  private final Map<String, Integer> snippetFirstLine = new ConcurrentHashMap<>();
  private final Set<String> classpath = new LinkedHashSet<>();

  /**
   * @param classpath entries the snippets compile and run against (the kernel's own class path, usually)
   * @param gracePeriodMillis how long an interrupted cell may take to stop before it is stopped or abandoned
   */
  public JShellEvaluator(List<String> classpath, long gracePeriodMillis) {
    this.control = new CellExecutionControl(gracePeriodMillis);
    this.shell = JShell.builder()
        .executionEngine(new CellExecutionControlProvider(control), Map.of())
        .compilerOptions("-Xlint:none", "-proc:none")
        .build();
    this.analysis = shell.sourceCodeAnalysis();
    classpath.forEach(this::addToClasspath);
  }

  /** The class path of this JVM, as entries. */
  public static List<String> jvmClasspath() {
    return List.of(System.getProperty("java.class.path", "").split(File.pathSeparator)).stream()
        .filter(entry -> !entry.isBlank())
        .collect(Collectors.toList());
  }

  /** Makes a jar or class folder visible to later snippets (compiler and class loader). */
  public void addToClasspath(String entry) {
    String absolute = new File(entry).getAbsolutePath();
    if (classpath.add(absolute)) {
      shell.addToClasspath(absolute);
    }
  }

  public List<String> classpath() {
    return List.copyOf(classpath);
  }

  /**
   * Runs every snippet of {@code cell} in order and returns the value of the last one when it is an expression
   * (empty for statements, declarations and null values).
   */
  public Optional<Object> eval(String cell) throws Exception {
    if (!control.onCellThread()) {
      control.beginCell();
    }
    Optional<Object> last = Optional.empty();
    int offset = 0;
    while (true) {
      if (control.cellInterrupted()) {
        // Interrupted while JShell compiled: the rest of the cell does not run.
        throw new CellInterruptedException("Interrupted.");
      }
      String remaining = cell.substring(offset);
      CompletionInfo info = analysis.analyzeCompletion(remaining);
      if (!info.completeness().isComplete()) {
        if (info.completeness() != Completeness.EMPTY) {
          throw new IncompleteCellException(lineAt(cell, offset + leadingWhitespace(remaining)), remaining);
        }
        return last;
      }
      int consumed = remaining.length() - info.remaining().length();
      // The snippet's source starts at offset (leading blank lines included, so compiler positions count
      // from there); JShell numbers the lines of stack frames from its first non-blank character.
      last = evalSnippet(info.source(), cell, offset, lineAt(cell, offset + leadingWhitespace(remaining)));
      offset += consumed;
    }
  }

  private Optional<Object> evalSnippet(String source, String cell, int cellOffset, int firstLine) throws Exception {
    List<SnippetEvent> events = shell.eval(source);
    Optional<Object> value = Optional.empty();
    // Take every value first so that an early error below cannot leave live objects behind.
    for (SnippetEvent event : events) {
      Optional<CellExecutionControl.SnippetValue> taken = control.takeResult(event.value());
      if (event.causeSnippet() != null) {
        continue;
      }
      snippetFirstLine.put(event.snippet().id(), firstLine);
      if (taken.isPresent() && showsValue(event.snippet().subKind())) {
        value = Optional.ofNullable(taken.get().value());
      } else {
        value = Optional.empty();
      }
    }
    for (SnippetEvent event : events) {
      if (event.causeSnippet() != null) {
        continue;
      }
      if (event.exception() != null) {
        throw convert(event.exception());
      }
      Snippet snippet = event.snippet();
      if (event.status() == Snippet.Status.REJECTED) {
        throw compilationProblems(snippet, source, cell, cellOffset);
      }
      if (event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED && snippet instanceof DeclarationSnippet) {
        List<String> missing = shell.unresolvedDependencies((DeclarationSnippet) snippet).collect(Collectors.toList());
        throw new CompilationException(List.of(new CellProblem(firstLine, 1, 1,
            "cannot find symbol " + String.join(", ", missing), lineText(cell, firstLine))));
      }
    }
    return value;
  }

  private static boolean showsValue(Snippet.SubKind kind) {
    return kind == Snippet.SubKind.VAR_VALUE_SUBKIND
        || kind == Snippet.SubKind.OTHER_EXPRESSION_SUBKIND
        || kind == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND;
  }

  private CompilationException compilationProblems(Snippet snippet, String source, String cell, int cellOffset) {
    List<CellProblem> problems = new ArrayList<>();
    shell.diagnostics(snippet).filter(Diag::isError).forEach(diag -> {
      int at = (int) Math.max(0, Math.min(diag.getStartPosition() < 0 ? diag.getPosition() : diag.getStartPosition(),
          source.length()));
      int end = (int) Math.max(at + 1, Math.min(diag.getEndPosition(), source.length()));
      int cellAt = Math.min(cellOffset + at, cell.length());
      int line = lineAt(cell, cellAt);
      int column = cellAt - cell.lastIndexOf('\n', cellAt - 1);
      String text = lineText(cell, line);
      int length = Math.max(1, Math.min(end - at, text.length() - column + 1));
      problems.add(new CellProblem(line, column, length, diag.getMessage(Locale.ROOT), text));
    });
    if (problems.isEmpty()) {
      problems.add(new CellProblem(lineAt(cell, cellOffset), 1, 1, "the snippet was rejected by the compiler",
          lineText(cell, lineAt(cell, cellOffset))));
    }
    return new CompilationException(problems);
  }

  private Exception convert(JShellException exception) {
    if (exception instanceof EvalException) {
      EvalException eval = (EvalException) exception;
      if (CellExecutionControl.INTERRUPTED_CLASS.equals(eval.getExceptionClassName())) {
        return new CellInterruptedException(eval.getMessage());
      }
      return snippetException(eval);
    }
    if (exception instanceof UnresolvedReferenceException) {
      DeclarationSnippet snippet = ((UnresolvedReferenceException) exception).getSnippet();
      String missing = shell.unresolvedDependencies(snippet).collect(Collectors.joining(", "));
      return new CompilationException(List.of(new CellProblem(
          snippetFirstLine.getOrDefault(snippet.id(), 1), 1, 1,
          "'" + snippet.source().strip() + "' uses " + missing + ", which is not defined yet", "")));
    }
    return exception;
  }

  private SnippetException snippetException(EvalException eval) {
    SnippetException cause = eval.getCause() instanceof EvalException
        ? snippetException((EvalException) eval.getCause()) : null;
    return new SnippetException(eval.getExceptionClassName(), eval.getMessage(), frames(eval.getStackTrace()), cause);
  }

  /** The stack down to the cell's last frame, with frames of cell code named by their cell line. */
  private List<String> frames(StackTraceElement[] stack) {
    int lastCellFrame = -1;
    for (int i = 0; i < stack.length; i++) {
      if (isCellFrame(stack[i])) {
        lastCellFrame = i;
      }
    }
    int end = lastCellFrame < 0 ? stack.length : lastCellFrame + 1;
    List<String> frames = new ArrayList<>();
    for (int i = 0; i < end; i++) {
      StackTraceElement frame = stack[i];
      if (isCellFrame(frame)) {
        String id = frame.getFileName().substring(1);
        int line = snippetFirstLine.getOrDefault(id, 1) + Math.max(frame.getLineNumber(), 1) - 1;
        String method = frame.getMethodName().isEmpty() || frame.getMethodName().startsWith("do_it$")
            ? "" : " in " + frame.getMethodName();
        frames.add("at cell line " + line + method);
      } else {
        frames.add("at " + frame);
      }
    }
    return frames;
  }

  private static boolean isCellFrame(StackTraceElement frame) {
    return frame.getFileName() != null && frame.getFileName().startsWith("#");
  }

  /** Completion candidates at {@code cursor}: the replacement strings and the cell range they replace. */
  public Completion complete(String cell, int cursor) {
    SnippetRange range = snippetAt(cell, cursor);
    String code = cell.substring(range.start, range.end);
    int[] anchor = new int[1];
    List<SourceCodeAnalysis.Suggestion> suggestions = analysis.completionSuggestions(code, cursor - range.start, anchor);
    List<String> matches = suggestions.stream()
        .sorted((a, b) -> Boolean.compare(b.matchesType(), a.matchesType()))
        .map(SourceCodeAnalysis.Suggestion::continuation)
        .distinct()
        .collect(Collectors.toList());
    return new Completion(matches, range.start + anchor[0], cursor);
  }

  /** Signatures (and Javadoc where the JDK has it) of what is at {@code cursor}; empty when nothing is known. */
  public List<String> documentation(String cell, int cursor, boolean detail) {
    SnippetRange range = snippetAt(cell, cursor);
    String code = cell.substring(range.start, range.end);
    return analysis.documentation(code, cursor - range.start, detail).stream()
        .map(doc -> doc.javadoc() == null || doc.javadoc().isBlank()
            ? doc.signature() : doc.signature() + "\n" + doc.javadoc())
        .collect(Collectors.toList());
  }

  /** The type of the expression at the end of {@code expression} (for inspection), or empty. */
  public Optional<String> typeOf(String expression) {
    String type = analysis.analyzeType(expression, expression.length());
    return Optional.ofNullable(type).filter(t -> !t.isBlank());
  }

  /** Jupyter's answer to "is this complete?": complete, incomplete (with an indent), or invalid. */
  public Completeness completeness(String cell) {
    String remaining = cell;
    while (true) {
      CompletionInfo info = analysis.analyzeCompletion(remaining);
      if (!info.completeness().isComplete()) {
        return info.completeness();
      }
      if (info.remaining().isBlank()) {
        return Completeness.COMPLETE;
      }
      remaining = info.remaining();
    }
  }

  /** Interrupts the running cell (see {@link CellExecutionControl}); returns once it stopped or was abandoned. */
  public void interrupt() {
    control.interrupt();
  }

  public int abandonedThreads() {
    return control.abandonedThreads();
  }

  /** Sends cell code's output to Jupyter without an interrupt cutting it short (see {@link CellExecutionControl}). */
  public void sendUninterrupted(Runnable send) {
    control.sendUninterrupted(send);
  }

  @Override
  public void close() {
    shell.close();
  }

  private SnippetRange snippetAt(String cell, int cursor) {
    int offset = 0;
    while (offset < cell.length()) {
      String remaining = cell.substring(offset);
      CompletionInfo info = analysis.analyzeCompletion(remaining);
      int consumed = remaining.length() - info.remaining().length();
      if (!info.completeness().isComplete() || consumed <= 0 || offset + consumed >= cursor) {
        int start = offset + leadingWhitespace(remaining);
        return new SnippetRange(Math.min(start, cursor), cell.length());
      }
      offset += consumed;
    }
    return new SnippetRange(Math.min(offset, cursor), cell.length());
  }

  private record SnippetRange(int start, int end) {}

  /** Replacement candidates for the cell range [start, end). */
  public record Completion(List<String> matches, int start, int end) {}

  private static int leadingWhitespace(String text) {
    int i = 0;
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return i;
  }

  /** 1-based line of the character at {@code offset}. */
  static int lineAt(String text, int offset) {
    int line = 1;
    for (int i = 0; i < Math.min(offset, text.length()); i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  static String lineText(String text, int line) {
    String[] lines = text.split("\n", -1);
    return line >= 1 && line <= lines.length ? lines[line - 1] : "";
  }
}
