package dev.tftrt.bench;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.RawTensor;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/** A SavedModel signature run by TensorFlow itself (TF Java's session): the native baseline. */
public final class SavedModelTarget implements InferenceTarget {
  public static final String DEFAULT_TAG = "serve";
  public static final String DEFAULT_SIGNATURE = "serving_default";

  private final SavedModelBundle bundle;
  private final SessionFunction function;
  private final Map<String, TensorInfo> inputs;

  private SavedModelTarget(SavedModelBundle bundle, SessionFunction function) {
    this.bundle = bundle;
    this.function = function;
    Map<String, TensorInfo> specs = new LinkedHashMap<>();
    function.signature().getInputs().forEach((name, d) -> specs.put(name,
        new TensorInfo(DataType.fromNumber(d.dataType.getNumber()), Shape.of(d.shape.asArray()))));
    this.inputs = java.util.Collections.unmodifiableMap(specs);
  }

  /** Loads {@code dir} with tag {@code serve} and signature {@code serving_default}. */
  public static SavedModelTarget load(Path dir) {
    return load(dir, DEFAULT_TAG, DEFAULT_SIGNATURE);
  }

  public static SavedModelTarget load(Path dir, String tag, String signatureKey) {
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new TftrtException(dir + " is not a SavedModel directory (no saved_model.pb in it); give the "
          + "directory that tf.saved_model.save or SavedModelBundle exported");
    }
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.load(dir.toString(), tag);
    } catch (RuntimeException e) {
      throw new TftrtException("TensorFlow cannot load the SavedModel in " + dir + " with tag '" + tag + "': "
          + e.getMessage(), e);
    }
    List<String> keys = bundle.signatures().stream().map(Signature::key).toList();
    if (!keys.contains(signatureKey)) {
      bundle.close();
      throw new TftrtException("the SavedModel in " + dir + " has no signature '" + signatureKey
          + "'; it has " + keys);
    }
    return new SavedModelTarget(bundle, bundle.function(signatureKey));
  }

  /** TensorFlow's version, as the native library reports it. */
  public static String tensorFlowVersion() {
    return TensorFlow.version();
  }

  @Override
  public String name() {
    return "native TensorFlow";
  }

  @Override
  public String precision() {
    return "native";
  }

  @Override
  public Map<String, TensorInfo> inputs() {
    return inputs;
  }

  /** The signature's outputs, by name. */
  public Map<String, TensorInfo> outputs() {
    Map<String, TensorInfo> specs = new LinkedHashMap<>();
    function.signature().getOutputs().forEach((name, d) -> specs.put(name,
        new TensorInfo(DataType.fromNumber(d.dataType.getNumber()), Shape.of(d.shape.asArray()))));
    return specs;
  }

  @Override
  public PreparedRun prepare(Map<String, TensorValue> batch) {
    if (!batch.keySet().equals(inputs.keySet())) {
      throw new TftrtException("the batch holds inputs " + batch.keySet() + " but the signature takes "
          + inputs.keySet());
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    batch.forEach((name, value) -> tensors.put(name, toTensor(name, value)));
    return new NativeRun(tensors);
  }

  @Override
  public void close() {
    bundle.close();
  }

  private final class NativeRun implements PreparedRun {
    private final Map<String, Tensor> feeds;
    private Result last;

    NativeRun(Map<String, Tensor> feeds) {
      this.feeds = feeds;
    }

    @Override
    public void run() {
      // Session.run returns once every fetched tensor is computed: the call itself is synchronous.
      Result result = function.call(feeds);
      if (last != null) {
        last.close();
      }
      last = result;
    }

    @Override
    public Map<String, TensorValue> outputs() {
      if (last == null) {
        throw new IllegalStateException("outputs() before the first run()");
      }
      Map<String, TensorValue> out = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : last) {
        out.put(e.getKey(), toValue(e.getValue()));
      }
      return out;
    }

    @Override
    public void close() {
      if (last != null) {
        last.close();
      }
      feeds.values().forEach(Tensor::close);
    }
  }

  private static Tensor toTensor(String name, TensorValue value) {
    Class<? extends TType> type = switch (value.dtype()) {
      case FLOAT -> TFloat32.class;
      case DOUBLE -> TFloat64.class;
      case HALF -> TFloat16.class;
      case INT32 -> TInt32.class;
      case INT64 -> TInt64.class;
      case UINT8 -> TUint8.class;
      default -> throw new TftrtException("input '" + name + "' is " + value.dtype().tfName()
          + "; the benchmark feeds float32, float64, float16, int32, int64 or uint8 inputs");
    };
    return Tensor.of(type, org.tensorflow.ndarray.Shape.of(value.shape().dims()), DataBuffers.of(value.buffer()));
  }

  private static TensorValue toValue(Tensor tensor) {
    RawTensor raw = tensor.asRawTensor();
    byte[] bytes = new byte[Math.toIntExact(raw.numBytes())];
    raw.data().read(bytes);
    return TensorValue.ofBytes(DataType.fromNumber(tensor.dataType().getNumber()),
        Shape.of(tensor.shape().asArray()), bytes);
  }
}
