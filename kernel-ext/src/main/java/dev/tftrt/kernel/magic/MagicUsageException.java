package dev.tftrt.kernel.magic;

/** A magic called with arguments it cannot use; the message says what was wrong and gives the usage. */
public final class MagicUsageException extends RuntimeException {
  public MagicUsageException(String message) {
    super(message);
  }
}
