package dev.tftrt.plan;

/** A node that stays in TensorFlow, and why (the converter's rejection, the denylist, a dropped segment). */
public record LeftOut(String node, String op, String reason) {}
