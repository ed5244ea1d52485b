package dev.tftrt.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One operation of a graph: its op type, typed attributes, data inputs and control inputs. Immutable; the
 * {@code with...} methods return changed copies.
 */
public record Node(String name, String op, Map<String, AttrValue> attrs, List<TensorRef> inputs,
    List<String> controlInputs, String device) {

  public Node {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a node needs a name");
    }
    if (op == null || op.isEmpty()) {
      throw new IllegalArgumentException("node '" + name + "' needs an op type");
    }
    attrs = Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
    inputs = List.copyOf(inputs);
    controlInputs = List.copyOf(controlInputs);
    device = device == null ? "" : device;
  }

  public Node(String name, String op, Map<String, AttrValue> attrs, List<TensorRef> inputs) {
    this(name, op, attrs, inputs, List.of(), "");
  }

  public TensorRef output(int index) {
    return new TensorRef(name, index);
  }

  public TensorRef input(int i) {
    return inputs.get(i);
  }

  public Optional<AttrValue> attr(String key) {
    return Optional.ofNullable(attrs.get(key));
  }

  public boolean hasAttr(String key) {
    return attrs.containsKey(key);
  }

  public long intAttr(String key) {
    return require(key, AttrValue.IntAttr.class).value();
  }

  public long intAttr(String key, long fallback) {
    return attrs.get(key) instanceof AttrValue.IntAttr a ? a.value() : fallback;
  }

  public float floatAttr(String key, float fallback) {
    return attrs.get(key) instanceof AttrValue.FloatAttr a ? a.value() : fallback;
  }

  public boolean boolAttr(String key, boolean fallback) {
    return attrs.get(key) instanceof AttrValue.BoolAttr a ? a.value() : fallback;
  }

  public String stringAttr(String key, String fallback) {
    return attrs.get(key) instanceof AttrValue.StringAttr a ? a.value() : fallback;
  }

  public DataType typeAttr(String key) {
    return require(key, AttrValue.TypeAttr.class).value();
  }

  public Optional<DataType> optionalTypeAttr(String key) {
    return attrs.get(key) instanceof AttrValue.TypeAttr a ? Optional.of(a.value()) : Optional.empty();
  }

  public Shape shapeAttr(String key) {
    return require(key, AttrValue.ShapeAttr.class).value();
  }

  public TensorValue tensorAttr(String key) {
    return require(key, AttrValue.TensorAttr.class).value();
  }

  /** An integer list attribute such as {@code strides}; empty when absent. */
  public long[] intsAttr(String key) {
    if (!(attrs.get(key) instanceof AttrValue.ListAttr list)) {
      return new long[0];
    }
    return list.values().stream().mapToLong(v -> ((AttrValue.IntAttr) v).value()).toArray();
  }

  private <T extends AttrValue> T require(String key, Class<T> kind) {
    AttrValue v = attrs.get(key);
    if (v == null) {
      throw new IllegalStateException("node '" + name + "' (" + op + ") has no attribute '" + key + "'");
    }
    if (!kind.isInstance(v)) {
      throw new IllegalStateException("attribute '" + key + "' of node '" + name + "' is "
          + v.getClass().getSimpleName() + ", expected " + kind.getSimpleName());
    }
    return kind.cast(v);
  }

  public Node withInputs(List<TensorRef> newInputs) {
    return new Node(name, op, attrs, newInputs, controlInputs, device);
  }

  public Node withControlInputs(List<String> newControlInputs) {
    return new Node(name, op, attrs, inputs, newControlInputs, device);
  }

  public Node withName(String newName) {
    return new Node(newName, op, attrs, inputs, controlInputs, device);
  }

  /** A {@code Const} node holding {@code value}. */
  public static Node constant(String name, TensorValue value) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("dtype", AttrValue.of(value.dtype()));
    a.put("value", AttrValue.of(value));
    return new Node(name, "Const", a, List.of());
  }
}
