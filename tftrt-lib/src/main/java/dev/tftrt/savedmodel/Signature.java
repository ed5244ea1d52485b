package dev.tftrt.savedmodel;

import java.util.List;

/** One serving signature of a SavedModel: its key and its inputs and outputs, each sorted by key. */
public record Signature(String key, List<SignatureTensor> inputs, List<SignatureTensor> outputs) {
  public Signature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
