package dev.tftrt.trt;

import static dev.tftrt.trt.Cuda.dims;

import dev.tftrt.convert.TrtTensor;
import dev.tftrt.engine.NetworkDefinition;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvinfer.ActivationType;
import org.bytedeco.tensorrt.global.nvinfer.ElementWiseOperation;
import org.bytedeco.tensorrt.global.nvinfer.MatrixOperation;
import org.bytedeco.tensorrt.global.nvinfer.PoolingType;
import org.bytedeco.tensorrt.global.nvinfer.ReduceOperation;
import org.bytedeco.tensorrt.global.nvinfer.ScaleMode;
import org.bytedeco.tensorrt.global.nvinfer.UnaryOperation;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IConvolutionLayer;
import org.bytedeco.tensorrt.nvinfer.IDeconvolutionLayer;
import org.bytedeco.tensorrt.nvinfer.ILayer;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IPoolingLayer;
import org.bytedeco.tensorrt.nvinfer.IResizeLayer;
import org.bytedeco.tensorrt.nvinfer.IShuffleLayer;
import org.bytedeco.tensorrt.nvinfer.ISliceLayer;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvinfer.Permutation;
import org.bytedeco.tensorrt.nvinfer.Weights;

/**
 * An explicit-batch TensorRT network of the backend's shared builder. Layers are named after the TF nodes they come from.
 * Weights are copied to native memory that lives as long as the network (TensorRT reads them at build time).
 */
final class TrtNetwork implements NetworkDefinition {
  private final IBuilder builder;
  private final INetworkDefinition network;
  private final TrtLogger logger;
  private final List<Pointer> keepAlive = new ArrayList<>();
  private final List<String> inputNames = new ArrayList<>();
  private final List<String> outputNames = new ArrayList<>();
  private volatile boolean closed;
  /** A build is reading the network: closing it then is left to {@link #release()}. */
  private boolean inBuild;

  TrtNetwork(IBuilder builder, TrtLogger logger) {
    this.builder = builder;
    this.logger = logger;
    this.network = builder.createNetworkV2(
        1 << nvinfer.NetworkDefinitionCreationFlag.kEXPLICIT_BATCH.value);
    if (network == null || network.isNull()) {
      throw new IllegalStateException("TensorRT could not create a network: " + logger.lastError());
    }
  }

  IBuilder builder() {
    return builder;
  }

  INetworkDefinition network() {
    return network;
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public List<String> inputNames() {
    return List.copyOf(inputNames);
  }

  @Override
  public List<String> outputNames() {
    return List.copyOf(outputNames);
  }

  @Override
  public int layerCount() {
    return network.getNbLayers();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      if (!inBuild) {
        destroy();
      }
    }
  }

  /**
   * Marks the network as read by a build (on the build's thread); false when it is closed already. A caller
   * that stopped waiting for a cancelled build closes the network while TensorRT may still be reading it.
   */
  synchronized boolean retain() {
    if (closed) {
      return false;
    }
    inBuild = true;
    return true;
  }

  /** The build is done with the network: destroys it now if it was closed meanwhile. */
  synchronized void release() {
    inBuild = false;
    if (closed) {
      destroy();
    }
  }

  private void destroy() {
    network.destroy();
    keepAlive.forEach(Pointer::close);
    keepAlive.clear();
  }

  // ---- helpers ----

  private static ITensor in(TrtTensor t) {
    if (!(t instanceof TrtTensorHandle h)) {
      throw new IllegalArgumentException("tensor " + t.name() + " does not belong to a TensorRT network");
    }
    return h.tensor();
  }

  private <L extends ILayer> L named(L layer, String name, String what) {
    if (closed) {
      throw new IllegalStateException("network is closed");
    }
    if (layer == null || layer.isNull()) {
      throw new IllegalArgumentException("TensorRT refused the " + what + " layer '" + name + "': "
          + logger.lastError());
    }
    layer.setName(name);
    return layer;
  }

  private static TrtTensor out(ILayer layer) {
    return new TrtTensorHandle(layer.getOutput(0));
  }

  /** Native weights for a constant; null means none (count 0). TensorRT 8.6 has no 64-bit types. */
  private Weights weights(TensorValue v) {
    Weights w = new Weights();
    keepAlive.add(w);
    if (v == null) {
      w.type(nvinfer.DataType.kFLOAT).values(null).count(0);
      return w;
    }
    DataType type = v.dtype();
    byte[] bytes;
    if (type == DataType.INT64) {
      ByteBuffer src = v.buffer();
      ByteBuffer dst = ByteBuffer.allocate(Math.toIntExact(v.numElements() * 4)).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < v.numElements(); i++) {
        dst.putInt(Math.toIntExact(src.getLong(i * 8)));
      }
      bytes = dst.array();
      type = DataType.INT32;
    } else if (type == DataType.DOUBLE) {
      float[] f = v.toFloats();
      ByteBuffer dst = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      dst.asFloatBuffer().put(f);
      bytes = dst.array();
      type = DataType.FLOAT;
    } else {
      bytes = v.bytes();
    }
    BytePointer p = new BytePointer(bytes);
    keepAlive.add(p);
    w.type(Cuda.toTrt(type)).values(p).count(v.numElements());
    return w;
  }

  private ITensor intConstant(String name, int... values) {
    return in(constant(name, TensorValue.ofInts(Shape.of(values.length), values)));
  }

  // ---- NetworkBuilder ----

  @Override
  public TrtTensor addInput(String name, DataType type, Shape shape) {
    ITensor t = network.addInput(name, Cuda.toTrt(type), dims(shape.dims()));
    if (t == null || t.isNull()) {
      throw new IllegalArgumentException("TensorRT refused input '" + name + "' " + type.tfName() + shape
          + ": " + logger.lastError());
    }
    inputNames.add(name);
    return new TrtTensorHandle(t);
  }

  @Override
  public void markOutput(TrtTensor tensor, String name) {
    ITensor t = in(tensor);
    if (t.isNetworkInput() || t.isNetworkOutput()) {
      // A tensor is one binding: an input passed through, or a tensor marked twice, gets its own copy.
      t = named(network.addIdentity(t), name + "/identity", "identity").getOutput(0);
    }
    t.setName(name);
    network.markOutput(t);
    outputNames.add(name);
  }

  @Override
  public TrtTensor constant(String name, TensorValue value) {
    return out(named(network.addConstant(dims(value.shape().dims()), weights(value)), name, "constant"));
  }

  @Override
  public TrtTensor convolution(String name, TrtTensor input, int outputChannels, int[] kernelSize,
      TensorValue kernel, TensorValue bias, int[] stride, int[] prePadding, int[] postPadding, int[] dilation,
      int groups) {
    IConvolutionLayer l = named(network.addConvolutionNd(in(input), outputChannels, dims(kernelSize),
        weights(kernel), weights(bias)), name, "convolution");
    l.setStrideNd(dims(stride));
    l.setPrePadding(dims(prePadding));
    l.setPostPadding(dims(postPadding));
    l.setDilationNd(dims(dilation));
    l.setNbGroups(groups);
    return out(l);
  }

  @Override
  public TrtTensor deconvolution(String name, TrtTensor input, int outputChannels, int[] kernelSize,
      TensorValue kernel, TensorValue bias, int[] stride, int[] prePadding, int[] postPadding, int groups) {
    IDeconvolutionLayer l = named(network.addDeconvolutionNd(in(input), outputChannels, dims(kernelSize),
        weights(kernel), weights(bias)), name, "deconvolution");
    l.setStrideNd(dims(stride));
    l.setPrePadding(dims(prePadding));
    l.setPostPadding(dims(postPadding));
    l.setNbGroups(groups);
    return out(l);
  }

  @Override
  public TrtTensor activation(String name, TrtTensor input, Activation kind, float alpha, float beta) {
    ActivationType t = switch (kind) {
      case RELU -> ActivationType.kRELU;
      case SIGMOID -> ActivationType.kSIGMOID;
      case TANH -> ActivationType.kTANH;
      case LEAKY_RELU -> ActivationType.kLEAKY_RELU;
      case ELU -> ActivationType.kELU;
      case SELU -> ActivationType.kSELU;
      case SOFTPLUS -> ActivationType.kSOFTPLUS;
      case CLIP -> ActivationType.kCLIP;
      case HARD_SIGMOID -> ActivationType.kHARD_SIGMOID;
    };
    var l = named(network.addActivation(in(input), t), name, "activation");
    l.setAlpha(alpha);
    l.setBeta(beta);
    return out(l);
  }

  @Override
  public TrtTensor pooling(String name, TrtTensor input, Pooling kind, int[] window, int[] stride,
      int[] prePadding, int[] postPadding, boolean averageCountExcludesPadding) {
    PoolingType t = kind == Pooling.MAX ? PoolingType.kMAX : PoolingType.kAVERAGE;
    IPoolingLayer l = named(network.addPoolingNd(in(input), t, dims(window)), name, "pooling");
    l.setStrideNd(dims(stride));
    l.setPrePadding(dims(prePadding));
    l.setPostPadding(dims(postPadding));
    l.setAverageCountExcludesPadding(averageCountExcludesPadding);
    return out(l);
  }

  @Override
  public TrtTensor elementwise(String name, TrtTensor a, TrtTensor b, ElementWise op) {
    ElementWiseOperation o = switch (op) {
      case SUM -> ElementWiseOperation.kSUM;
      case PROD -> ElementWiseOperation.kPROD;
      case MAX -> ElementWiseOperation.kMAX;
      case MIN -> ElementWiseOperation.kMIN;
      case SUB -> ElementWiseOperation.kSUB;
      case DIV -> ElementWiseOperation.kDIV;
      case POW -> ElementWiseOperation.kPOW;
    };
    return out(named(network.addElementWise(in(a), in(b), o), name, "element-wise"));
  }

  @Override
  public TrtTensor unary(String name, TrtTensor input, Unary op) {
    UnaryOperation o = switch (op) {
      case EXP -> UnaryOperation.kEXP;
      case LOG -> UnaryOperation.kLOG;
      case SQRT -> UnaryOperation.kSQRT;
      case RECIP -> UnaryOperation.kRECIP;
      case ABS -> UnaryOperation.kABS;
      case NEG -> UnaryOperation.kNEG;
      case FLOOR -> UnaryOperation.kFLOOR;
      case CEIL -> UnaryOperation.kCEIL;
    };
    return out(named(network.addUnary(in(input), o), name, "unary"));
  }

  @Override
  public TrtTensor scale(String name, TrtTensor input, TensorValue shift, TensorValue scale, TensorValue power) {
    long count = shift != null ? shift.numElements() : scale != null ? scale.numElements()
        : power != null ? power.numElements() : 1;
    ScaleMode mode = count == 1 ? ScaleMode.kUNIFORM : ScaleMode.kCHANNEL;
    return out(named(network.addScaleNd(in(input), mode, weights(shift), weights(scale), weights(power), 1),
        name, "scale"));
  }

  @Override
  public TrtTensor matrixMultiply(String name, TrtTensor a, boolean transposeA, TrtTensor b,
      boolean transposeB) {
    return out(named(network.addMatrixMultiply(in(a), transposeA ? MatrixOperation.kTRANSPOSE
        : MatrixOperation.kNONE, in(b), transposeB ? MatrixOperation.kTRANSPOSE : MatrixOperation.kNONE),
        name, "matrix-multiply"));
  }

  private static Permutation permutation(int[] order) {
    Permutation p = new Permutation();
    for (int i = 0; i < order.length; i++) {
      p.order(i, order[i]);
    }
    return p;
  }

  @Override
  public TrtTensor shuffle(String name, TrtTensor input, int[] firstTranspose, long[] reshape,
      int[] secondTranspose) {
    IShuffleLayer l = named(network.addShuffle(in(input)), name, "shuffle");
    if (firstTranspose != null) {
      l.setFirstTranspose(permutation(firstTranspose));
    }
    if (reshape != null) {
      l.setReshapeDimensions(dims(reshape));
    }
    if (secondTranspose != null) {
      l.setSecondTranspose(permutation(secondTranspose));
    }
    return out(l);
  }

  @Override
  public TrtTensor concatenation(String name, List<TrtTensor> inputs, int axis) {
    PointerPointer<ITensor> list = new PointerPointer<>(inputs.size());
    keepAlive.add(list);
    for (int i = 0; i < inputs.size(); i++) {
      list.put(i, in(inputs.get(i)));
    }
    var l = named(network.addConcatenation(list, inputs.size()), name, "concatenation");
    l.setAxis(axis);
    return out(l);
  }

  @Override
  public TrtTensor softmax(String name, TrtTensor input, int axis) {
    var l = named(network.addSoftMax(in(input)), name, "softmax");
    l.setAxes(1 << axis);
    return out(l);
  }

  @Override
  public TrtTensor reduce(String name, TrtTensor input, Reduce op, int[] axes, boolean keepDims) {
    ReduceOperation o = switch (op) {
      case SUM -> ReduceOperation.kSUM;
      case PROD -> ReduceOperation.kPROD;
      case MAX -> ReduceOperation.kMAX;
      case MIN -> ReduceOperation.kMIN;
      case AVG -> ReduceOperation.kAVG;
    };
    int mask = 0;
    for (int a : axes) {
      mask |= 1 << a;
    }
    return out(named(network.addReduce(in(input), o, mask, keepDims), name, "reduce"));
  }

  @Override
  public TrtTensor padding(String name, TrtTensor input, int[] prePadding, int[] postPadding) {
    return out(named(network.addPaddingNd(in(input), dims(prePadding), dims(postPadding)), name, "padding"));
  }

  /**
   * A size of -1 takes the rest of that dimension ({@code ceil((dim - start) / stride)}), computed from the
   * input's runtime shape so that a dynamic batch stays dynamic.
   */
  @Override
  public TrtTensor slice(String name, TrtTensor input, long[] start, long[] size, long[] stride) {
    ITensor x = in(input);
    boolean dynamic = false;
    for (long s : size) {
      dynamic |= s < 0;
    }
    long[] staticSize = size.clone();
    for (int i = 0; i < staticSize.length; i++) {
      staticSize[i] = Math.max(staticSize[i], 0);
    }
    ISliceLayer l = named(network.addSlice(x, dims(start), dims(staticSize), dims(stride)), name, "slice");
    if (dynamic) {
      int rank = size.length;
      int[] offset = new int[rank];
      int[] strides = new int[rank];
      int[] isRest = new int[rank];
      int[] fixed = new int[rank];
      for (int i = 0; i < rank; i++) {
        offset[i] = (int) (stride[i] - start[i] - 1);
        strides[i] = (int) stride[i];
        isRest[i] = size[i] < 0 ? 1 : 0;
        fixed[i] = size[i] < 0 ? 0 : (int) size[i];
      }
      ITensor dimsNow = named(network.addShape(x), name + "/shape", "shape").getOutput(0);
      ITensor rest = network.addElementWise(network.addElementWise(dimsNow, intConstant(name + "/offset", offset),
          ElementWiseOperation.kSUM).getOutput(0), intConstant(name + "/stride", strides),
          ElementWiseOperation.kFLOOR_DIV).getOutput(0);
      ITensor chosen = network.addElementWise(network.addElementWise(rest, intConstant(name + "/rest", isRest),
          ElementWiseOperation.kPROD).getOutput(0), intConstant(name + "/fixed", fixed),
          ElementWiseOperation.kSUM).getOutput(0);
      l.setInput(2, chosen);
    }
    return out(l);
  }

  @Override
  public TrtTensor resize(String name, TrtTensor input, Resize mode, long[] outputHW, boolean alignCorners,
      boolean halfPixelCenters) {
    ITensor x = in(input);
    IResizeLayer l = named(network.addResize(x), name, "resize");
    l.setResizeMode(mode == Resize.NEAREST ? nvinfer.InterpolationMode.kNEAREST
        : nvinfer.InterpolationMode.kLINEAR);
    l.setCoordinateTransformation(alignCorners ? nvinfer.ResizeCoordinateTransformation.kALIGN_CORNERS
        : halfPixelCenters ? nvinfer.ResizeCoordinateTransformation.kHALF_PIXEL
        : nvinfer.ResizeCoordinateTransformation.kASYMMETRIC);
    l.setNearestRounding(nvinfer.ResizeRoundMode.kFLOOR);
    Shape s = Cuda.shape(x.getDimensions());
    int rank = s.rank();
    if (s.isFullyDefined()) {
      long[] outDims = s.dims();
      outDims[rank - 2] = outputHW[0];
      outDims[rank - 1] = outputHW[1];
      l.setOutputDimensions(dims(outDims));
    } else {
      // Leading dimensions from the runtime shape, then the fixed output height and width.
      ITensor shape = named(network.addShape(x), name + "/shape", "shape").getOutput(0);
      ITensor lead = named(network.addSlice(shape, dims(0), dims(rank - 2), dims(1)), name + "/lead", "slice")
          .getOutput(0);
      ITensor hw = intConstant(name + "/hw", (int) outputHW[0], (int) outputHW[1]);
      PointerPointer<ITensor> parts = new PointerPointer<>(lead, hw);
      keepAlive.add(parts);
      ITensor outShape = named(network.addConcatenation(parts, 2), name + "/out_shape", "concatenation")
          .getOutput(0);
      l.setInput(1, outShape);
    }
    return out(l);
  }

  @Override
  public TrtTensor identity(String name, TrtTensor input, DataType outputType) {
    ITensor x = in(input);
    if (Cuda.fromTrt(x.getType()) == outputType) {
      return out(named(network.addIdentity(x), name, "identity"));
    }
    return out(named(network.addCast(x, Cuda.toTrt(outputType)), name, "cast"));
  }
}
