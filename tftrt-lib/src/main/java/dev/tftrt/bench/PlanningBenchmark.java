package dev.tftrt.bench;

import dev.tftrt.Precision;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.convert.ConverterRegistry;
import dev.tftrt.convert.Converters;
import dev.tftrt.convert.ShapeInference;
import dev.tftrt.convert.ValidationContext;
import dev.tftrt.graph.Node;
import dev.tftrt.plan.ConversionPlan;
import dev.tftrt.plan.Planner;
import dev.tftrt.plan.PreparedGraph;
import dev.tftrt.savedmodel.FrozenModel;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Times planning on a generated 20,000-node graph with the standard converters: shape inference and the graph
 * passes, the converters' verdicts, segmenting and the fusion preview, and re-planning with other parameters. Own harness: warm-up rounds, then the median and the fastest of the
 * measured rounds. Run with {@code ./tftrt bench-plan} or this class's main; results go to
 * docs/planning-benchmark.md.
 */
public final class PlanningBenchmark {
  private PlanningBenchmark() {}

  public static void main(String[] args) {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int warmup = 5;
    int rounds = 15;
    FrozenModel model = SyntheticGraphs.resnetStack(nodes, 8, 40);
    System.out.printf(Locale.ROOT, "graph: %d nodes, %d op types%n", model.graph().size(),
        model.graph().opHistogram().size());
    ConverterRegistry converters = Converters.standard();

    PreparedGraph prepared = time("prepare (shape inference + passes)", warmup, rounds,
        () -> Planner.prepare(model, ShapeInference::infer));
    Function<Node, Optional<String>> candidate = time("verdicts (shape inference + every validate)", warmup,
        rounds, () -> verdicts(converters, prepared));
    TrtConversionParams defaults = TrtConversionParams.defaults();
    ConversionPlan plan = time("plan (segment + fusions)", warmup, rounds,
        () -> Planner.plan(prepared, defaults, candidate));
    TrtConversionParams other = defaults.toBuilder().minimumSegmentSize(50).opDenylist("AddV2").build();
    time("re-plan (minimumSegmentSize 50, deny AddV2)", warmup, rounds,
        () -> Planner.plan(prepared, other, candidate));
    time("summary text", warmup, rounds, () -> plan.summary().toText());
    time("full (prepare + verdicts + plan)", warmup, rounds, () -> {
      PreparedGraph p = Planner.prepare(model, ShapeInference::infer);
      return Planner.plan(p, defaults, verdicts(converters, p));
    });
    System.out.printf(Locale.ROOT, "result: %d engines, %d nodes left out, %d vertical fusions%n",
        plan.segments().size(), plan.leftOut().size(), plan.fusions().vertical().size());
  }

  /** The standard converters' verdict on every node, computed once (as TrtGraphConverterV2 keeps them). */
  private static Function<Node, Optional<String>> verdicts(ConverterRegistry converters, PreparedGraph prepared) {
    Function<Node, Optional<String>> check = Converters.checker(converters,
        new ValidationContext(prepared.graph(), ShapeInference.infer(prepared.graph()), Precision.FP32));
    Map<String, Optional<String>> verdicts = new HashMap<>();
    prepared.graph().nodes().forEach(n -> verdicts.put(n.name(), check.apply(n)));
    return n -> verdicts.get(n.name());
  }

  /** Runs {@code task} warm-up times, then reports the median and fastest of {@code rounds} timed runs. */
  static <T> T time(String label, int warmup, int rounds, Supplier<T> task) {
    T last = null;
    for (int i = 0; i < warmup; i++) {
      last = task.get();
    }
    double[] ms = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      last = task.get();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    System.out.printf(Locale.ROOT, "%-45s median %8.1f ms   min %8.1f ms%n", label, ms[rounds / 2], ms[0]);
    return last;
  }
}
