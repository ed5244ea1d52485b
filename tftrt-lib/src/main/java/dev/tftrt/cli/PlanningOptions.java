package dev.tftrt.cli;

import dev.tftrt.TrtConversionParams;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options that decide which parts of a graph become engines, the same for {@code tftrt plan} and
 * {@code tftrt convert}: a plan made with them previews the conversion made with them.
 */
final class PlanningOptions {
  @Option(names = "--precision", paramLabel = "P", defaultValue = "FP32",
      description = "FP32, FP16 or INT8 (default: ${DEFAULT-VALUE})")
  String precision;

  @Option(names = "--minimum-segment-size", paramLabel = "N", defaultValue = "3",
      description = "smallest number of computing nodes that makes an engine (default: ${DEFAULT-VALUE})")
  int minimumSegmentSize;

  @Option(names = "--denylist", split = ",", paramLabel = "OP",
      description = "op types never to convert, comma-separated (e.g. Softmax,MatMul)")
  List<String> denylist = new ArrayList<>();

  @Option(names = "--max-engines", paramLabel = "N", defaultValue = "20",
      description = "most engines; the smallest segments are dropped first (default: ${DEFAULT-VALUE})")
  int maxEngines;

  /** Conversion parameters holding these options, for the command to add its own to. */
  TrtConversionParams.Builder params() {
    return TrtConversionParams.builder().precisionMode(precision).minimumSegmentSize(minimumSegmentSize)
        .opDenylist(denylist).maxEngines(maxEngines);
  }
}
