package dev.tftrt;

/**
 * A problem with what the user gave (a model, a parameter, an input) or with the machine, told in one
 * message that names what was wrong and what would be right. The CLI prints the message alone and exits 2.
 */
public class TftrtException extends RuntimeException {
  public TftrtException(String message) {
    super(message);
  }

  public TftrtException(String message, Throwable cause) {
    super(message, cause);
  }
}
