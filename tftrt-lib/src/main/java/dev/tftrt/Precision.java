package dev.tftrt;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The precision TensorRT may use for a segment's layers (TF-TRT's {@code precision_mode}). */
public enum Precision {
  FP32, FP16, INT8;

  /** Parses {@code fp16}, {@code FP16}; anything else fails naming the allowed values. */
  public static Precision parse(String text) {
    String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
    for (Precision p : values()) {
      if (p.name().equals(t)) {
        return p;
      }
    }
    throw new TftrtException("precision '" + text + "' is not supported; use one of "
        + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
  }
}
