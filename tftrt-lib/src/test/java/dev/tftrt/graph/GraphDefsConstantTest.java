package dev.tftrt.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/** Constants written with no values at all (as TensorFlow Java's saver writes its empty-string tensor). */
class GraphDefsConstantTest {
  @Test
  void aStringTensorWithoutValuesHoldsEmptyStrings() {
    TensorProto proto = TensorProto.newBuilder().setDtypeValue(DataType.STRING.number())
        .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(2)))
        .build();
    TensorValue value = GraphDefs.fromProto(proto);
    assertEquals(2, value.strings().size());
    assertArrayEquals(new byte[0], value.strings().get(1));
  }

  @Test
  void aNumericTensorWithoutValuesHoldsZeros() {
    TensorProto proto = TensorProto.newBuilder().setDtypeValue(DataType.FLOAT.number())
        .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(3)))
        .build();
    assertArrayEquals(new float[] {0, 0, 0}, GraphDefs.fromProto(proto).toFloats());
  }
}
