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

/**
 * {@code ResizeBilinear} and {@code ResizeNearestNeighbor} of NHWC images to a constant size. TensorRT resizes
 * the last two dimensions, so the resize layer reads and defines the images' NCHW twins.
 */
public final class ResizeConverters {
  private ResizeConverters() {}

  public static void register(ConverterRegistry registry) {
    registry.register("ResizeBilinear", new Resize(NetworkBuilder.Resize.LINEAR, Set.of(DataType.FLOAT)));
    registry.register("ResizeNearestNeighbor", new Resize(NetworkBuilder.Resize.NEAREST, Inputs.FLOATS));
  }

  /** The output height and width and the coordinate mapping TensorRT applies. */
  record Resizing(long[] outputHW, boolean alignCorners, boolean halfPixelCenters) {}

  static final class Resize extends AnalyzingConverter<Resizing> {
    private final NetworkBuilder.Resize mode;
    private final Set<DataType> types;

    Resize(NetworkBuilder.Resize mode, Set<DataType> types) {
      this.mode = mode;
      this.types = types;
    }

    @Override
    Resizing analyze(ValidationContext context, Node node) throws Unsupported {
      TensorInfo in = Inputs.typed(Inputs.batchTensor(context, node, 0), node, types);
      if (in.shape().rank() != 4) {
        throw new Unsupported(node.op() + " takes images [batch, height, width, channels], got shape "
            + in.shape());
      }
      long[] size = Inputs.constantInts(context, node, 1, "size");
      if (size.length != 2 || size[0] <= 0 || size[1] <= 0) {
        throw new Unsupported(node.op() + "'s size must be two positive numbers (height, width)");
      }
      boolean alignCorners = node.boolAttr("align_corners", false);
      boolean halfPixelCenters = node.boolAttr("half_pixel_centers", false);
      if (alignCorners && halfPixelCenters) {
        throw new Unsupported(node.op() + " with both align_corners and half_pixel_centers is invalid");
      }
      if (mode == NetworkBuilder.Resize.LINEAR) {
        return new Resizing(size, alignCorners, halfPixelCenters);
      }
      if (alignCorners) {
        throw new Unsupported("ResizeNearestNeighbor with align_corners=true rounds to the nearest pixel, which"
            + " TensorRT's nearest resize (rounding down) does not reproduce");
      }
      if (halfPixelCenters && !integerUpscale(in.shape().dim(1), size[0])
          || halfPixelCenters && !integerUpscale(in.shape().dim(2), size[1])) {
        throw new Unsupported("ResizeNearestNeighbor with half_pixel_centers=true is supported only for"
            + " integer upscaling of a known input size (as Keras UpSampling2D does)");
      }
      // For an integer factor f, TF's half-pixel pick floor((x + 0.5) / f) equals floor(x / f): asymmetric.
      return new Resizing(size, false, false);
    }

    private static boolean integerUpscale(long in, long out) {
      return in > 0 && out % in == 0;
    }

    @Override
    void emit(ConversionContext context, Node node, Resizing r) {
      TrtTensor resized = context.network().resize(node.name(), ConverterSupport.nchwInput(context, node, 0), mode,
          r.outputHW(), r.alignCorners(), r.halfPixelCenters());
      ConverterSupport.defineFromNchw(context, node, resized);
    }
  }
}
