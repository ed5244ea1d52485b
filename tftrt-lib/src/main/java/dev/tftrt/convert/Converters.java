package dev.tftrt.convert;

import dev.tftrt.convert.ops.ActivationConverters;
import dev.tftrt.convert.ops.ConvolutionConverters;
import dev.tftrt.convert.ops.ElementwiseConverters;
import dev.tftrt.convert.ops.MatMulConverters;
import dev.tftrt.convert.ops.NormalizationConverters;
import dev.tftrt.convert.ops.PoolingConverters;
import dev.tftrt.convert.ops.ReductionConverters;
import dev.tftrt.convert.ops.ResizeConverters;
import dev.tftrt.convert.ops.ShapeConverters;
import dev.tftrt.convert.ops.UnaryConverters;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.runtime.SegmentSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The standard converter registry, the segmenter's candidate predicate, and the conversion of one segment. */
public final class Converters {
  private Converters() {}

  /** Every converter family of {@code dev.tftrt.convert.ops}, registered once. */
  public static ConverterRegistry standard() {
    ConverterRegistry registry = new ConverterRegistry();
    ConvolutionConverters.register(registry);
    ElementwiseConverters.register(registry);
    ActivationConverters.register(registry);
    PoolingConverters.register(registry);
    NormalizationConverters.register(registry);
    MatMulConverters.register(registry);
    ShapeConverters.register(registry);
    ReductionConverters.register(registry);
    UnaryConverters.register(registry);
    ResizeConverters.register(registry);
    return registry;
  }

  /**
   * The candidate predicate for the segmenter: empty when {@code registry} converts the node in {@code context},
   * otherwise why not ({@code "no converter for <op>"}, or the converter's reason).
   */
  public static Function<Node, Optional<String>> checker(ConverterRegistry registry, ValidationContext context) {
    return node -> registry.converter(node.op()).map(c -> c.validate(context, node))
        .orElseGet(() -> Optional.of("no converter for " + node.op()));
  }

  /** The network tensors of a converted segment, in binding order. */
  public record SegmentNetwork(List<TrtTensor> inputs, List<TrtTensor> outputs) {
    public SegmentNetwork {
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
    }
  }

  /**
   * Emits {@code segment} into {@code network}: input {@code i} becomes network input {@code input_<i>} of its
   * static type and shape with a dynamic batch ({@code -1} in dimension 0), the nodes are converted in the
   * segment's (topological) order, and output {@code i} is marked {@code output_<i>}. {@code Const} nodes
   * emit nothing themselves: a constant becomes a constant layer where a converter first reads it as a
   * tensor, and weights are read as values.
   *
   * @throws IllegalStateException when a node has no converter or an input has no known rank (the segmenter
   *     would not have made such a segment from {@link #checker}'s verdicts)
   */
  public static SegmentNetwork convertSegment(ConverterRegistry registry, ValidationContext context,
      SegmentSpec segment, NetworkBuilder network) {
    ConversionContext conversion = new ConversionContext(context, network);
    List<TrtTensor> inputs = new ArrayList<>();
    for (int i = 0; i < segment.inputs().size(); i++) {
      TensorRef in = segment.inputs().get(i);
      TensorInfo info = context.info(in).filter(t -> t.shape().hasRank()).orElseThrow(() -> new IllegalStateException(
          "segment " + segment.name() + " reads " + in + ", whose rank is unknown"));
      Shape shape = info.shape().rank() == 0 ? info.shape() : info.shape().withDim(0, -1);
      TrtTensor t = network.addInput(SegmentSpec.inputBinding(i), info.dtype(), shape);
      conversion.define(in, t);
      inputs.add(t);
    }
    for (String name : segment.nodes()) {
      Node node = context.graph().node(name);
      if (node.op().equals("Const")) {
        continue;
      }
      OpConverter converter = registry.converter(node.op()).orElseThrow(() -> new IllegalStateException(
          "segment " + segment.name() + " holds " + name + ", but no converter takes " + node.op()));
      converter.convert(conversion, node);
    }
    List<TrtTensor> outputs = new ArrayList<>();
    for (int i = 0; i < segment.outputs().size(); i++) {
      TrtTensor t = conversion.tensor(segment.outputs().get(i));
      network.markOutput(t, SegmentSpec.outputBinding(i));
      outputs.add(t);
    }
    return new SegmentNetwork(inputs, outputs);
  }
}
