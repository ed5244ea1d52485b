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

    @Override
    void emit(ConversionContext context, Node node, int[] axes) {
      TrtTensor x = context.tensor(node.input(0));
      TrtTensor out = axes.length == 0 ? context.network().identity(node.name(), x, x.type())
          : context.network().reduce(node.name(), x, operation, axes, node.boolAttr("keep_dims", false));
      context.define(node.output(0), out);
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
