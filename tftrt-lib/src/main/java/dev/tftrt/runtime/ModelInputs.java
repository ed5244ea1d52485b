package dev.tftrt.runtime;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;
import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.savedmodel.SignatureTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.tensorflow.Tensor;

/** Checks values given for a signature's inputs and turns them into graph feeds. */
public final class ModelInputs {
  private ModelInputs() {}

  /**
   * The feeds for {@code given} (input key to {@link TensorValue} or {@link Tensor}): every signature input
   * present, none unknown, each of the signature's dtype and a shape that fits (unknown dimensions, such as
   * the batch, take any size).
   *
   * @param what what the values are, for messages ("input", "calibration batch 3")
   * @throws TftrtException naming the first problem and what the model takes
   */
  public static Map<TensorRef, TensorValue> feeds(List<SignatureTensor> signature, Map<String, ?> given,
      String what) {
    if (given == null) {
      throw new TftrtException(what + " is null; give a map from input name to tensor: " + describe(signature));
    }
    for (String key : given.keySet()) {
      if (signature.stream().noneMatch(s -> s.key().equals(key))) {
        throw new TftrtException(what + " has an unknown input '" + key + "'; the model takes "
            + describe(signature));
      }
    }
    requireSupported(signature, List.of());
    Map<TensorRef, TensorValue> feeds = new LinkedHashMap<>();
    for (SignatureTensor s : signature) {
      if (!given.containsKey(s.key())) {
        throw new TftrtException(what + " is missing input '" + s.key() + "'; the model takes "
            + describe(signature));
      }
      TensorValue v = value(s, given.get(s.key()), what);
      if (v.dtype() != s.dtype()) {
        throw new TftrtException(what + ": input '" + s.key() + "' is " + v.dtype().tfName() + " but the model takes "
            + s.dtype().tfName() + s.shape());
      }
      if (!fits(s.shape(), v.shape())) {
        throw new TftrtException(what + ": input '" + s.key() + "' has shape " + v.shape()
            + " but the model takes " + s.dtype().tfName() + s.shape() + " (? = any size)");
      }
      feeds.put(s.tensor(), v);
    }
    return feeds;
  }

  private static TensorValue value(SignatureTensor s, Object given, String what) {
    if (given == null) {
      throw new TftrtException(what + ": input '" + s.key() + "' is null; give a TensorValue or an org.tensorflow "
          + "Tensor of " + s.dtype().tfName() + s.shape());
    }
    if (given instanceof TensorValue v) {
      return v;
    }
    if (given instanceof Tensor t) {
      DataType dtype = DataType.fromNumber(t.dataType().getNumber());
      if (dtype != s.dtype()) {
        throw new TftrtException(what + ": input '" + s.key() + "' is " + dtype.tfName() + " but the model takes "
            + s.dtype().tfName() + s.shape());
      }
      return TfTensors.toValue(t);
    }
    throw new TftrtException(what + ": input '" + s.key() + "' is a " + given.getClass().getName()
        + "; give a TensorValue or an org.tensorflow Tensor of " + s.dtype().tfName() + s.shape());
  }

  /**
   * Refuses a signature with inputs or outputs of a type the runtime cannot pass (strings, resources,
   * variants): a converted model takes and returns numeric and boolean tensors only.
   */
  public static void requireSupported(List<SignatureTensor> inputs, List<SignatureTensor> outputs) {
    for (List<SignatureTensor> side : List.of(inputs, outputs)) {
      for (SignatureTensor s : side) {
        if (!TfTensors.supports(s.dtype())) {
          throw new TftrtException("the model's " + (side == inputs ? "input" : "output") + " '" + s.key()
              + "' is " + s.dtype().tfName() + s.shape() + ", which a converted model cannot pass: its inputs and "
              + "outputs must be " + TfTensors.SUPPORTED + "; keep " + s.dtype().tfName() + " processing outside "
              + "the model (export a signature that starts after it, or ends before it)");
        }
      }
    }
  }

  static boolean fits(Shape declared, Shape actual) {
    if (!declared.hasRank()) {
      return true;
    }
    if (!actual.hasRank() || declared.rank() != actual.rank()) {
      return false;
    }
    for (int i = 0; i < declared.rank(); i++) {
      if (declared.dim(i) >= 0 && declared.dim(i) != actual.dim(i)) {
        return false;
      }
    }
    return true;
  }

  /** {@code input: float32[?,32,32,3]}, for messages. */
  public static String describe(List<SignatureTensor> signature) {
    return signature.stream().map(s -> s.key() + ": " + s.dtype().tfName() + s.shape())
        .collect(Collectors.joining(", "));
  }
}
