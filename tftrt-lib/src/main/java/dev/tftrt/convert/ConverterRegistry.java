package dev.tftrt.convert;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Op type to converter. Each family file under {@code convert.ops} registers its ops beside their converters;
 * registering an op twice is an error, so two families never silently compete for an op.
 */
public final class ConverterRegistry {
  private final Map<String, OpConverter> converters = new TreeMap<>();

  /** @throws IllegalStateException when {@code op} already has a converter */
  public ConverterRegistry register(String op, OpConverter converter) {
    OpConverter previous = converters.putIfAbsent(op, converter);
    if (previous != null) {
      throw new IllegalStateException("op " + op + " registered twice: by " + previous.getClass().getName()
          + " and by " + converter.getClass().getName());
    }
    return this;
  }

  public Optional<OpConverter> converter(String op) {
    return Optional.ofNullable(converters.get(op));
  }

  /** The ops with a converter, sorted. */
  public java.util.Set<String> ops() {
    return Collections.unmodifiableSet(converters.keySet());
  }
}
