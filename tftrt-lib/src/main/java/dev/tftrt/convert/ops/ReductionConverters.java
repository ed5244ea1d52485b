package dev.tftrt.convert.ops;

import dev.tftrt.convert.ConversionContext;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.NetworkBuilder;
import dev.tftrt.convert.TrtTensor;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Node;
import dev.tftrt.graph.TensorInfo;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Reductions ({@code Mean}, {@code Sum}, {@code Max}, {@code Min}) over constant axes other than the batch, and
 * {@code Softmax} over the last axis.
 */
public final class ReductionConverters {
  private ReductionConverters() {}

  public static void register(ConverterRegistry registry) {
    registry.register("Mean", new Reduce(NetworkBuilder.Reduce.AVG, Inputs.FLOATS));
    registry.register("Sum", new Reduce(NetworkBuilder.Reduce.SUM, Inputs.FLOATS_AND_INT32));
    registry.register("Max", new Reduce(NetworkBuilder.Reduce.MAX, Inputs.FLOATS_AND_INT32));
    registry.register("Min", new Reduce(NetworkBuilder.Reduce.MIN, Inputs.FLOATS_AND_INT32));
    registry.register("Softmax", new Softmax());
  }

  /** {@code op(input, reduction_indices)} with {@code keep_dims}; no axes at all is the identity. */
  static final class Reduce extends AnalyzingConverter<int[]> {
    private final NetworkBuilder.Reduce operation;
    private final Set<DataType> types;

    Reduce(NetworkBuilder.Reduce operation, Set<DataType> types) {
      this.operation = operation;
      this.types = types;
    }

    @Override
    int[] analyze(ValidationContext context, Node node) throws Unsupported {
      TensorInfo in = Inputs.typed(Inputs.batchTensor(context, node, 0), node, types);
      long[] axes = Inputs.constantInts(context, node, 1, "reduction axes");
      TreeSet<Integer> sorted = new TreeSet<>();
      for (long a : axes) {
        int axis = Inputs.axis(a, in.shape().rank(), node);
        Inputs.notBatch(axis, node.op() + " over");
        sorted.add(axis);
      }
      return sorted.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Reduces an image's NCHW twin when it has one and the result needs no transpose: it keeps 4 dimensions
     * (a twin again), or what remains is in the same order in both layouts (as a global pool's [batch, channels]).
     */
    @Override
    void emit(ConversionContext context, Node node, int[] axes) {
      boolean keepDims = node.boolAttr("keep_dims", false) || axes.length == 0;
      boolean channelsFirst = context.hasNchw(node.input(0)) && (keepDims || sameOrderInBothLayouts(axes));
      TrtTensor x = channelsFirst ? ConverterSupport.nchwInput(context, node, 0) : context.tensor(node.input(0));
      int[] reduced = channelsFirst ? IntStream.of(axes).map(a -> ConversionContext.NCHW_TO_NHWC[a]).sorted().toArray()
          : axes;
      TrtTensor out = axes.length == 0 ? context.network().identity(node.name(), x, x.type())
          : context.network().reduce(node.name(), x, operation, reduced, keepDims);
      if (channelsFirst && keepDims) {
        context.defineNchw(node.output(0), out);
      } else {
        context.define(node.output(0), out);
      }
    }

    /** Whether the NHWC dimensions left after reducing {@code axes} keep their order in NCHW. */
    private static boolean sameOrderInBothLayouts(int[] axes) {
      Set<Integer> reduced = IntStream.of(axes).boxed().collect(Collectors.toSet());
      return reduced.contains(3) || reduced.containsAll(Set.of(1, 2));
    }
  }

  /** {@code Softmax(logits)} over the last axis, which must not be the batch. */
  static final class Softmax extends AnalyzingConverter<Integer> {
    @Override
    Integer analyze(ValidationContext context, Node node) throws Unsupported {
      TensorInfo in = Inputs.typed(Inputs.batchTensor(context, node, 0), node, Inputs.FLOATS);
      int axis = in.shape().rank() - 1;
      Inputs.notBatch(axis, "Softmax over");
      return axis;
    }

    @Override
    void emit(ConversionContext context, Node node, Integer axis) {
      context.define(node.output(0), context.network().softmax(node.name(), context.tensor(node.input(0)), axis));
    }
  }
}
