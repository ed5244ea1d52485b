package dev.tftrt.kernel.render;

import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.bench.BenchmarkCharts;
import dev.tftrt.bench.ComparisonResult;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.ConversionSummary;
import dev.tftrt.runtime.EngineFusions;
import dev.tftrt.runtime.FusedLayer;
import dev.tftrt.runtime.FusionComparison;
import dev.tftrt.runtime.FusionReport;
import io.github.spencerpark.jupyter.kernel.display.Renderer;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import tech.tablesaw.api.Table;

/** How the TF-TRT types look in a cell: parameters, conversion summaries and benchmark results as HTML. */
public final class TftrtRenderers {
  private TftrtRenderers() {}

  public static void registerAll(Renderer renderer) {
    renderer.createRegistration(TrtConversionParams.class)
        .preferring(MIMEType.TEXT_HTML)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((params, context) -> {
          context.renderIfRequested(MIMEType.TEXT_HTML, () -> paramsHtml(params));
          context.renderIfRequested(MIMEType.TEXT_PLAIN, params::toJson);
        });
    renderer.createRegistration(ConversionSummary.class)
        .preferring(MIMEType.TEXT_HTML)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((summary, context) -> {
          context.renderIfRequested(MIMEType.TEXT_HTML, () -> summaryHtml(summary));
          context.renderIfRequested(MIMEType.TEXT_PLAIN, summary::toText);
        });
    renderer.createRegistration(ConversionPlan.class)
        .preferring(MIMEType.TEXT_HTML)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((plan, context) -> {
          context.renderIfRequested(MIMEType.TEXT_HTML, () -> summaryHtml(plan.summary()));
          context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> plan.summary().toText());
        });
    renderer.createRegistration(TrtGraphConverterV2.class)
        .preferring(MIMEType.TEXT_HTML)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((converter, context) -> {
          context.renderIfRequested(MIMEType.TEXT_HTML, () -> converterHtml(converter));
          context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> converterText(converter));
        });
    renderer.createRegistration(FusionReport.class)
        .preferring(MIMEType.TEXT_HTML)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((report, context) -> {
          context.renderIfRequested(MIMEType.TEXT_HTML, () -> fusionsHtml(report));
          context.renderIfRequested(MIMEType.TEXT_PLAIN, report::toString);
        });
    renderer.createRegistration(ComparisonResult.class)
        .preferring(MIMEType.TEXT_HTML)
        .supporting(MIMEType.TEXT_PLAIN)
        .register((result, context) -> {
          context.renderIfRequested(MIMEType.TEXT_HTML, () -> comparisonHtml(result));
          context.renderIfRequested(MIMEType.TEXT_PLAIN, result::format);
        });
  }

  static String paramsHtml(TrtConversionParams params) {
    StringBuilder out = new StringBuilder("<table class=\"tftrt-params\">\n<caption>TrtConversionParams</caption>\n"
        + "<thead><tr><th>parameter</th><th>value</th></tr></thead>\n<tbody>\n");
    for (Map.Entry<String, com.google.gson.JsonElement> e : params.toJsonTree().entrySet()) {
      String value = e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString();
      out.append("<tr><td>").append(HtmlText.escape(e.getKey())).append("</td><td>").append(HtmlText.escape(value))
          .append("</td></tr>\n");
    }
    return out.append("</tbody>\n</table>").toString();
  }

  static String summaryHtml(ConversionSummary summary) {
    StringBuilder out = new StringBuilder("<div class=\"tftrt-summary\">\n<p><b>")
        .append(HtmlText.escape(summary.model())).append("</b> (").append(HtmlText.escape(summary.signature()))
        .append(", ").append(summary.params().precisionMode()).append("): ")
        .append(summary.engines().size()).append(" TensorRT engine(s), ")
        .append(summary.convertedOps()).append(" of ").append(summary.ops()).append(" ops converted (")
        .append(String.format(Locale.ROOT, "%.1f%%", 100 * summary.convertedShare())).append("), ")
        .append(summary.leftOutOps()).append(" left in TensorFlow</p>\n");
    appendTable(out, summary.enginesTable());
    appendTable(out, summary.leftOutTable());
    appendTable(out, summary.fusionsTable());
    return out.append("</div>").toString();
  }

  private static void appendTable(StringBuilder out, Table table) {
    if (table.rowCount() > 0) {
      out.append(TableHtml.html(table, TableHtml.DEFAULT_MAX_ROWS)).append('\n');
    }
  }

  /** The engine layers and the comparison with the preview when built; else the preview, labelled so. */
  static String fusionsHtml(FusionReport report) {
    StringBuilder out = new StringBuilder("<div class=\"tftrt-fusions\">\n");
    if (report.isBuilt()) {
      EngineFusions f = report.built();
      out.append("<p><b>What TensorRT fused</b>: ").append(f.layers().size()).append(" engine layers, ")
          .append(f.count(FusedLayer.Kind.VERTICAL)).append(" vertical and ")
          .append(f.count(FusedLayer.Kind.HORIZONTAL)).append(" horizontal fusions</p>\n");
      appendTable(out, f.table());
      FusionComparison c = report.comparison().orElseThrow();
      out.append("<p><b>Compared with the preview</b>: ").append(c.count(FusionComparison.Outcome.FUSED))
          .append(" of ").append(c.expected().size()).append(" expected fusions made, ")
          .append(c.beyondPreview().size()).append(" beyond the preview</p>\n");
      appendTable(out, c.table());
      f.removed().forEach((segment, nodes) -> {
        if (!nodes.isEmpty()) {
          out.append("<p class=\"tftrt-note\">").append(HtmlText.escape("segment '" + segment
              + "': in no engine layer (TensorRT removed them): " + String.join(", ", nodes))).append("</p>\n");
        }
      });
    } else {
      out.append("<p><b>Expected fusions</b> (preview: no engine built yet; <code>%tftrt_convert --build</code>"
          + " where TensorRT is shows what it fused)</p>\n");
      appendTable(out, report.table());
    }
    return out.append("</div>").toString();
  }

  static String converterHtml(TrtGraphConverterV2 converter) {
    try {
      return summaryHtml(converter.summary());
    } catch (dev.tftrt.TftrtException notConverted) {
      return "<p>TrtGraphConverterV2, not converted yet (call convert())</p>\n" + paramsHtml(converter.params());
    }
  }

  static String converterText(TrtGraphConverterV2 converter) {
    try {
      return converter.summary().toText();
    } catch (dev.tftrt.TftrtException notConverted) {
      return "TrtGraphConverterV2, not converted yet: " + converter.params();
    }
  }

  static String comparisonHtml(ComparisonResult result) {
    Table table = result.table();
    StringBuilder out = new StringBuilder("<div class=\"tftrt-benchmark\">\n");
    out.append(TableHtml.html(table.selectColumns("target", "precision", "batch", "images_per_s",
        "latency_ms_p50", "latency_ms_p99", "speedup_vs_native"), TableHtml.DEFAULT_MAX_ROWS)).append('\n');
    CategoryChart chart = BenchmarkCharts.throughput(table);
    try {
      out.append("<img alt=\"throughput by batch size\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(BenchmarkCharts.png(chart))).append("\"/>\n");
    } catch (TftrtException noChart) {
      // The measurements took minutes: show them without the chart rather than not at all.
      out.append("<p class=\"tftrt-note\">").append(HtmlText.escape(noChart.getMessage())).append("</p>\n");
    }
    for (String note : result.notes()) {
      out.append("<p class=\"tftrt-note\">").append(HtmlText.escape(note)).append("</p>\n");
    }
    return out.append("</div>").toString();
  }
}
