package dev.tftrt.passes;

/** A node a graph pass took out of the graph, and why ("not needed by outputs", "Identity", "folded"). */
public record RemovedNode(String name, String op, String reason) {}
