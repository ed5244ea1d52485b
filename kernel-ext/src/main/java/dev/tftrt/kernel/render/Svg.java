package dev.tftrt.kernel.render;

/** An SVG image (a diagram), with a short text description for frontends that cannot show images. */
public record Svg(String svg, String description) {

  /**
   * The SVG from its {@code <svg>} element on: what a notebook embeds. The XML declaration and doctype that
   * Graphviz and XChart write before it are dropped (nbconvert's HTML export refuses an encoding declaration).
   */
  public String element() {
    return fromSvgElement(svg);
  }

  static String fromSvgElement(String svg) {
    int at = svg.indexOf("<svg");
    return at > 0 ? svg.substring(at) : svg;
  }
}
