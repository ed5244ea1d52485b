package dev.tftrt.graph;

/** One output of a node: {@code node:index}, printed as TensorFlow does ({@code conv} for index 0). */
public record TensorRef(String node, int index) {
  public TensorRef {
    if (node == null || node.isEmpty()) {
      throw new IllegalArgumentException("a tensor reference needs a node name");
    }
    if (index < 0) {
      throw new IllegalArgumentException("output index must be >= 0, was " + index + " for " + node);
    }
  }

  public static TensorRef of(String node) {
    return new TensorRef(node, 0);
  }

  /** Parses {@code name}, {@code name:3}; control inputs ({@code ^name}) are not tensors and are refused. */
  public static TensorRef parse(String text) {
    if (text.startsWith("^")) {
      throw new IllegalArgumentException("'" + text + "' is a control input, not a tensor");
    }
    int colon = text.lastIndexOf(':');
    if (colon > 0) {
      String tail = text.substring(colon + 1);
      if (!tail.isEmpty() && tail.chars().allMatch(Character::isDigit)) {
        return new TensorRef(text.substring(0, colon), Integer.parseInt(tail));
      }
    }
    return new TensorRef(text, 0);
  }

  @Override
  public String toString() {
    return index == 0 ? node : node + ":" + index;
  }

  /** Always with the index, as signatures write tensor names ({@code input:0}). */
  public String tensorName() {
    return node + ":" + index;
  }
}
