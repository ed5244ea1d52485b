package dev.tftrt.kernel.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JShellEvaluatorTest {
  private static JShellEvaluator evaluator;

  @BeforeAll
  static void start() throws Exception {
    evaluator = new JShellEvaluator(JShellEvaluator.jvmClasspath(), 1_000);
    evaluator.eval("import java.util.*;");
  }

  @AfterAll
  static void stop() {
    evaluator.close();
  }

  @Test
  void lastExpressionComesBackAsLiveObject() throws Exception {
    Optional<Object> value = evaluator.eval("var names = new ArrayList<String>();\nnames.add(\"a\");\nnames");
    assertInstanceOf(ArrayList.class, value.orElseThrow());
    assertEquals(List.of("a"), value.get());
    assertEquals(Optional.of(2), evaluator.eval("1 + 1"));
  }

  @Test
  void declarationsAndStatementsHaveNoValue() throws Exception {
    assertEquals(Optional.empty(), evaluator.eval("int declared = 5;"));
    assertEquals(Optional.empty(), evaluator.eval("System.out.print(\"\");"));
    assertEquals(Optional.of(6), evaluator.eval("declared + 1"));
  }

  @Test
  void classesOfTheKernelClasspathAreUsable() throws Exception {
    Optional<Object> value = evaluator.eval("dev.tftrt.Precision.parse(\"fp16\")");
    assertEquals("FP16", String.valueOf(value.orElseThrow()));
  }

  @Test
  void compileErrorNamesTheCellLineAndColumn() {
    CompilationException error = assertThrows(CompilationException.class,
        () -> evaluator.eval("int fine = 1;\nint broken = \"text\";"));
    CellProblem problem = error.problems().get(0);
    assertEquals(2, problem.line());
    assertEquals("int broken = \"text\";", problem.sourceLine());
    assertEquals(14, problem.column(), "column of the string literal");
    assertTrue(problem.message().contains("incompatible types"), problem.message());
  }

  @Test
  void runtimeExceptionNamesTheThrownClassAndCellLine() {
    SnippetException error = assertThrows(SnippetException.class,
        () -> evaluator.eval("int before = 1;\n\nif (before == 1) throw new IllegalStateException(\"boom\");"));
    assertEquals("java.lang.IllegalStateException", error.exceptionClass());
    assertEquals("boom", error.detail());
    assertTrue(error.frames().contains("at cell line 3"), error.frames().toString());
  }

  @Test
  void exceptionInAMethodDefinedEarlierPointsIntoIt() throws Exception {
    evaluator.eval("void failing() {\n  String s = null;\n  s.length();\n}");
    SnippetException error = assertThrows(SnippetException.class, () -> evaluator.eval("failing()"));
    assertEquals("java.lang.NullPointerException", error.exceptionClass());
    assertEquals(List.of("at cell line 3 in failing", "at cell line 1"), error.frames());
  }

  @Test
  void incompleteCellIsReported() {
    IncompleteCellException error = assertThrows(IncompleteCellException.class,
        () -> evaluator.eval("int ok = 1;\nfor (int i = 0; i < 3; i++) {"));
    assertEquals(2, error.line());
  }

  @Test
  void interruptEndsASleepingCellAndTheEvaluatorStaysUsable() throws Exception {
    assertEquals("Interrupted.", interrupted("{ System.setProperty(RUNNING, \"yes\"); Thread.sleep(60_000); }"),
        "the sleep ends at the interrupt, nothing forced");
    assertEquals(Optional.of(3), evaluator.eval("1 + 2"));
  }

  @Test
  void interruptEndsABusyLoopThatIgnoresInterrupts() throws Exception {
    String message = interrupted(
        "for (long spins = 0; ; spins++) { if (spins == 0) System.setProperty(RUNNING, \"yes\"); }");
    assertTrue(message.startsWith("Interrupted. The cell ignored the interrupt, so "), message);
    assertEquals(Optional.of(4), evaluator.eval("2 + 2"));
  }

  /**
   * Issue 8: a cell building engines (builds that take 200 ms per layer and ignore interrupts, as TensorRT's do)
   * ends at the interrupt by itself, within the grace, saying which build it cancelled and where.
   */
  @Test
  void interruptCancelsAnEngineBuildAndTheMessageSaysWhere() throws Exception {
    String model = java.nio.file.Path.of("../tftrt-lib/src/test/resources/models/kotlindl_mnist_mlp_tf2")
        .toAbsolutePath().normalize().toString();
    String message = interrupted("{ var backend = new dev.tftrt.engine.RecordingTensorRtBackend("
        + "dev.tftrt.convert.RecordingNetworkBuilder::new).withBuildTime(java.time.Duration.ofMillis(200));\n"
        + "var converter = new dev.tftrt.TrtGraphConverterV2(java.nio.file.Path.of(\"" + model + "\"),"
        + " dev.tftrt.TrtConversionParams.defaults()).withBackend(backend).withProgress(m -> {"
        + " if (m.startsWith(\"tactic selection started\")) System.setProperty(RUNNING, \"yes\"); });\n"
        + "converter.build(null); }");
    assertTrue(message.startsWith("Interrupted: segment '") && message.contains("': engine build cancelled during"
        + " tactic selection") && message.contains("(the thread was interrupted); no further engines were built"),
        message);
    assertEquals(Optional.of(5), evaluator.eval("2 + 3"));
  }

  @Test
  void outputIsSentWithTheInterruptHeldBackAndTheInterruptKept() {
    Thread.currentThread().interrupt();
    boolean[] seenBySend = {true};
    evaluator.sendUninterrupted(() -> seenBySend[0] = Thread.currentThread().isInterrupted());
    assertFalse(seenBySend[0], "ZeroMQ must not see the interrupt");
    assertTrue(Thread.interrupted(), "the interrupt is there again afterwards");
  }

  /** The system property a cell sets once it is running (the cells run in this JVM). */
  static final String RUNNING = "tftrt.test.cell.running";

  /**
   * Runs {@code cell}, interrupts it once it set {@link #RUNNING} (so the interrupt does not land while JShell
   * still compiles), checks that it ended as interrupted and returns the message it ended with.
   */
  private static String interrupted(String cell) throws Exception {
    System.clearProperty(RUNNING);
    evaluator.eval("String RUNNING = \"" + RUNNING + "\";");
    CompletableFuture<Optional<Object>> running = CompletableFuture.supplyAsync(() -> {
      try {
        return evaluator.eval(cell);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.getProperty(RUNNING) == null && !running.isDone() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertFalse(running.isDone(), "the cell should still be running");
    evaluator.interrupt();
    ExecutionException failure = assertThrows(ExecutionException.class, () -> running.get(10, TimeUnit.SECONDS));
    assertInstanceOf(CellInterruptedException.class, failure.getCause().getCause());
    return failure.getCause().getCause().getMessage();
  }

  @Test
  void completionOffersNamesAtTheCursor() {
    String cell = "int x = 1;\nStrin";
    JShellEvaluator.Completion completion = evaluator.complete(cell, cell.length());
    assertTrue(completion.matches().contains("String"), completion.matches().toString());
    assertEquals(cell.length() - "Strin".length(), completion.start());
    assertEquals(cell.length(), completion.end());
  }

  @Test
  void documentationShowsSignatures() {
    String cell = "Math.max(";
    List<String> docs = evaluator.documentation(cell, cell.length(), false);
    assertTrue(docs.stream().anyMatch(d -> d.contains("max(int")), docs.toString());
  }

  @Test
  void completenessTellsOpenBlocksFromCompleteCode() {
    assertEquals(Completeness.COMPLETE, evaluator.completeness("int a = 1;\nint b = 2;"));
    assertEquals(Completeness.DEFINITELY_INCOMPLETE, evaluator.completeness("for (int i = 0; i < 3; i++) {"));
  }
}
