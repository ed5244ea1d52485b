package dev.tftrt.kernel.execution;

/** A cell that ends in the middle of a statement (an unclosed brace, a missing semicolon at the end). */
public final class IncompleteCellException extends Exception {
  private final int line;

  public IncompleteCellException(int line, String remaining) {
    super("the cell ends before this statement is complete (line " + line + "): " + firstLine(remaining));
    this.line = line;
  }

  public int line() {
    return line;
  }

  private static String firstLine(String source) {
    String trimmed = source.strip();
    int newline = trimmed.indexOf('\n');
    return newline < 0 ? trimmed : trimmed.substring(0, newline) + " ...";
  }
}
