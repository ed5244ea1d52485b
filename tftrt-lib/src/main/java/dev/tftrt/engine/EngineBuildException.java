package dev.tftrt.engine;

import dev.tftrt.TftrtException;
import java.util.List;

/** TensorRT could not build a network; {@link #log()} holds what TensorRT said. The caller falls back. */
public class EngineBuildException extends TftrtException {
  private final List<String> log;

  public EngineBuildException(String message, List<String> log) {
    super(log.isEmpty() ? message : message + ": " + log.get(log.size() - 1));
    this.log = List.copyOf(log);
  }

  public List<String> log() {
    return log;
  }
}
