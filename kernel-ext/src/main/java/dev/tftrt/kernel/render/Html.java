package dev.tftrt.kernel.render;

/** HTML to show as is (what {@code %%html} returns). */
public record Html(String html) {}
