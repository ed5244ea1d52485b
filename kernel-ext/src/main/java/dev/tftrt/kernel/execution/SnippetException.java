package dev.tftrt.kernel.execution;

import java.util.List;

/**
 * An exception thrown by the user's code. {@code exceptionClass} is the thrown class's name, {@code frames}
 * the stack trace as text with the cell's own frames named {@code cell line N}, and {@code cause} the chain.
 */
public final class SnippetException extends Exception {
  private final String exceptionClass;
  private final String detail;
  private final List<String> frames;

  public SnippetException(String exceptionClass, String detail, List<String> frames, SnippetException cause) {
    super(detail == null ? exceptionClass : exceptionClass + ": " + detail, cause);
    this.exceptionClass = exceptionClass;
    this.detail = detail;
    this.frames = List.copyOf(frames);
  }

  public String exceptionClass() {
    return exceptionClass;
  }

  public String detail() {
    return detail;
  }

  public List<String> frames() {
    return frames;
  }

  @Override
  public synchronized SnippetException getCause() {
    return (SnippetException) super.getCause();
  }
}
