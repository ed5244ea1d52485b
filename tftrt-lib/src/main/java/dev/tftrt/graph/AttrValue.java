package dev.tftrt.graph;

import java.util.List;
import java.util.Map;

/** A typed node attribute, one record per kind of {@code AttrValue} in TensorFlow's protobuf. */
public sealed interface AttrValue {

  record IntAttr(long value) implements AttrValue {}

  record FloatAttr(float value) implements AttrValue {}

  record BoolAttr(boolean value) implements AttrValue {}

  /** TensorFlow's {@code s}: bytes, held as an ISO-8859-1 string so that no byte is lost. */
  record StringAttr(String value) implements AttrValue {}

  record TypeAttr(DataType value) implements AttrValue {}

  record ShapeAttr(Shape value) implements AttrValue {}

  record TensorAttr(TensorValue value) implements AttrValue {}

  record ListAttr(List<AttrValue> values) implements AttrValue {
    public ListAttr {
      values = List.copyOf(values);
    }
  }

  /** A function reference with its own attributes (the {@code f} of {@code PartitionedCall}). */
  record FuncAttr(String name, Map<String, AttrValue> attrs) implements AttrValue {
    public FuncAttr {
      attrs = Map.copyOf(attrs);
    }
  }

  /** {@code $T} inside a function body: the value of the caller's attribute named here. */
  record PlaceholderAttr(String name) implements AttrValue {}

  static AttrValue of(long v) {
    return new IntAttr(v);
  }

  static AttrValue of(float v) {
    return new FloatAttr(v);
  }

  static AttrValue of(boolean v) {
    return new BoolAttr(v);
  }

  static AttrValue of(String v) {
    return new StringAttr(v);
  }

  static AttrValue of(DataType v) {
    return new TypeAttr(v);
  }

  static AttrValue of(Shape v) {
    return new ShapeAttr(v);
  }

  static AttrValue of(TensorValue v) {
    return new TensorAttr(v);
  }

  static AttrValue ofInts(long... values) {
    return new ListAttr(java.util.stream.LongStream.of(values).mapToObj(IntAttr::new).map(a -> (AttrValue) a).toList());
  }
}
