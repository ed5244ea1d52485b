package dev.tftrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tftrt.graph.Node;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.HandGraphs;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TrtGraphConverterV2Test {
  private final AtomicInteger freezes = new AtomicInteger();
  private final List<Precision> checkersMade = new java.util.ArrayList<>();

  private TrtGraphConverterV2 converter(TrtConversionParams params) {
    Function<Node, Optional<String>> rejecting = HandGraphs.rejecting("Placeholder", "Erfinv");
    return new TrtGraphConverterV2(params, () -> {
      freezes.incrementAndGet();
      return HandGraphs.inceptionModel();
    }, g -> Map.of(), (g, precision) -> {
      checkersMade.add(precision);
      // FP16 pretends the converters refuse Relu6, to show that verdicts are kept per precision.
      return precision == Precision.FP16
          ? n -> n.op().equals("Relu6") ? Optional.of("Relu6 refused in FP16") : rejecting.apply(n)
          : rejecting;
    });
  }

  @Test
  void summaryBeforeConvertSaysWhatToDo() {
    TftrtException e = assertThrows(TftrtException.class, () -> converter(TrtConversionParams.defaults()).summary());
    assertEquals("nothing converted yet: call convert() first", e.getMessage());
  }

  @Test
  void convertThenReplanFreezesAndValidatesOncePerPrecision() {
    TrtGraphConverterV2 c = converter(TrtConversionParams.defaults());
    ConversionPlan plan = c.convert();
    ConversionPlan whatIf = c.replan(c.params().toBuilder().minimumSegmentSize(1).build());
    ConversionPlan fp16 = c.replan(c.params().toBuilder().precisionMode(Precision.FP16).build());
    c.replan(c.params().toBuilder().precisionMode(Precision.FP16).maxEngines(1).build());

    assertEquals(1, freezes.get());
    assertEquals(List.of(Precision.FP32, Precision.FP16), checkersMade);
    assertSame(plan, c.plan(), "replan does not replace convert()'s plan");
    assertSame(plan.graph(), whatIf.graph());
    assertNotEquals(plan.segments().size(), whatIf.segments().size());
    assertEquals("Relu6 refused in FP16", fp16.leftOut().stream().filter(l -> l.op().equals("Relu6"))
        .findFirst().orElseThrow().reason());
    assertEquals(plan.summary().toText(), c.summary().toText());
  }
}
