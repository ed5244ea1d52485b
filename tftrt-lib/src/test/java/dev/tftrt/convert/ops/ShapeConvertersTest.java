package dev.tftrt.convert.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShapeConvertersTest {
  private static ConverterHarness harness() {
    return new ConverterHarness(ShapeConverters::register);
  }

  private static Map<String, AttrValue> sliceAttrs(long begin, long end, long shrink, long ellipsis, long newAxis) {
    Map<String, AttrValue> a = new LinkedHashMap<>();
    a.put("Index", AttrValue.of(DataType.INT32));
    a.put("begin_mask", AttrValue.of(begin));
    a.put("end_mask", AttrValue.of(end));
    a.put("shrink_axis_mask", AttrValue.of(shrink));
    a.put("ellipsis_mask", AttrValue.of(ellipsis));
    a.put("new_axis_mask", AttrValue.of(newAxis));
    return a;
  }

  @Test
  void reshapeKeepsTheBatch() {
    ConverterHarness h = harness().placeholder("img", -1, 28, 28).placeholder("flat", -1, 784)
        .placeholder("fixed", 3, 4, 6)
        .ints("to_flat", -1, 784).ints("to_img", -1, 28, 28, 1).ints("static_batch", 3, -1)
        .op("flatten", "Reshape", "img", "to_flat")
        .op("unflatten", "Reshape", "flat", "to_img")
        .op("merge_rest", "Reshape", "fixed", "static_batch");
    assertArrayEquals(new long[] {-1, 784}, h.assertShapeMatchesTensorFlow("flatten"));
    assertArrayEquals(new long[] {-1, 28, 28, 1}, h.assertShapeMatchesTensorFlow("unflatten"));
    assertArrayEquals(new long[] {-1, 24}, h.assertShapeMatchesTensorFlow("merge_rest"));
    assertEquals(List.of("Shuffle"), h.convert("flatten").kinds());
  }

  @Test
  void reshapeRejectsWhatMovesTheBatch() {
    ConverterHarness h = harness().placeholder("img", -1, 28, 28).placeholder("partly_known", -1, -1, 4)
        .placeholder("dims", DataType.INT32, 2)
        .ints("to_rows", -1, 28).ints("to_one_batch", 1, -1).ints("to_flat", -1, 112)
        .constant("to_scalar", TensorValue.ofInts(Shape.of(0)))
        .op("rows", "Reshape", "img", "to_rows")
        .op("one_batch", "Reshape", "img", "to_one_batch")
        .op("runtime", "Reshape", "img", "dims")
        .op("open", "Reshape", "partly_known", "to_flat")
        .op("scalar", "Reshape", "img", "to_scalar");
    h.assertRejected("rows", "Reshape changes the batch dimension");
    h.assertRejected("one_batch", "Reshape changes the batch dimension");
    h.assertRejected("runtime", "Reshape's shape must be a constant; here it is computed at run time");
    h.assertRejected("open", "dimensions other than the batch to be known");
    h.assertRejected("scalar", "removes the batch dimension");
  }

  @Test
  void squeezeNamedUnitDimensions() {
    ConverterHarness h = harness().placeholder("x", -1, 1, 5, 1)
        .op("sq", "Squeeze", Map.of("squeeze_dims", AttrValue.ofInts(1, -1)), "x")
        .op("all", "Squeeze", "x")
        .op("batch", "Squeeze", Map.of("squeeze_dims", AttrValue.ofInts(0)), "x")
        .op("five", "Squeeze", Map.of("squeeze_dims", AttrValue.ofInts(2)), "x");
    assertArrayEquals(new long[] {-1, 5}, h.assertShapeMatchesTensorFlow("sq"));
    h.assertRejected("all", "Squeeze without squeeze_dims");
    h.assertRejected("batch", "Squeeze of the batch dimension");
    h.assertRejected("five", "only dimensions of size 1");
  }

  @Test
  void expandDimsAfterTheBatch() {
    ConverterHarness h = harness().placeholder("x", -1, 5).placeholder("axis", DataType.INT32)
        .scalar("last", -1).scalar("first", 0)
        .op("ex", "ExpandDims", "x", "last")
        .op("batch", "ExpandDims", "x", "first")
        .op("runtime", "ExpandDims", "x", "axis");
    assertArrayEquals(new long[] {-1, 5, 1}, h.assertShapeMatchesTensorFlow("ex"));
    h.assertRejected("batch", "ExpandDims at the batch dimension");
    h.assertRejected("runtime", "ExpandDims's axis must be a constant");
  }

  @Test
  void transposeKeepsTheBatchFirst() {
    ConverterHarness h = harness().placeholder("x", -1, 2, 3, 4).ints("to_nchw", 0, 3, 1, 2)
        .ints("batch_second", 1, 0, 2, 3)
        .op("t", "Transpose", "x", "to_nchw")
        .op("swap", "Transpose", "x", "batch_second");
    assertArrayEquals(new long[] {-1, 4, 2, 3}, h.assertShapeMatchesTensorFlow("t"));
    assertEquals(List.of("Shuffle"), h.convert("t").kinds());
    h.assertRejected("swap", "Transpose moves the batch dimension");
  }

  @Test
  void concatAlongAConstantAxis() {
    Map<String, AttrValue> two = Map.of("N", AttrValue.of(2L));
    ConverterHarness h = harness().placeholder("a", -1, 2, 3).placeholder("b", -1, 4, 3)
        .placeholder("axis", DataType.INT32).scalar("one", 1).scalar("zero", 0)
        .op("cat", "ConcatV2", two, "a", "b", "one")
        .op("batch", "ConcatV2", two, "a", "b", "zero")
        .op("runtime", "ConcatV2", two, "a", "b", "axis");
    assertArrayEquals(new long[] {-1, 6, 3}, h.assertShapeMatchesTensorFlow("cat"));
    assertEquals(List.of("Concatenation"), h.convert("cat").kinds());
    h.assertRejected("batch", "ConcatV2 along the batch dimension");
    h.assertRejected("runtime", "ConcatV2's axis must be a constant");
  }

  @Test
  void packStacksAfterTheBatch() {
    ConverterHarness h = harness().placeholder("a", -1, 3).placeholder("b", -1, 3)
        .placeholder("n", DataType.INT32).scalar("minus_one", -1)
        .op("stack", "Pack", Map.of("N", AttrValue.of(2L), "axis", AttrValue.of(1L)), "a", "b")
        .op("stack_last", "Pack", Map.of("N", AttrValue.of(2L), "axis", AttrValue.of(-1L)), "a", "b")
        .op("batch", "Pack", Map.of("N", AttrValue.of(2L)), "a", "b")
        .op("scalars", "Pack", Map.of("N", AttrValue.of(2L), "T", AttrValue.of(DataType.INT32)), "n",
            "minus_one");
    assertArrayEquals(new long[] {-1, 2, 3}, h.assertShapeMatchesTensorFlow("stack"));
    assertArrayEquals(new long[] {-1, 3, 2}, h.assertShapeMatchesTensorFlow("stack_last"));
    assertEquals(List.of("Shuffle", "Shuffle", "Concatenation"), h.convert("stack").kinds());
    h.assertRejected("batch", "Pack along the batch dimension");
    // What Keras' Flatten builds from tf.shape(x)[0] when the batch is dynamic.
    h.assertRejected("scalars", "Pack of a scalar");
  }

  @Test
  void stridedSliceCommonCases() {
    ConverterHarness h = harness().placeholder("x", -1, 4, 6)
        .ints("b", 0, 1, 0).ints("e", 0, 3, 6).ints("s", 1, 1, 2)
        .ints("row_b", 0, 2).ints("row_e", 0, 3).ints("ones", 1, 1)
        .ints("tail_b", 0, -2).ints("tail_e", 0, 0)
        .op("window", "StridedSlice", sliceAttrs(1, 1, 0, 0, 0), "x", "b", "e", "s")
        .op("row", "StridedSlice", sliceAttrs(1, 1, 2, 0, 0), "x", "row_b", "row_e", "ones")
        .op("tail", "StridedSlice", sliceAttrs(1, 3, 0, 0, 0), "x", "tail_b", "tail_e", "ones");
    assertArrayEquals(new long[] {-1, 2, 3}, h.assertShapeMatchesTensorFlow("window"));
    assertEquals(List.of("Slice"), h.convert("window").kinds());
    assertArrayEquals(new long[] {-1, 6}, h.assertShapeMatchesTensorFlow("row"));
    assertEquals(List.of("Slice", "Shuffle"), h.convert("row").kinds());
    assertArrayEquals(new long[] {-1, 2, 6}, h.assertShapeMatchesTensorFlow("tail"));
  }

  @Test
  void stridedSliceTakesTheElementsTensorFlowTakes() {
    ConverterHarness h = harness().placeholder("x", -1, 4, 6)
        .ints("b", 0, 1, 0).ints("e", 0, 3, 6).ints("s", 1, 1, 2)
        .ints("row_b", 0, 2).ints("row_e", 0, 3).ints("ones", 1, 1)
        .ints("tail_b", 0, -2).ints("tail_e", 0, 0)
        .ints("every3_b", 0, 0, 1).ints("every3_e", 0, 0, 0).ints("every3_s", 1, 1, 3)
        .ints("far_b", 0, 1).ints("far_e", 0, 100).ints("odd_s", 1, 2)
        .ints("zeros", 0, 0, 0).ints("last_e", 0, 0, -1).ints("ones3", 1, 1, 1)
        .op("window", "StridedSlice", sliceAttrs(1, 1, 0, 0, 0), "x", "b", "e", "s")
        .op("row", "StridedSlice", sliceAttrs(1, 1, 2, 0, 0), "x", "row_b", "row_e", "ones")
        .op("tail", "StridedSlice", sliceAttrs(1, 3, 0, 0, 0), "x", "tail_b", "tail_e", "ones")
        .op("every3", "StridedSlice", sliceAttrs(3, 7, 0, 0, 0), "x", "every3_b", "every3_e", "every3_s")
        .op("clamped", "StridedSlice", sliceAttrs(1, 1, 0, 0, 0), "x", "far_b", "far_e", "odd_s")
        .op("but_last", "StridedSlice", sliceAttrs(3, 3, 0, 0, 0), "x", "zeros", "last_e", "ones3");
    for (String name : List.of("window", "row", "tail", "every3", "clamped", "but_last")) {
      ShapeConverters.StridedSlice.Slicing s =
          assertDoesNotThrow(() -> new ShapeConverters.StridedSlice().analyze(h.validation(), h.graph().node(name)));
      // x counts up from 0, so element (b, i, j) is b * 24 + i * 6 + j.
      int batch = 2;
      List<Float> picked = new ArrayList<>();
      for (int b = 0; b < batch; b++) {
        for (long i = 0; i < s.size()[1]; i++) {
          for (long j = 0; j < s.size()[2]; j++) {
            picked.add((float) (b * 24 + (s.start()[1] + i * s.stride()[1]) * 6 + s.start()[2] + j * s.stride()[2]));
          }
        }
      }
      float[] tf = h.tensorflowValues(name, batch);
      assertEquals(picked.size(), tf.length, name);
      for (int k = 0; k < tf.length; k++) {
        assertEquals(picked.get(k), tf[k], name + " element " + k);
      }
    }
  }

  @Test
  void stridedSliceRejections() {
    ConverterHarness h = harness().placeholder("x", -1, 4, 6).placeholder("shape", DataType.INT32, 3)
        .ints("b", 1, 0).ints("e", 0, 2).ints("s", 1, 1).ints("b1", 0).ints("e1", 1).ints("s1", 1)
        .op("batch", "StridedSlice", sliceAttrs(0, 1, 0, 0, 0), "x", "b", "e", "s")
        .op("ellipsis", "StridedSlice", sliceAttrs(0, 0, 0, 1, 0), "x", "b", "e", "s")
        .op("new_axis", "StridedSlice", sliceAttrs(0, 0, 0, 0, 2), "x", "b", "e", "s")
        .op("batch_size", "StridedSlice", sliceAttrs(0, 0, 1, 0, 0), "shape", "b1", "e1", "s1");
    h.assertRejected("batch", "StridedSlice of the batch dimension");
    h.assertRejected("ellipsis", "ellipsis");
    h.assertRejected("new_axis", "tf.newaxis");
    // tf.shape(x)[0], the other half of Keras' dynamic Flatten.
    h.assertRejected("batch_size", "StridedSlice of the batch dimension");
  }

  @Test
  void padHeightAndWidth() {
    ConverterHarness h = harness().placeholder("nhwc", -1, 5, 6, 3).placeholder("nchw", -1, 3, 5, 6)
        .constant("hw", TensorValue.ofInts(Shape.of(4, 2), 0, 0, 1, 2, 3, 4, 0, 0))
        .constant("last_two", TensorValue.ofInts(Shape.of(4, 2), 0, 0, 0, 0, 1, 1, 2, 2))
        .op("pad", "Pad", "nhwc", "hw")
        .op("pad_nchw", "Pad", "nchw", "last_two");
    assertArrayEquals(new long[] {-1, 8, 13, 3}, h.assertShapeMatchesTensorFlow("pad"));
    // Height and width are the last two dimensions of the NCHW twin, which the padded image stays.
    assertEquals(List.of("Shuffle", "Padding"), h.convert("pad").kinds());
    assertArrayEquals(new long[] {-1, 3, 7, 10}, h.assertShapeMatchesTensorFlow("pad_nchw"));
    assertEquals(List.of("Padding"), h.convert("pad_nchw").kinds());
  }

  @Test
  void padPutsTheZerosWhereTensorFlowDoes() {
    ConverterHarness h = harness().placeholder("x", -1, 2, 3, 2)
        .constant("hw", TensorValue.ofInts(Shape.of(4, 2), 0, 0, 1, 2, 0, 1, 0, 0))
        .constant("h_only", TensorValue.ofInts(Shape.of(4, 2), 0, 0, 2, 1, 0, 0, 0, 0))
        .constant("h_and_c", TensorValue.ofInts(Shape.of(4, 2), 0, 0, 1, 0, 0, 0, 0, 2))
        .op("pad_hw", "Pad", "x", "hw")
        .op("pad_h", "Pad", "x", "h_only")
        .op("pad_hc", "Pad", "x", "h_and_c");
    long[] in = {2, 2, 3, 2};
    for (String name : List.of("pad_hw", "pad_h", "pad_hc")) {
      // The padding layer pads the last two dimensions of its input, after the transposes before it: these of x.
      int[] fromX = {0, 1, 2, 3};
      List<RecordingNetworkBuilder.Layer> layers = h.convert(name).layers();
      int padding = layers.indexOf(layers.stream().filter(l -> l.kind().equals("Padding")).findFirst().orElseThrow());
      for (RecordingNetworkBuilder.Layer shuffle : layers.subList(0, padding)) {
        int[] before = fromX.clone();
        @SuppressWarnings("unchecked")
        List<Integer> perm = (List<Integer>) shuffle.params().get("firstTranspose");
        for (int d = 0; d < 4; d++) {
          fromX[d] = before[perm.get(d)];
        }
      }
      @SuppressWarnings("unchecked")
      List<Integer> pre = (List<Integer>) layers.get(padding).params().get("prePadding");
      int first = fromX[2];
      int second = fromX[3];
      long[] out = h.tensorflowShape(name, 2);
      float[] tf = h.tensorflowValues(name, 2);
      int k = 0;
      for (long[] i = new long[4]; i[0] < out[0]; k++) {
        long[] src = i.clone();
        src[first] -= pre.get(0);
        src[second] -= pre.get(1);
        boolean inside = true;
        long flat = 0;
        for (int d = 0; d < 4; d++) {
          inside &= src[d] >= 0 && src[d] < in[d];
          flat = flat * in[d] + src[d];
        }
        assertEquals(inside ? flat : 0f, tf[k], name + " element " + Arrays.toString(i));
        for (int d = 3; d >= 0 && ++i[d] == out[d] && d > 0; d--) {
          i[d] = 0;
        }
      }
      assertEquals(tf.length, k, name);
    }
  }

  @Test
  void padRejections() {
    ConverterHarness h = harness().placeholder("x", -1, 5, 6, 3).placeholder("v", -1, 5, 6)
        .placeholder("p", DataType.INT32, 4, 2)
        .constant("p_batch", TensorValue.ofInts(Shape.of(4, 2), 1, 0, 0, 0, 0, 0, 0, 0))
        .constant("p_three", TensorValue.ofInts(Shape.of(4, 2), 0, 0, 1, 1, 1, 1, 1, 1))
        .constant("p_rank3", TensorValue.ofInts(Shape.of(3, 2), 0, 0, 1, 1, 1, 1))
        .op("batch", "Pad", "x", "p_batch")
        .op("three", "Pad", "x", "p_three")
        .op("rank3", "Pad", "v", "p_rank3")
        .op("runtime", "Pad", "x", "p");
    h.assertRejected("batch", "Pad of the batch dimension");
    h.assertRejected("three", "Pad of 3 dimensions");
    h.assertRejected("rank3", "TensorRT pads 4-D tensors");
    h.assertRejected("runtime", "Pad's paddings must be a constant");
  }
}
