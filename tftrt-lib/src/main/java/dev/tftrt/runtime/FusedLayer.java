package dev.tftrt.runtime;

import java.util.List;

/**
 * One layer of a built TensorRT engine mapped back to the TF nodes it came from.
 *
 * @param segment the segment whose engine holds the layer
 * @param engine the engine's index in the segment's cache (one per optimization profile)
 * @param name the layer's name as TensorRT's engine inspector gives it ({@code "conv + relu"}, {@code "a || b"})
 * @param layerType TensorRT's kernel family ({@code CaskConvolution}, {@code Reformat}; empty when not given)
 * @param kind what kind of fusion it is
 * @param nodes the TF nodes it computes, in the order TensorRT names them
 * @param ops their op types, index by index
 */
public record FusedLayer(String segment, int engine, String name, String layerType, Kind kind, List<String> nodes,
    List<String> ops) {
  public FusedLayer {
    nodes = List.copyOf(nodes);
    ops = List.copyOf(ops);
  }

  /** How an engine layer relates to the TF graph. */
  public enum Kind {
    /** Several TF compute nodes in one layer ({@code Conv2D + BiasAdd + Relu}). */
    VERTICAL("vertical fusion"),
    /** Sibling branches computed as one wider layer (TensorRT's {@code a || b || c}). */
    HORIZONTAL("horizontal fusion"),
    /** One TF node's computation. */
    SINGLE("one node"),
    /** Only the NHWC/NCHW transposes the converters put around image layers. */
    LAYOUT("layout transpose"),
    /** A constant TensorRT kept as a layer. */
    CONSTANT("constant"),
    /** A layer TensorRT added itself: a reformat between tensor formats or a copy; no TF node. */
    REFORMAT("added by TensorRT");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** Whether TensorRT merged several TF nodes here. */
  public boolean fuses() {
    return kind == Kind.VERTICAL || kind == Kind.HORIZONTAL;
  }

  /** {@code Conv2D+BiasAdd+Relu -> one layer (vertical fusion): conv + bias + relu}, for text output. */
  public String describe() {
    boolean computes = kind == Kind.VERTICAL || kind == Kind.HORIZONTAL || kind == Kind.SINGLE;
    String what = computes ? String.join("+", ops) + " -> one layer (" + kind.label() + ")" : kind.label();
    boolean namedAfterNode = nodes.size() == 1 && nodes.get(0).equals(name);
    return what + ": " + name + (!computes && !nodes.isEmpty() && !namedAfterNode
        ? "  <- " + String.join(", ", nodes) : "");
  }
}
