package dev.tftrt.convert;

import dev.tftrt.graph.Node;
import java.util.Optional;

/**
 * Converts one TF op type into TensorRT layers. {@link #validate} needs no TensorRT: the segmenter calls it as
 * its candidate predicate, so a node is put in a segment exactly when its conversion is expected to succeed.
 */
public interface OpConverter {

  /** Empty when {@code node} converts in {@code context}; otherwise why not, in words for the summary. */
  Optional<String> validate(ValidationContext context, Node node);

  /** Emits the layers for a node that {@link #validate} accepted and defines each of its outputs. */
  void convert(ConversionContext context, Node node);
}
