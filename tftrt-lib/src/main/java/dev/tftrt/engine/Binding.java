package dev.tftrt.engine;

import dev.tftrt.graph.DataType;
import dev.tftrt.graph.Shape;

/**
 * A network input or output of an engine. {@code shape} has -1 where dynamic; inputs carry the range their
 * optimization profile covers (null for outputs).
 */
public record Binding(String name, boolean isInput, DataType type, Shape shape, ShapeRange profile) {}
