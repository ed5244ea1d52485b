package dev.tftrt.kernel.render;

/** Markdown to show rendered (what {@code %%markdown} returns). */
public record Markdown(String markdown) {}
