package dev.tftrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.LeftOut;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The public constructors on real SavedModels: freezing, shape inference and the standard converters. */
class TrtGraphConverterV2SavedModelTest {
  private static final Path KWS = Path.of("src/test/resources/models/mlperf_tiny_kws_dscnn_tf2");

  @Test
  void missingDirectoryIsNamedAtOnce() {
    Path missing = Path.of("no/such/saved_model");
    TftrtException e = assertThrows(TftrtException.class,
        () -> new TrtGraphConverterV2(missing, TrtConversionParams.defaults()));
    assertEquals("SavedModel directory no/such/saved_model does not exist; give the directory that holds "
        + "saved_model.pb", e.getMessage());
  }

  @Test
  void unknownSignatureIsReportedByConvert() {
    TrtGraphConverterV2 c = new TrtGraphConverterV2(KWS, "serve", "no_such_signature",
        TrtConversionParams.defaults());
    TftrtException e = assertThrows(TftrtException.class, c::convert);
    assertTrue(e.getMessage().contains("no_such_signature"), e.getMessage());
  }

  @Test
  void kwsPlansWithAReasonForEverythingLeftOut() {
    ConversionPlan plan = new TrtGraphConverterV2(KWS, TrtConversionParams.defaults()).convert();
    assertFalse(plan.leftOut().isEmpty());
    for (LeftOut l : plan.leftOut()) {
      assertFalse(l.reason().isBlank(), l.node() + " left out without a reason");
    }
    assertEquals("no converter for Placeholder", plan.leftOut().stream()
        .filter(l -> l.op().equals("Placeholder")).findFirst().orElseThrow().reason());
  }
}
