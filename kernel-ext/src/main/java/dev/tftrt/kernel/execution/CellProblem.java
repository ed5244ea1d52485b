package dev.tftrt.kernel.execution;

/**
 * One compiler problem in a cell: the 1-based cell line and column, the message, and the text of that line.
 * {@code length} is how many characters of the line the problem covers (at least 1).
 */
public record CellProblem(int line, int column, int length, String message, String sourceLine) {
  public String summary() {
    return "line " + line + ": " + message;
  }
}
