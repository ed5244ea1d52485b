package dev.tftrt.kernel.render;

import dev.tftrt.bench.BenchmarkCharts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * An XChart chart as PNG bytes (XChart's BitmapEncoder) or SVG text (its VectorGraphicsEncoder); without font
 * support, a TftrtException saying so ({@link BenchmarkCharts#draw}).
 */
public final class ChartImages {
  private ChartImages() {}

  public static byte[] png(Chart<?, ?> chart) {
    return BenchmarkCharts.draw(() -> {
      try {
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  public static String svg(Chart<?, ?> chart) {
    return BenchmarkCharts.draw(() -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toString(StandardCharsets.UTF_8);
    });
  }
}
