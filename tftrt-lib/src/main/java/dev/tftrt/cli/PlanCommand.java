package dev.tftrt.cli;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.ConversionSummary;
import dev.tftrt.plan.DotExport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tftrt plan <saved_model_dir>}: which parts of the graph TF-TRT would turn into TensorRT engines, with
 * TF-TRT's conversion summary; optionally the same plan re-made for other minimum segment sizes (what-if).
 * Needs no GPU: planning asks the op converters' validation, not TensorRT.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {"Plan a TF-TRT conversion without a GPU: freeze the SavedModel, ask every op converter, "
        + "segment, preview TensorRT's fusions and print the conversion summary (engines, converted share, ops "
        + "left in TensorFlow with their reasons, fusions, nodes removed before planning)."})
public final class PlanCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "<saved_model_dir>", description = "SavedModel directory")
  Path model;

  @Mixin
  MetaGraphOptions metaGraph;

  @Mixin
  PlanningOptions planning;

  @Option(names = "--what-if-minimum-segment-size", split = ",", paramLabel = "N",
      description = "also plan with each of these minimum segment sizes (e.g. 1,3,5,10), reusing the frozen "
          + "graph, and print engines and converted share for each")
  List<Integer> whatIfMinimumSegmentSizes = new ArrayList<>();

  @Option(names = "--json", paramLabel = "FILE", description = "write the summary as JSON")
  Path json;

  @Option(names = "--csv", paramLabel = "FILE", description = "write the summary as CSV")
  Path csv;

  @Option(names = "--dot", paramLabel = "FILE",
      description = "write the frozen graph as Graphviz DOT, segments coloured and fusions grouped")
  Path dot;

  @Override
  public Integer call() {
    OutputFiles.requireOutside(model, json, csv, dot);
    TrtConversionParams params = planning.params().build();
    List<TrtConversionParams> whatIfs = new ArrayList<>();
    for (int n : whatIfMinimumSegmentSizes) {
      whatIfs.add(params.toBuilder().minimumSegmentSize(n).build());
    }
    System.err.println("tftrt: freezing and planning " + model);
    TrtGraphConverterV2 converter = new TrtGraphConverterV2(model, metaGraph.tag, metaGraph.signature, params);
    ConversionPlan plan = converter.convert();
    ConversionSummary summary = plan.summary();
    System.out.print(summary.toText());
    if (!whatIfs.isEmpty()) {
      System.out.println();
      System.out.print(whatIfTable(converter, whatIfs));
    }
    if (json != null) {
      OutputFiles.writeText(json, summary.toJson());
    }
    if (csv != null) {
      OutputFiles.writeText(csv, summary.toCsv());
    }
    if (dot != null) {
      OutputFiles.writeText(dot, DotExport.toDot(plan));
    }
    return 0;
  }

  /** One row per re-plan: engines, converted ops and share, largest engine, and how long re-planning took. */
  static String whatIfTable(TrtGraphConverterV2 converter, List<TrtConversionParams> whatIfs) {
    StringBuilder b = new StringBuilder("What if (re-planned on the same frozen graph)\n");
    b.append(String.format(Locale.ROOT, "  %18s %8s %14s %8s %14s %10s%n", "minimumSegmentSize", "engines",
        "converted ops", "share", "largest engine", "replan ms"));
    for (TrtConversionParams p : whatIfs) {
      long start = System.nanoTime();
      ConversionSummary s = converter.replan(p).summary();
      double millis = (System.nanoTime() - start) / 1e6;
      int largest = s.engines().stream().mapToInt(ConversionSummary.EngineRow::nodes).max().orElse(0);
      b.append(String.format(Locale.ROOT, "  %18d %8d %14s %7.1f%% %14d %10.1f%n", p.minimumSegmentSize(),
          s.engines().size(), s.convertedOps() + "/" + s.ops(), 100 * s.convertedShare(), largest, millis));
    }
    return b.toString();
  }
}
