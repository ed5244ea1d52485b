package dev.tftrt.kernel.render;

import dev.tftrt.bench.BenchmarkCharts;
import io.github.spencerpark.jupyter.kernel.display.Renderer;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.table.Relation;

/** Registers, by Java type and MIME type, how the kernel shows values of the types the course produces. */
public final class Renderers {
  private Renderers() {}

  public static void registerAll(Renderer renderer) {
    renderer.createRegistration(Html.class)
        .preferring(MIMEType.TEXT_HTML)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((value, context) -> {
          context.renderIfRequested(MIMEType.TEXT_HTML, value::html);
          context.renderIfRequested(MIMEType.TEXT_PLAIN, value::html);
        });
    renderer.createRegistration(Markdown.class)
        .preferring(MIMEType.TEXT_MARKDOWN, MIMEType.TEXT_HTML)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((value, context) -> {
          context.renderIfRequested(MIMEType.TEXT_MARKDOWN, value::markdown);
          context.renderIfRequested(MIMEType.TEXT_HTML, () -> markdownHtml(value.markdown()));
          context.renderIfRequested(MIMEType.TEXT_PLAIN, value::markdown);
        });
    renderer.createRegistration(Svg.class)
        .preferring(MIMEType.IMAGE_SVG)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((value, context) -> {
          context.renderIfRequested(MIMEType.IMAGE_SVG, value::element);
          context.renderIfRequested(MIMEType.TEXT_PLAIN, value::description);
        });
    renderer.createRegistration(Progress.class)
        .preferring(MIMEType.TEXT_HTML)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((value, context) -> {
          context.renderIfRequested(MIMEType.TEXT_HTML, value::html);
          context.renderIfRequested(MIMEType.TEXT_PLAIN, value::text);
        });
    renderer.createRegistration(Relation.class)
        .preferring(MIMEType.TEXT_HTML)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((table, context) -> {
          context.renderIfRequested(MIMEType.TEXT_HTML, () -> TableHtml.html(table, TableHtml.DEFAULT_MAX_ROWS));
          context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> table.print(TableHtml.DEFAULT_MAX_ROWS));
        });
    @SuppressWarnings("rawtypes")
    Class<Chart> chartType = Chart.class;
    renderer.createRegistration(chartType)
        .preferring(MIMEType.IMAGE_PNG)
        .supporting(MIMEType.IMAGE_SVG, MIMEType.TEXT_PLAIN)
        .register((chart, context) -> {
          context.renderIfRequested(MIMEType.IMAGE_PNG,
              () -> Base64.getEncoder().encodeToString(BenchmarkCharts.png(chart)));
          context.renderIfRequested(MIMEType.IMAGE_SVG,
              () -> Svg.fromSvgElement(new String(BenchmarkCharts.svg(chart), StandardCharsets.UTF_8)));
          context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> chartDescription(chart));
        });
  }

  static String markdownHtml(String markdown) {
    return HtmlRenderer.builder().build().render(Parser.builder().build().parse(markdown));
  }

  private static String chartDescription(Chart<?, ?> chart) {
    String title = chart.getTitle() == null || chart.getTitle().isBlank() ? "chart" : chart.getTitle();
    // XChart's type, not a subclass a cell made (JShell names anonymous classes $JShell$anonymous$$N)
    Class<?> type = chart.getClass();
    while (!type.getName().startsWith("org.knowm.xchart.")) {
      type = type.getSuperclass();
    }
    return type.getSimpleName() + ": " + title + " (" + chart.getWidth() + "x" + chart.getHeight() + ")";
  }
}
