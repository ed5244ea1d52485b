package dev.tftrt.kernel.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.Renderer;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class RenderersTest {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private final Renderer renderer = new Renderer();

  RenderersTest() {
    Renderers.registerAll(renderer);
  }

  private static Table table(int rows) {
    int[] batch = new int[rows];
    double[] ms = new double[rows];
    String[] precision = new String[rows];
    for (int i = 0; i < rows; i++) {
      batch[i] = i + 1;
      ms[i] = i * 0.5;
      precision[i] = i == 0 ? "FP16 <fast>" : "FP32";
    }
    return Table.create("latency & throughput", IntColumn.create("batch", batch),
        StringColumn.create("precision", precision), DoubleColumn.create("ms", ms));
  }

  private static int count(String text, String pattern) {
    Matcher m = Pattern.compile(Pattern.quote(pattern)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Test
  void tableRendersAsHtmlTableAndPlainText() {
    DisplayData data = renderer.render(table(3));
    String html = (String) data.getData(MIMEType.TEXT_HTML);
    assertTrue(html.startsWith("<table class=\"tftrt-table\">"), html);
    assertTrue(html.endsWith("</table>"), html);
    assertTrue(html.contains("<caption>latency &amp; throughput</caption>"), html);
    assertTrue(html.contains("<thead><tr><th>batch</th><th>precision</th><th>ms</th></tr></thead>"), html);
    assertEquals(3, count(html, "<tr><td>"));
    assertTrue(html.contains("<td>FP16 &lt;fast&gt;</td>"), "cell text is escaped: " + html);
    String text = (String) data.getData(MIMEType.TEXT_PLAIN);
    assertTrue(text.contains("batch") && text.contains("FP32"), text);
  }

  @Test
  void longTableShowsHeadAndTailWithAMarker() {
    String html = (String) renderer.render(table(100)).getData(MIMEType.TEXT_HTML);
    assertEquals(TableHtml.DEFAULT_MAX_ROWS, count(html, "<tr><td>"));
    assertTrue(html.contains("40 more rows"), html);
    assertTrue(html.contains("<td>100</td>"), "the last row is shown");
  }

  private static XYChart chart() {
    XYChart chart = new XYChartBuilder().width(400).height(300).title("throughput").build();
    chart.addSeries("FP16", new double[] {1, 8, 32}, new double[] {100, 700, 1900});
    return chart;
  }

  @Test
  void chartRendersAsPng() {
    DisplayData data = renderer.render(chart());
    byte[] png = Base64.getDecoder().decode((String) data.getData(MIMEType.IMAGE_PNG));
    assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, 8));
    assertTrue(png.length > 1000, "a real image, " + png.length + " bytes");
    assertEquals("XYChart: throughput (400x300)", data.getData(MIMEType.TEXT_PLAIN));
  }

  @Test
  void chartRendersAsSvgOnRequest() {
    String svg = (String) renderer.renderAs(chart(), "image/svg+xml").getData(MIMEType.IMAGE_SVG);
    assertTrue(svg.startsWith("<svg"), svg.substring(0, Math.min(200, svg.length())));
    assertTrue(svg.contains("width=\"400\"") && svg.contains("<path"), "drawn at the chart's size");
  }

  @Test
  void markdownComesWithItsHtml() {
    DisplayData data = renderer.render(new Markdown("# Title\n\n*fast*"));
    assertEquals("# Title\n\n*fast*", data.getData(MIMEType.TEXT_MARKDOWN));
    assertEquals("<h1>Title</h1>\n<p><em>fast</em></p>\n", data.getData(MIMEType.TEXT_HTML));
  }

  @Test
  void progressRendersABar() {
    DisplayData data = renderer.render(new Progress("Building engines", 1, 3, "segment <0>"));
    String html = (String) data.getData(MIMEType.TEXT_HTML);
    assertTrue(html.contains("<progress value=\"1\" max=\"3\"></progress> 1/3"), html);
    assertTrue(html.contains("segment &lt;0&gt;"), html);
    assertEquals("Building engines: 1/3 (33%) - segment <0>", data.getData(MIMEType.TEXT_PLAIN));
  }

  @Test
  void svgAndHtmlPassThrough() {
    DisplayData svg = renderer.render(new Svg("<svg/>", "diagram"));
    assertEquals("<svg/>", svg.getData(MIMEType.IMAGE_SVG));
    DisplayData declared = renderer.render(new Svg("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE svg>\n<svg/>",
        "diagram"));
    assertEquals("<svg/>", declared.getData(MIMEType.IMAGE_SVG), "nbconvert's HTML export refuses the declaration");
    assertEquals("diagram", svg.getData(MIMEType.TEXT_PLAIN));
    assertEquals("<i>x</i>", renderer.render(new Html("<i>x</i>")).getData(MIMEType.TEXT_HTML));
  }
}
