package dev.tftrt.kernel.execution;

import java.util.List;
import java.util.stream.Collectors;

/** A cell that does not compile, with each problem located in the cell. */
public final class CompilationException extends Exception {
  private final List<CellProblem> problems;

  public CompilationException(List<CellProblem> problems) {
    super(problems.stream().map(CellProblem::summary).collect(Collectors.joining("; ")));
    this.problems = List.copyOf(problems);
  }

  public List<CellProblem> problems() {
    return problems;
  }
}
