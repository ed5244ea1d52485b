package dev.tftrt.kernel.execution;

/** Ends a cell that the user interrupted; shown in the notebook as the cell's error. */
public final class CellInterruptedException extends RuntimeException {
  public CellInterruptedException(String message) {
    super(message);
  }
}
