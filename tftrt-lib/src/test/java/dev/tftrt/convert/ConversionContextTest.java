package dev.tftrt.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.Precision;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Graph;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The two layouts a tensor may be held in, and the one transpose made per tensor and direction. */
class ConversionContextTest {
  private final RecordingNetworkBuilder network = new RecordingNetworkBuilder();
  private final ConversionContext context =
      new ConversionContext(new ValidationContext(new Graph(), Map.of(), Precision.FP32), network);
  private final TensorRef image = TensorRef.parse("image");
  private final TensorRef conv = TensorRef.parse("conv");

  @Test
  void anNhwcTensorIsTransposedOnceForEveryNchwReader() {
    context.define(image, network.addInput("input_0", DataType.FLOAT, Shape.of(-1, 5, 6, 3)));
    assertFalse(context.hasNchw(image));
    TrtTensor twin = context.nchwTensor(image, "first_reader/to_nchw");
    assertSame(twin, context.nchwTensor(image, "second_reader/to_nchw"));
    assertTrue(context.hasNchw(image));
    assertEquals(Shape.of(-1, 3, 5, 6), twin.shape());
    assertEquals(List.of("first_reader/to_nchw"), network.layers().stream().map(l -> l.name()).toList());
    assertEquals(List.of(0, 3, 1, 2), network.layer("first_reader/to_nchw").params().get("firstTranspose"));
  }

  @Test
  void anNchwTwinIsTransposedBackOnlyWhenTheNhwcTensorIsRead() {
    TrtTensor nchw = network.addInput("input_0", DataType.FLOAT, Shape.of(-1, 3, 5, 6));
    context.defineNchw(conv, nchw);
    assertSame(nchw, context.nchwTensor(conv, "unused"));
    assertTrue(network.layers().isEmpty());
    TrtTensor nhwc = context.tensor(conv);
    assertSame(nhwc, context.tensor(conv));
    assertEquals(Shape.of(-1, 5, 6, 3), nhwc.shape());
    assertEquals(List.of("conv/to_nhwc"), network.layers().stream().map(l -> l.name()).toList());
  }

  @Test
  void aTensorIsDefinedOnceInEitherLayout() {
    context.defineNchw(conv, network.addInput("input_0", DataType.FLOAT, Shape.of(-1, 3, 5, 6)));
    TrtTensor other = network.addInput("input_1", DataType.FLOAT, Shape.of(-1, 5, 6, 3));
    assertThrows(IllegalStateException.class, () -> context.define(conv, other));
    assertThrows(IllegalStateException.class, () -> context.defineNchw(conv, other));
    TrtTensor vector = network.addInput("input_2", DataType.FLOAT, Shape.of(-1, 3));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> context.defineNchw(image, vector));
    assertTrue(e.getMessage().contains("must be 4-D"), e.getMessage());
  }
}
