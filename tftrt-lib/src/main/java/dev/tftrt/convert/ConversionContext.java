package dev.tftrt.convert;

import dev.tftrt.graph.TensorRef;
import dev.tftrt.graph.TensorValue;
import java.util.HashMap;
import java.util.Map;

/**
 * The state of one segment's conversion: the network being built and the network tensors that stand for each TF
 * tensor converted so far. Constants read as tensors become constant layers on first use.
 *
 * <p>A 4-D tensor may be held in TF's layout, as an NCHW twin (its dimensions in the order 0, 3, 1, 2: channels
 * first, as TensorRT's image layers take them), or both. Image layers define only the twin, and layers that work
 * in any layout pass it on, so consecutive image layers read each other directly and TensorRT can fuse them; a
 * transpose is added only where a reader needs the other layout, once per tensor.
 */
public final class ConversionContext {
  /** Dimension {@code i} of an NCHW twin is dimension {@code NHWC_TO_NCHW[i]} of the NHWC tensor. */
  public static final int[] NHWC_TO_NCHW = {0, 3, 1, 2};
  /** Dimension {@code i} of an NHWC tensor is dimension {@code NCHW_TO_NHWC[i]} of its NCHW twin. */
  public static final int[] NCHW_TO_NHWC = {0, 2, 3, 1};

  private final ValidationContext validation;
  private final NetworkBuilder network;
  private final Map<TensorRef, TrtTensor> defined = new HashMap<>();
  private final Map<TensorRef, TrtTensor> channelsFirst = new HashMap<>();

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

  /**
   * The network tensor for {@code tensor} in TF's layout: defined earlier; transposed from its NCHW twin by a
   * shuffle named {@code <producer>/to_nhwc} on first use; or a constant layer made from its Const value.
   */
  public TrtTensor tensor(TensorRef tensor) {
    TrtTensor t = defined.get(tensor);
    if (t != null) {
      return t;
    }
    TrtTensor twin = channelsFirst.get(tensor);
    if (twin != null) {
      t = network.shuffle(tensor.node() + "/to_nhwc", twin, NCHW_TO_NHWC, null, null);
    } else {
      TensorValue value = validation.constant(tensor).orElseThrow(() -> new IllegalStateException(
          "tensor " + tensor + " is neither converted yet nor a constant"));
      t = network.constant(tensor.node(), value);
    }
    defined.put(tensor, t);
    return t;
  }

  /** Whether {@code tensor} has an NCHW twin, so that a reader working in NCHW needs no transpose. */
  public boolean hasNchw(TensorRef tensor) {
    return channelsFirst.containsKey(tensor);
  }

  /**
   * The NCHW twin of the 4-D NHWC tensor {@code tensor}; made on first use by a shuffle named {@code shuffleName}
   * (after the reader that first asks), which every later reader shares.
   */
  public TrtTensor nchwTensor(TensorRef tensor, String shuffleName) {
    TrtTensor twin = channelsFirst.get(tensor);
    if (twin != null) {
      return twin;
    }
    TrtTensor nhwc = tensor(tensor);
    if (nhwc.shape().rank() != 4) {
      throw new IllegalStateException("tensor " + tensor + " " + nhwc.shape() + " is not 4-D, it has no NCHW form");
    }
    twin = network.shuffle(shuffleName, nhwc, NHWC_TO_NCHW, null, null);
    channelsFirst.put(tensor, twin);
    return twin;
  }

  /** Records that {@code value} stands for the TF tensor {@code tensor}, in TF's layout. */
  public void define(TensorRef tensor, TrtTensor value) {
    requireUndefined(tensor);
    defined.put(tensor, value);
  }

  /** Records that {@code nchw} is the NCHW twin of the 4-D NHWC TF tensor {@code tensor}. */
  public void defineNchw(TensorRef tensor, TrtTensor nchw) {
    requireUndefined(tensor);
    if (nchw.shape().rank() != 4) {
      throw new IllegalStateException("NCHW twin of " + tensor + " must be 4-D, got " + nchw.shape());
    }
    channelsFirst.put(tensor, nchw);
  }

  private void requireUndefined(TensorRef tensor) {
    if (defined.containsKey(tensor) || channelsFirst.containsKey(tensor)) {
      throw new IllegalStateException("tensor " + tensor + " defined twice");
    }
  }
}
