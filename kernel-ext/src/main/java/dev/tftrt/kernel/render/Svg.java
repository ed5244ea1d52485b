package dev.tftrt.kernel.render;

/** An SVG image (a diagram), with a short text description for frontends that cannot show images. */
public record Svg(String svg, String description) {}
