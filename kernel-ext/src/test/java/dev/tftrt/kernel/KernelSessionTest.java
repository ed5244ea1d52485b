package dev.tftrt.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.plan.ConversionPlan;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class KernelSessionTest {
  @Test
  void tftrtConvertOpensSavedModelsWithTheRealConverter() {
    Path kws = Path.of("../tftrt-lib/src/test/resources/models/mlperf_tiny_kws_dscnn_tf2");
    ConversionPlan plan = KernelSession.CONVERTERS.open(kws, TrtConversionParams.defaults()).convert();
    assertEquals(kws, plan.model().source());
    assertEquals(1, plan.segments().size(), "the keyword-spotting CNN converts into one segment");
  }
}
