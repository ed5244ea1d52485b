package dev.tftrt.kernel.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.convert.RecordingNetworkBuilder;
import dev.tftrt.engine.RecordingTensorRtBackend;
import dev.tftrt.figures.Graphviz;
import dev.tftrt.kernel.magic.ProgressSink;
import dev.tftrt.kernel.magic.TftrtMagics;
import dev.tftrt.bench.Benchmark;
import dev.tftrt.bench.Comparison;
import dev.tftrt.bench.ComparisonResult;
import dev.tftrt.engine.Availability;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.Renderer;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class TftrtRenderersTest {
  private final Renderer renderer = new Renderer();

  TftrtRenderersTest() {
    Renderers.registerAll(renderer);
    TftrtRenderers.registerAll(renderer);
  }

  @Test
  void paramsShowAsANameValueTable() {
    DisplayData data = renderer.render(TrtConversionParams.defaults().toBuilder().maxBatchSize(8).build());
    String html = (String) data.getData(MIMEType.TEXT_HTML);
    assertTrue(html.startsWith("<table class=\"tftrt-params\">"), html);
    assertTrue(html.contains("<tr><td>maxBatchSize</td><td>8</td></tr>"), html);
    assertTrue(((String) data.getData(MIMEType.TEXT_PLAIN)).contains("\"maxBatchSize\": 8"));
  }

  @Test
  void fusionsShowTheEngineLayersAndTheComparisonOrThePreviewLabelledSo() {
    ProgressSink quiet = (title, total) -> new ProgressSink.Tracker() {
      @Override
      public void at(long done, String message) {}

      @Override
      public void finish() {}
    };
    // The real converter building on the recording backend: every network layer is one engine layer.
    TftrtMagics magics = new TftrtMagics((dir, params) -> new TrtGraphConverterV2(dir, params)
        .withBackend(new RecordingTensorRtBackend(RecordingNetworkBuilder::new)), Comparison::builder,
        Graphviz::find, quiet, Path.of("../tftrt-lib/src/test/resources/models").toAbsolutePath().normalize());
    magics.tftrtConvert(List.of("mlperf_tiny_kws_dscnn_tf2"));
    String preview = (String) renderer.render(magics.tftrtFusions(List.of())).getData(MIMEType.TEXT_HTML);
    assertTrue(preview.contains("<b>Expected fusions</b> (preview: no engine built yet"), preview);
    assertTrue(preview.contains("Conv2D") || preview.contains("DepthwiseConv2dNative"), preview);
    magics.tftrtConvert(List.of("mlperf_tiny_kws_dscnn_tf2", "--build"));
    DisplayData data = renderer.render(magics.tftrtFusions(List.of()));
    String html = (String) data.getData(MIMEType.TEXT_HTML);
    assertTrue(html.contains("<b>What TensorRT fused</b>"), html);
    assertTrue(html.contains("<b>Compared with the preview</b>: 0 of "), html);
    assertTrue(html.contains("layout transpose"), html);
    assertTrue(((String) data.getData(MIMEType.TEXT_PLAIN)).startsWith("What TensorRT fused: "));
  }

  @Test
  void benchmarkShowsItsTableChartAndNotes() {
    ComparisonResult result = Comparison.builder()
        .benchmark(Benchmark.builder().batchSizes(1, 2).iterations(2).warmupIterations(1).repeats(1).build())
        .tensorRt(Availability.unavailable("no GPU here"), (m, p, c, b) -> {
          throw new AssertionError("no TensorRT rows without TensorRT");
        })
        .build()
        .run(Path.of("../tftrt-lib/src/test/resources/models/kotlindl_mnist_mlp_tf2"));
    DisplayData data = renderer.render(result);
    String html = (String) data.getData(MIMEType.TEXT_HTML);
    assertTrue(html.contains("<th>images_per_s</th>") && html.contains("<td>native"), html);
    String base64 = html.replaceAll("(?s).*data:image/png;base64,([A-Za-z0-9+/=]+)\".*", "$1");
    byte[] png = Base64.getDecoder().decode(base64);
    assertEquals('P', png[1]);
    assertEquals('N', png[2]);
    assertTrue(html.contains("no GPU here"), "the note saying why TensorRT rows are missing");
    assertTrue(((String) data.getData(MIMEType.TEXT_PLAIN)).contains("target"));
  }
}
