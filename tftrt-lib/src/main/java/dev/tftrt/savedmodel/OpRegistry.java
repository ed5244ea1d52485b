package dev.tftrt.savedmodel;

import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.Node;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.OpList;

/**
 * The op definitions TensorFlow Java's native library registers: which ops exist, and how their outputs are
 * laid out. Read once from TensorFlow; after that, plain lookups with no native call.
 */
final class OpRegistry {
  private static volatile OpRegistry tensorflow;

  private final Map<String, OpDef> ops;

  OpRegistry(OpList list) {
    this.ops = list.getOpList().stream().collect(Collectors.toUnmodifiableMap(OpDef::getName, Function.identity(),
        (a, b) -> a));
  }

  /** The ops of the TensorFlow runtime this project runs on. */
  static OpRegistry tensorflow() {
    OpRegistry r = tensorflow;
    if (r == null) {
      synchronized (OpRegistry.class) {
        if (tensorflow == null) {
          tensorflow = new OpRegistry(TensorFlow.registeredOpList());
        }
        r = tensorflow;
      }
    }
    return r;
  }

  boolean knows(String op) {
    return ops.containsKey(op);
  }

  Optional<OpDef> opDef(String op) {
    return Optional.ofNullable(ops.get(op));
  }

  /**
   * The flat output index of {@code node}'s output argument {@code arg}, element {@code index}: the sizes of
   * the arguments before it added up. A list argument has as many tensors as its {@code number_attr} says,
   * or as its {@code type_list_attr} names types.
   */
  static int flatOutputIndex(OpDef def, Node node, String arg, int index) {
    int offset = 0;
    for (OpDef.ArgDef a : def.getOutputArgList()) {
      int size = argSize(a, node);
      if (a.getName().equals(arg)) {
        if (index >= size) {
          throw new IllegalArgumentException("output '" + arg + "' of " + node.op() + " node '" + node.name()
              + "' has " + size + " tensors, index " + index + " is out of range");
        }
        return offset + index;
      }
      offset += size;
    }
    throw new IllegalArgumentException(node.op() + " has no output named '" + arg + "' (node '" + node.name() + "')");
  }

  private static int argSize(OpDef.ArgDef a, Node node) {
    if (!a.getNumberAttr().isEmpty()) {
      return Math.toIntExact(node.intAttr(a.getNumberAttr()));
    }
    if (!a.getTypeListAttr().isEmpty()) {
      AttrValue types = node.attrs().get(a.getTypeListAttr());
      if (types instanceof AttrValue.ListAttr list) {
        return list.values().size();
      }
      throw new IllegalArgumentException("node '" + node.name() + "' (" + node.op() + ") has no type list '"
          + a.getTypeListAttr() + "'");
    }
    return 1;
  }
}
