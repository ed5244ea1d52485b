package dev.tftrt.convert.ops;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.OpConverter;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Node;
import java.util.Optional;

/**
 * A converter that first works out, from static information alone, what it will emit (type {@code A}: the
 * resolved axes, shapes, constants). Validation is that analysis succeeding, and conversion emits from the same
 * analysis, so the two cannot disagree about what is supported.
 */
abstract class AnalyzingConverter<A> implements OpConverter {

  /** What {@link #emit} needs to know of {@code node}; throws the reason when TensorRT cannot do it. */
  abstract A analyze(ValidationContext context, Node node) throws Unsupported;

  /** Adds the layers for {@code node} and defines its outputs. */
  abstract void emit(ConversionContext context, Node node, A analysis);

  @Override
  public final Optional<String> validate(ValidationContext context, Node node) {
    try {
      analyze(context, node);
      return Optional.empty();
    } catch (Unsupported e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public final void convert(ConversionContext context, Node node) {
    A analysis;
    try {
      analysis = analyze(context.validation(), node);
    } catch (Unsupported e) {
      throw new IllegalStateException(node.op() + " node '" + node.name() + "' cannot be converted: "
          + e.getMessage(), e);
    }
    emit(context, node, analysis);
  }
}
