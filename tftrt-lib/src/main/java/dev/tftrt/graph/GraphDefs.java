package dev.tftrt.graph;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Converts between TensorFlow's {@code GraphDef} protobuf and the Java graph IR. Protobuf classes only: no
 * native call.
 */
public final class GraphDefs {
  private GraphDefs() {}

  /** The graph of a {@code GraphDef} (its function library is not part of the IR; see the freezer). */
  public static Graph fromProto(GraphDef def) {
    Graph g = new Graph();
    for (NodeDef n : def.getNodeList()) {
      g.add(fromProto(n));
    }
    return g;
  }

  public static Node fromProto(NodeDef n) {
    List<TensorRef> inputs = new ArrayList<>();
    List<String> control = new ArrayList<>();
    for (String in : n.getInputList()) {
      if (in.startsWith("^")) {
        control.add(in.substring(1));
      } else {
        inputs.add(TensorRef.parse(in));
      }
    }
    Map<String, AttrValue> attrs = new LinkedHashMap<>();
    n.getAttrMap().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> attrs.put(e.getKey(), fromProto(e.getValue())));
    return new Node(n.getName(), n.getOp(), attrs, inputs, control, n.getDevice());
  }

  public static GraphDef toProto(Graph g) {
    GraphDef.Builder b = GraphDef.newBuilder();
    for (Node n : g.nodes()) {
      b.addNode(toProto(n));
    }
    return b.build();
  }

  public static NodeDef toProto(Node n) {
    NodeDef.Builder b = NodeDef.newBuilder().setName(n.name()).setOp(n.op());
    if (!n.device().isEmpty()) {
      b.setDevice(n.device());
    }
    n.inputs().forEach(in -> b.addInput(in.toString()));
    n.controlInputs().forEach(c -> b.addInput("^" + c));
    n.attrs().forEach((k, v) -> b.putAttr(k, toProto(v)));
    return b.build();
  }

  public static AttrValue fromProto(org.tensorflow.proto.AttrValue a) {
    return switch (a.getValueCase()) {
      case S -> new AttrValue.StringAttr(a.getS().toString(StandardCharsets.ISO_8859_1));
      case I -> new AttrValue.IntAttr(a.getI());
      case F -> new AttrValue.FloatAttr(a.getF());
      case B -> new AttrValue.BoolAttr(a.getB());
      case TYPE -> new AttrValue.TypeAttr(DataType.fromNumber(a.getTypeValue()));
      case SHAPE -> new AttrValue.ShapeAttr(fromProto(a.getShape()));
      case TENSOR -> new AttrValue.TensorAttr(fromProto(a.getTensor()));
      case FUNC -> funcFromProto(a.getFunc());
      case PLACEHOLDER -> new AttrValue.PlaceholderAttr(a.getPlaceholder());
      case LIST -> listFromProto(a.getList());
      case VALUE_NOT_SET -> new AttrValue.ListAttr(List.of());
    };
  }

  private static AttrValue funcFromProto(NameAttrList f) {
    Map<String, AttrValue> attrs = new LinkedHashMap<>();
    f.getAttrMap().forEach((k, v) -> attrs.put(k, fromProto(v)));
    return new AttrValue.FuncAttr(f.getName(), attrs);
  }

  private static AttrValue listFromProto(org.tensorflow.proto.AttrValue.ListValue l) {
    List<AttrValue> out = new ArrayList<>();
    l.getSList().forEach(s -> out.add(new AttrValue.StringAttr(s.toString(StandardCharsets.ISO_8859_1))));
    l.getIList().forEach(i -> out.add(new AttrValue.IntAttr(i)));
    l.getFList().forEach(f -> out.add(new AttrValue.FloatAttr(f)));
    l.getBList().forEach(b -> out.add(new AttrValue.BoolAttr(b)));
    l.getTypeValueList().forEach(t -> out.add(new AttrValue.TypeAttr(DataType.fromNumber(t))));
    l.getShapeList().forEach(s -> out.add(new AttrValue.ShapeAttr(fromProto(s))));
    l.getTensorList().forEach(t -> out.add(new AttrValue.TensorAttr(fromProto(t))));
    l.getFuncList().forEach(f -> out.add(funcFromProto(f)));
    return new AttrValue.ListAttr(out);
  }

  public static org.tensorflow.proto.AttrValue toProto(AttrValue v) {
    org.tensorflow.proto.AttrValue.Builder b = org.tensorflow.proto.AttrValue.newBuilder();
    if (v instanceof AttrValue.StringAttr s) {
      b.setS(ByteString.copyFrom(s.value(), StandardCharsets.ISO_8859_1));
    } else if (v instanceof AttrValue.IntAttr i) {
      b.setI(i.value());
    } else if (v instanceof AttrValue.FloatAttr f) {
      b.setF(f.value());
    } else if (v instanceof AttrValue.BoolAttr x) {
      b.setB(x.value());
    } else if (v instanceof AttrValue.TypeAttr t) {
      b.setTypeValue(t.value().number());
    } else if (v instanceof AttrValue.ShapeAttr s) {
      b.setShape(toProto(s.value()));
    } else if (v instanceof AttrValue.TensorAttr t) {
      b.setTensor(toProto(t.value()));
    } else if (v instanceof AttrValue.FuncAttr f) {
      b.setFunc(funcToProto(f));
    } else if (v instanceof AttrValue.PlaceholderAttr p) {
      b.setPlaceholder(p.name());
    } else if (v instanceof AttrValue.ListAttr l) {
      b.setList(listToProto(l));
    }
    return b.build();
  }

  private static NameAttrList funcToProto(AttrValue.FuncAttr f) {
    NameAttrList.Builder b = NameAttrList.newBuilder().setName(f.name());
    f.attrs().forEach((k, v) -> b.putAttr(k, toProto(v)));
    return b.build();
  }

  private static org.tensorflow.proto.AttrValue.ListValue listToProto(AttrValue.ListAttr l) {
    org.tensorflow.proto.AttrValue.ListValue.Builder b = org.tensorflow.proto.AttrValue.ListValue.newBuilder();
    for (AttrValue v : l.values()) {
      if (v instanceof AttrValue.StringAttr s) {
        b.addS(ByteString.copyFrom(s.value(), StandardCharsets.ISO_8859_1));
      } else if (v instanceof AttrValue.IntAttr i) {
        b.addI(i.value());
      } else if (v instanceof AttrValue.FloatAttr f) {
        b.addF(f.value());
      } else if (v instanceof AttrValue.BoolAttr x) {
        b.addB(x.value());
      } else if (v instanceof AttrValue.TypeAttr t) {
        b.addTypeValue(t.value().number());
      } else if (v instanceof AttrValue.ShapeAttr s) {
        b.addShape(toProto(s.value()));
      } else if (v instanceof AttrValue.TensorAttr t) {
        b.addTensor(toProto(t.value()));
      } else if (v instanceof AttrValue.FuncAttr f) {
        b.addFunc(funcToProto(f));
      } else {
        throw new IllegalArgumentException("a list attribute cannot hold " + v);
      }
    }
    return b.build();
  }

  public static Shape fromProto(TensorShapeProto s) {
    if (s.getUnknownRank()) {
      return Shape.unknown();
    }
    return Shape.of(s.getDimList().stream().mapToLong(d -> d.getSize() < 0 ? -1 : d.getSize()).toArray());
  }

  public static TensorShapeProto toProto(Shape s) {
    TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
    if (!s.hasRank()) {
      return b.setUnknownRank(true).build();
    }
    for (long d : s.dims()) {
      b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return b.build();
  }

  /**
   * A {@code TensorProto} as a Java tensor. Values may come as {@code tensor_content} or as typed repeated
   * fields; TensorFlow repeats the last typed value to fill the shape, and so does this.
   */
  public static TensorValue fromProto(TensorProto t) {
    DataType dtype = DataType.fromNumber(t.getDtypeValue());
    Shape shape = fromProto(t.getTensorShape());
    int n = Math.toIntExact(shape.numElements());
    if (dtype == DataType.STRING) {
      List<byte[]> values = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // No values at all means the type's default (empty strings), as in TensorFlow.
        values.add(t.getStringValCount() == 0 ? new byte[0]
            : t.getStringVal(Math.min(i, t.getStringValCount() - 1)).toByteArray());
      }
      return TensorValue.ofStrings(shape, values);
    }
    if (dtype.byteSize() == 0) {
      throw new IllegalArgumentException("constant tensors of type " + dtype + " are not supported");
    }
    if (!t.getTensorContent().isEmpty() || n == 0) {
      return TensorValue.ofBytes(dtype, shape, t.getTensorContent().toByteArray());
    }
    ByteBuffer b = ByteBuffer.allocate(n * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    if (typedValueCount(t) == 0) {
      return TensorValue.ofBytes(dtype, shape, b.array()); // no values at all: zeros, as in TensorFlow
    }
    for (int i = 0; i < n; i++) {
      switch (dtype) {
        case FLOAT -> b.putFloat(t.getFloatVal(Math.min(i, t.getFloatValCount() - 1)));
        case DOUBLE -> b.putDouble(t.getDoubleVal(Math.min(i, t.getDoubleValCount() - 1)));
        case INT32, QINT32 -> b.putInt(t.getIntVal(Math.min(i, t.getIntValCount() - 1)));
        case INT16, UINT16, QINT16, QUINT16 -> b.putShort((short) t.getIntVal(Math.min(i, t.getIntValCount() - 1)));
        case INT8, UINT8, QINT8, QUINT8 -> b.put((byte) t.getIntVal(Math.min(i, t.getIntValCount() - 1)));
        case HALF, BFLOAT16 -> b.putShort((short) t.getHalfVal(Math.min(i, t.getHalfValCount() - 1)));
        case INT64 -> b.putLong(t.getInt64Val(Math.min(i, t.getInt64ValCount() - 1)));
        case UINT32 -> b.putInt((int) t.getUint32Val(Math.min(i, t.getUint32ValCount() - 1)));
        case UINT64 -> b.putLong(t.getUint64Val(Math.min(i, t.getUint64ValCount() - 1)));
        case BOOL -> b.put((byte) (t.getBoolVal(Math.min(i, t.getBoolValCount() - 1)) ? 1 : 0));
        default -> throw new IllegalArgumentException("constant tensors of type " + dtype + " are not supported");
      }
    }
    return TensorValue.ofBytes(dtype, shape, b.array());
  }

  private static int typedValueCount(TensorProto t) {
    return t.getFloatValCount() + t.getDoubleValCount() + t.getIntValCount() + t.getHalfValCount()
        + t.getInt64ValCount() + t.getUint32ValCount() + t.getUint64ValCount() + t.getBoolValCount();
  }

  public static TensorProto toProto(TensorValue v) {
    TensorProto.Builder b = TensorProto.newBuilder().setDtypeValue(v.dtype().number())
        .setTensorShape(toProto(v.shape()));
    if (v.dtype() == DataType.STRING) {
      v.strings().forEach(s -> b.addStringVal(ByteString.copyFrom(s)));
    } else {
      b.setTensorContent(ByteString.copyFrom(v.buffer()));
    }
    return b.build();
  }
}
