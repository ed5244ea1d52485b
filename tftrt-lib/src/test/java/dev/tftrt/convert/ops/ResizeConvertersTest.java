package dev.tftrt.convert.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.graph.AttrValue;
import dev.tftrt.graph.DataType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResizeConvertersTest {
  private static final Map<String, AttrValue> HALF_PIXEL = Map.of("half_pixel_centers", AttrValue.of(true));
  private static final Map<String, AttrValue> ALIGN_CORNERS = Map.of("align_corners", AttrValue.of(true));

  private static ConverterHarness harness() {
    return new ConverterHarness(ResizeConverters::register);
  }

  @Test
  void bilinearResizeOfAnNhwcImage() {
    ConverterHarness h = harness().placeholder("img", -1, 4, 5, 3).ints("size", 8, 10)
        .op("up", "ResizeBilinear", "img", "size")
        .op("corners", "ResizeBilinear", ALIGN_CORNERS, "img", "size")
        .op("centers", "ResizeBilinear", HALF_PIXEL, "img", "size");
    assertArrayEquals(new long[] {-1, 8, 10, 3}, h.assertShapeMatchesTensorFlow("up"));
    ConverterHarness.Conversion c = h.convert("up");
    // The resized image stays NCHW; its NHWC form is made when something reads it (here the harness).
    assertEquals(List.of("Shuffle", "Resize"), c.kinds());
    assertEquals(List.of("up/to_nchw", "up"), c.layers().stream().map(RecordingNetworkBuilder.Layer::name).toList());
    assertEquals("up/to_nhwc:0", c.output().name());
    h.assertShapeMatchesTensorFlow("corners");
    h.assertShapeMatchesTensorFlow("centers");
  }

  @Test
  void nearestHalfPixelUpsamplingIsPlainIndexDivision() {
    // Keras UpSampling2D: nearest, half_pixel_centers, integer factor 2 (rows) and 3 (columns).
    ConverterHarness h = harness().placeholder("img", -1, 2, 3, 1).ints("size", 4, 9)
        .op("up", "ResizeNearestNeighbor", HALF_PIXEL, "img", "size");
    assertArrayEquals(new long[] {-1, 4, 9, 1}, h.assertShapeMatchesTensorFlow("up"));
    // What the converter emits (asymmetric nearest, rounding down) picks input (y / 2, x / 3); TensorFlow's
    // half-pixel pick must be the same element. Input elements count up, so each value names its source.
    float[] tf = h.tensorflowValues("up", 1);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 9; x++) {
        assertEquals((y / 2) * 3 + x / 3, tf[y * 9 + x], "output (" + y + ", " + x + ")");
      }
    }
  }

  @Test
  void nearestRejections() {
    ConverterHarness h = harness().placeholder("img", -1, 4, 4, 1).placeholder("open", -1, -1, -1, 1)
        .placeholder("runtime_size", DataType.INT32, 2).placeholder("vector", -1, 4)
        .ints("size", 6, 6).ints("double", 8, 8)
        .op("fraction", "ResizeNearestNeighbor", HALF_PIXEL, "img", "size")
        .op("unknown", "ResizeNearestNeighbor", HALF_PIXEL, "open", "double")
        .op("corners", "ResizeNearestNeighbor", ALIGN_CORNERS, "img", "double")
        .op("both", "ResizeNearestNeighbor",
            Map.of("align_corners", AttrValue.of(true), "half_pixel_centers", AttrValue.of(true)), "img", "double")
        .op("runtime", "ResizeNearestNeighbor", "img", "runtime_size")
        .op("flat", "ResizeNearestNeighbor", "vector", "double");
    h.assertRejected("fraction", "integer upscaling");
    h.assertRejected("unknown", "integer upscaling of a known input size");
    h.assertRejected("corners", "align_corners=true rounds to the nearest pixel");
    h.assertRejected("both", "both align_corners and half_pixel_centers");
    h.assertRejected("runtime", "ResizeNearestNeighbor's size must be a constant");
    h.assertRejected("flat", "takes images [batch, height, width, channels]");
  }

  @Test
  void bilinearOfHalfIsRejected() {
    ConverterHarness h = harness().placeholder("img", DataType.HALF, -1, 4, 4, 1).ints("size", 8, 8)
        .op("up", "ResizeBilinear", Map.of("T", AttrValue.of(DataType.HALF)), "img", "size");
    h.assertRejected("up", "DT_HALF is not supported by ResizeBilinear");
  }
}
