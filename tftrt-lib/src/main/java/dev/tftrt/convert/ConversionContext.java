package dev.tftrt.convert;

import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.HashMap;
import java.util.Map;

/**
 * The state of one segment's conversion: the network being built and the network tensor that stands for each
 * TF tensor converted so far. Constants read as tensors become constant layers on first use.
 */
public final class ConversionContext {
  private final ValidationContext validation;
  private final NetworkBuilder network;
  private final Map<TensorRef, TrtTensor> defined = new HashMap<>();

  public ConversionContext(ValidationContext validation, NetworkBuilder network) {
    this.validation = validation;
    this.network = network;
  }

  public ValidationContext validation() {
    return validation;
  }

  public NetworkBuilder network() {
    return network;
  }

  /** The network tensor for {@code tensor}: defined earlier, or a constant layer made from its Const value. */
  public TrtTensor tensor(TensorRef tensor) {
    TrtTensor t = defined.get(tensor);
    if (t != null) {
      return t;
    }
    TensorValue value = validation.constant(tensor).orElseThrow(() -> new IllegalStateException(
        "tensor " + tensor + " is neither converted yet nor a constant"));
    TrtTensor c = network.constant(tensor.node(), value);
    defined.put(tensor, c);
    return c;
  }

  public boolean isDefined(TensorRef tensor) {
    return defined.containsKey(tensor);
  }

  /** Records that {@code value} stands for the TF tensor {@code tensor}. */
  public void define(TensorRef tensor, TrtTensor value) {
    if (defined.putIfAbsent(tensor, value) != null) {
      throw new IllegalStateException("tensor " + tensor + " defined twice");
    }
  }
}
