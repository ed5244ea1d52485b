package dev.tftrt.bench;

import dev.tftrt.TftrtException;
import dev.tftrt.io.AtomicFiles;
import java.awt.AWTError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import tech.tablesaw.api.Table;

/**
 * The comparison's charts, drawn from its {@link ComparisonResult#table() table} (so also from a CSV read
 * back): throughput by precision and batch size, latency percentiles, and speed-up over native TensorFlow.
 */
public final class BenchmarkCharts {
  private static final int WIDTH = 1000;
  private static final int HEIGHT = 600;

  private BenchmarkCharts() {}

  /** Grouped bars: one group per batch size, one bar per target (native, FP32, FP16, INT8). */
  public static CategoryChart throughput(Table t) {
    CategoryChart chart = chart("Throughput by precision and batch size", "batch size", "images / s");
    chart.getStyler().setYAxisDecimalPattern("#,##0");
    List<String> batches = batchLabels(t);
    for (String target : targets(t)) {
      List<Double> values = new ArrayList<>();
      for (String b : batches) {
        values.add(value(t, target, Integer.parseInt(b), "images_per_s"));
      }
      chart.addSeries(target, batches, values);
    }
    return chart;
  }

  /** Grouped bars: one group per target and batch size, bars p50, p90 and p99 of single-run latency. */
  public static CategoryChart latencyPercentiles(Table t) {
    CategoryChart chart = chart("Latency percentiles", "target, batch size", "milliseconds per batch");
    List<String> groups = new ArrayList<>();
    List<List<Double>> series = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (int i = 0; i < t.rowCount(); i++) {
      groups.add(t.stringColumn("precision").get(i) + " b" + t.intColumn("batch").get(i));
      series.get(0).add(t.doubleColumn("latency_ms_p50").getDouble(i));
      series.get(1).add(t.doubleColumn("latency_ms_p90").getDouble(i));
      series.get(2).add(t.doubleColumn("latency_ms_p99").getDouble(i));
    }
    chart.addSeries("p50", groups, series.get(0));
    chart.addSeries("p90", groups, series.get(1));
    chart.addSeries("p99", groups, series.get(2));
    chart.getStyler().setXAxisLabelRotation(groups.size() > 8 ? 45 : 0);
    return chart;
  }

  /** Grouped bars: throughput over native TensorFlow's at the same batch size, per target. */
  public static CategoryChart speedup(Table t) {
    CategoryChart chart = chart("Speed-up over native TensorFlow", "batch size", "x native throughput");
    chart.getStyler().setYAxisDecimalPattern("0.0#");
    List<String> batches = batchLabels(t);
    for (String target : targets(t)) {
      List<Double> values = new ArrayList<>();
      for (String b : batches) {
        values.add(value(t, target, Integer.parseInt(b), "speedup_vs_native"));
      }
      chart.addSeries(target, batches, values);
    }
    return chart;
  }

  /** Writes {@code chart} as PNG or SVG, chosen by the file's extension; atomically. */
  public static void save(Chart<?, ?> chart, Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!name.endsWith(".png") && !name.endsWith(".svg")) {
      throw new TftrtException("chart file " + file + " must end in .png or .svg");
    }
    AtomicFiles.writeAtomically(file, name.endsWith(".png") ? png(chart) : svg(chart));
  }

  /** {@code chart} as a PNG image (a TftrtException where Java cannot draw text: {@link #draw}). */
  public static byte[] png(Chart<?, ?> chart) {
    return draw(() -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
      } catch (IOException e) {
        throw new TftrtException("cannot draw the chart as PNG: " + e.getMessage(), e);
      }
      return out.toByteArray();
    });
  }

  /** {@code chart} as an SVG document, UTF-8 (a TftrtException where Java cannot draw text: {@link #draw}). */
  public static byte[] svg(Chart<?, ?> chart) {
    return draw(() -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
      } catch (IOException e) {
        throw new TftrtException("cannot draw the chart as SVG: " + e.getMessage(), e);
      }
      return out.toByteArray();
    });
  }

  /**
   * Runs {@code drawing} (XChart painting a chart). Painting measures text, so a Java without working font
   * support fails there, with a LinkageError from AWT's font manager (a JRE without its font libraries, as on
   * bare GPU hosts) or an AWT error (no font installed); either becomes one TftrtException saying what to
   * install. An Error thrown on a kernel's shell thread would end that thread, so none gets through.
   */
  public static <T> T draw(Supplier<T> drawing) {
    try {
      return drawing.get();
    } catch (LinkageError | AWTError e) {
      throw noFontSupport(e);
    } catch (RuntimeException e) {
      if (fromFontCode(e)) {
        throw noFontSupport(e);
      }
      throw e;
    }
  }

  private static boolean fromFontCode(Throwable e) {
    for (StackTraceElement frame : e.getStackTrace()) {
      if (frame.getClassName().startsWith("sun.font.") || frame.getClassName().startsWith("sun.awt.FontConfig")
          || frame.getClassName().startsWith("sun.awt.X11FontManager")) {
        return true;
      }
    }
    return false;
  }

  private static TftrtException noFontSupport(Throwable e) {
    String cause = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    return new TftrtException("the chart could not be drawn: this Java has no working font support ("
        + e.getClass().getSimpleName() + ": " + cause + "); charts need the JRE's font libraries and a font, e.g. "
        + "on Debian or Ubuntu: apt-get install libharfbuzz0b libfreetype6 fontconfig fonts-dejavu-core", e);
  }

  private static CategoryChart chart(String title, String x, String y) {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x)
        .yAxisTitle(y).build();
    // below the plot: inside it, a legend of many variants hides the bars of the small batches
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setYAxisMin(0.0);
    return chart;
  }

  private static List<String> batchLabels(Table t) {
    Set<Integer> batches = new LinkedHashSet<>();
    for (int i = 0; i < t.rowCount(); i++) {
      batches.add(t.intColumn("batch").get(i));
    }
    if (batches.isEmpty()) {
      throw new TftrtException("the table has no rows to chart");
    }
    return batches.stream().sorted().map(String::valueOf).toList();
  }

  private static List<String> targets(Table t) {
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < t.rowCount(); i++) {
      names.add(t.stringColumn("target").get(i));
    }
    return List.copyOf(names);
  }

  /** The column's value at (target, batch); 0 where the target was not measured at that batch size. */
  private static double value(Table t, String target, int batch, String column) {
    for (int i = 0; i < t.rowCount(); i++) {
      if (t.stringColumn("target").get(i).equals(target) && t.intColumn("batch").get(i) == batch) {
        double v = t.doubleColumn(column).getDouble(i);
        return Double.isNaN(v) ? 0 : v;
      }
    }
    return 0;
  }
}
