package dev.tftrt.bench;

import dev.tftrt.TftrtException;
import dev.tftrt.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one ResNet-50 table of issue 5: a row per precision, builder optimization level, variant and batch size,
 * kept as CSV that every benchmark part appends to as soon as a variant is measured (so a part that dies keeps
 * what it measured), and rendered as Markdown with the Java overhead of the converted model over the bare loop.
 */
final class ResNet50Table {
  static final String ENGINE = "engine alone (enqueue only)";
  static final String ENGINE_GRAPHS = "engine alone + CUDA graphs";
  static final String ENGINE_COPIES = "engine with copies";
  static final String BOUND = "ConvertedModel.bind, run (inputs on the GPU)";
  static final String BOUND_GRAPHS = "ConvertedModel.bind, run + CUDA graphs (inputs on the GPU)";
  /**
   * {@link #BOUND_GRAPHS} from two threads, each with its own binding. Two bindings of one model do run at once:
   * a binding's run holds only its own monitor and the executor's shared (read) lifecycle lock, and borrows one of
   * the engine's two sets of contexts, each with its own stream: its first run takes a set of its own and later
   * runs take it back (idle, as the other thread keeps to its own), so each context keeps replaying the CUDA graph
   * of one binding's addresses.
   */
  static final String BOUND_TWO_CONTEXTS = "ConvertedModel.bind, run + CUDA graphs, 2 threads (2 contexts, inputs on "
      + "the GPU)";
  static final String MODEL = "ConvertedModel.run";
  static final String MODEL_GRAPHS = "ConvertedModel.run + CUDA graphs";
  static final String MODEL_TWO_CONTEXTS = "ConvertedModel.run + CUDA graphs, 2 threads (2 contexts)";
  static final String NATIVE = "native TensorFlow (CPU)";
  /** The precision of {@link #NATIVE}'s rows (as {@link SavedModelTarget#precision()} says); they have no level. */
  static final String NATIVE_PRECISION = "native";
  private static final List<String> VARIANTS = List.of(NATIVE, ENGINE, ENGINE_GRAPHS, ENGINE_COPIES, BOUND,
      BOUND_GRAPHS, BOUND_TWO_CONTEXTS, MODEL, MODEL_GRAPHS, MODEL_TWO_CONTEXTS);
  private static final List<String> PRECISIONS = List.of(NATIVE_PRECISION, "FP32", "FP32+TF32", "FP16", "INT8");
  private static final String HEADER = "precision,level,variant,batch,images_per_s,images_per_s_rsd_percent,"
      + "latency_p50_ms,latency_p99_ms,device_p50_ms";

  private static final Map<String, String> BY_KEY = Map.of("native", NATIVE, "engine", ENGINE, "engine-graphs",
      ENGINE_GRAPHS, "engine-copies", ENGINE_COPIES, "bound", BOUND, "bound-graphs", BOUND_GRAPHS, "bound-2ctx",
      BOUND_TWO_CONTEXTS, "model", MODEL, "model-graphs", MODEL_GRAPHS, "model-2ctx", MODEL_TWO_CONTEXTS);
  /** Variants run by two threads at once ({@link Concurrency}): no spread of throughput across repeats. */
  static final java.util.Set<String> TWO_THREADS = java.util.Set.of(MODEL_TWO_CONTEXTS, BOUND_TWO_CONTEXTS);
  /** Issue 5: at batch >= 32 the executor keeps at least this share of the bare loop's throughput. */
  static final double MIN_THROUGHPUT_RATIO = 0.97;
  /** Issue 5: at batch 1 the executor adds at most this much latency over the engine's own. */
  static final double MAX_ADDED_MICROS = 50;

  private ResNet50Table() {}

  /** The variant a short key names (as {@code -Dbench.variants} lists them). */
  static String variant(String key) {
    String v = BY_KEY.get(key);
    if (v == null) {
      throw new IllegalArgumentException("unknown variant '" + key + "'; known: " + new java.util.TreeSet<>(
          BY_KEY.keySet()));
    }
    return v;
  }

  /** One measurement; {@code deviceP50Ms} is NaN where there are no CUDA events (all but the bare loop). */
  record Row(String precision, int level, String variant, int batch, double imagesPerSecond, double rsdPercent,
      double p50Ms, double p99Ms, double deviceP50Ms) {

    String csv() {
      return String.format(Locale.ROOT, "%s,%d,\"%s\",%d,%.1f,%.2f,%.4f,%.4f,%s", precision, level, variant, batch,
          imagesPerSecond, rsdPercent, p50Ms, p99Ms, Double.isNaN(deviceP50Ms) ? ""
              : String.format(Locale.ROOT, "%.4f", deviceP50Ms));
    }

    /** What the chart calls it: precision, builder level and variant (native TensorFlow has no level). */
    String label() {
      return isNative() ? variant : precision + " level " + level + ", " + variant;
    }

    boolean isNative() {
      return precision.equals(NATIVE_PRECISION);
    }

    static Row parse(String line) {
      int q1 = line.indexOf('"');
      int q2 = line.indexOf('"', q1 + 1);
      String[] head = line.substring(0, q1).split(",");
      String[] tail = line.substring(q2 + 2).split(",", -1);
      return new Row(head[0], Integer.parseInt(head[1]), line.substring(q1 + 1, q2), Integer.parseInt(tail[0]),
          Double.parseDouble(tail[1]), Double.parseDouble(tail[2]), Double.parseDouble(tail[3]),
          Double.parseDouble(tail[4]), tail[5].isEmpty() ? Double.NaN : Double.parseDouble(tail[5]));
    }
  }

  /** Appends {@code rows} to {@code csv} (made with its header when missing). */
  static void append(Path csv, List<Row> rows) {
    StringBuilder s = new StringBuilder();
    if (!Files.exists(csv)) {
      s.append(HEADER).append('\n');
    }
    rows.forEach(r -> s.append(r.csv()).append('\n'));
    try {
      Files.writeString(csv, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new TftrtException("cannot append to " + csv + ": " + e.getMessage(), e);
    }
  }

  static List<Row> read(Path csv) {
    try {
      return Files.readAllLines(csv, StandardCharsets.UTF_8).stream().skip(1).filter(l -> !l.isBlank())
          .map(Row::parse).toList();
    } catch (IOException e) {
      throw new TftrtException("cannot read " + csv + ": " + e.getMessage(), e);
    }
  }

  /** Renders {@code csv} as Markdown into {@code markdown} (replaced atomically). */
  static void render(Path csv, Path markdown, String heading) {
    AtomicFiles.writeAtomically(markdown, markdown(read(csv), heading).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The rows as a {@link BenchmarkCharts} table: one target per precision, builder level and variant, so the
   * throughput chart shows every variant side by side per batch size.
   */
  static tech.tablesaw.api.Table chartTable(List<Row> rows) {
    return tech.tablesaw.api.Table.create("resnet50",
        tech.tablesaw.api.StringColumn.create("target", rows.stream()
            .map(Row::label).toList()),
        tech.tablesaw.api.IntColumn.create("batch", rows.stream().mapToInt(Row::batch).toArray()),
        tech.tablesaw.api.DoubleColumn.create("images_per_s", rows.stream().mapToDouble(Row::imagesPerSecond)
            .toArray()));
  }

  /** The rows with a variant measured twice (a part run again) kept as its latest row, in table order. */
  private static List<Row> latest(List<Row> rows) {
    Map<String, Row> latest = new LinkedHashMap<>();
    rows.forEach(r -> latest.put(r.precision() + "/" + r.level() + "/" + r.variant() + "/" + r.batch(), r));
    List<Row> sorted = new ArrayList<>(latest.values());
    sorted.sort(Comparator.comparingInt((Row r) -> PRECISIONS.indexOf(r.precision())).thenComparingInt(Row::level)
        .thenComparingInt(r -> VARIANTS.indexOf(r.variant())).thenComparingInt(Row::batch));
    return sorted;
  }

  /**
   * Issue 5's Java overhead with the inputs on the GPU, one line per precision, level and batch that has the bare
   * loop and a bound run: the bound run's throughput over the bare loop's, and its p50 latency minus the bare
   * loop's (host clock, both) and minus the engine's GPU time (CUDA events), without and with CUDA graphs, and
   * whether issue 5's rule holds (batch >= 32: the bound run without graphs keeps 97% of the throughput; batch 1:
   * the bound run with CUDA graphs adds at most 50 us to the bare loop's p50).
   */
  static List<String> overhead(List<Row> rows) {
    List<Row> sorted = latest(rows);
    List<String> lines = new ArrayList<>();
    for (Row engine : sorted) {
      if (!engine.variant().equals(ENGINE)) {
        continue;
      }
      Optional<Row> bound = find(sorted, engine, BOUND);
      Optional<Row> graphs = find(sorted, engine, BOUND_GRAPHS);
      if (bound.isEmpty() && graphs.isEmpty()) {
        continue;
      }
      lines.add(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s |", engine.precision(),
          engine.level(), engine.batch(), ratio(bound, engine), addedMicros(bound, engine),
          addedOverDevice(bound, engine), ratio(graphs, engine), addedMicros(graphs, engine),
          addedOverDevice(graphs, engine), verdict(engine, bound, graphs)));
    }
    return lines;
  }

  private static String verdict(Row engine, Optional<Row> bound, Optional<Row> graphs) {
    if (engine.batch() >= 32) {
      return bound.map(b -> {
        double r = b.imagesPerSecond() / engine.imagesPerSecond();
        return String.format(Locale.ROOT, "%s (%.3f %s %.2f)", r >= MIN_THROUGHPUT_RATIO ? "met" : "NOT met", r,
            r >= MIN_THROUGHPUT_RATIO ? ">=" : "<", MIN_THROUGHPUT_RATIO);
      }).orElse("-");
    }
    if (engine.batch() == 1) {
      return graphs.map(g -> {
        double us = 1000 * (g.p50Ms() - engine.p50Ms());
        return String.format(Locale.ROOT, "%s (%+.0f us %s %.0f)", us <= MAX_ADDED_MICROS ? "met" : "NOT met", us,
            us <= MAX_ADDED_MICROS ? "<=" : ">", MAX_ADDED_MICROS);
      }).orElse("-");
    }
    return "-";
  }

  private static String addedOverDevice(Optional<Row> r, Row engine) {
    return Double.isNaN(engine.deviceP50Ms()) ? "-" : r.map(x -> String.format(Locale.ROOT, "%+.0f",
        1000 * (x.p50Ms() - engine.deviceP50Ms()))).orElse("-");
  }

  static String markdown(List<Row> rows, String heading) {
    List<Row> sorted = latest(rows);
    StringBuilder s = new StringBuilder(heading).append("\n\n");
    s.append("| precision | builder level | variant | batch | images/s | +- | p50 ms | p99 ms | GPU p50 ms "
        + "| x native |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Row r : sorted) {
      Optional<Row> nativeRow = sorted.stream().filter(n -> n.isNative() && n.batch() == r.batch()).findFirst();
      s.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %,.1f | %.1f%% | %.3f | %.3f | %s | %s |%n",
          r.precision(), r.isNative() ? "-" : Integer.toString(r.level()), r.variant(), r.batch(),
          r.imagesPerSecond(), r.rsdPercent(), r.p50Ms(), r.p99Ms(), Double.isNaN(r.deviceP50Ms()) ? "-"
              : String.format(Locale.ROOT, "%.3f", r.deviceP50Ms()), r.isNative() ? "-"
              : nativeRow.map(n -> ratio(Optional.of(r), n)).orElse("-")));
    }
    if (sorted.stream().anyMatch(Row::isNative)) {
      s.append("\nx native: images/s over native TensorFlow's at the same batch, the same SavedModel run by TF Java's "
          + "session on the host's CPUs (TensorFlow Java has no GPU build).\n");
    }
    s.append("\nJava overhead: the converted model against the bare loop on the same engine (one thread; issue 5 "
        + "asks for at least 0.97 of the bare loop's throughput at batch >= 32 and at most 50 us added at batch 1)."
        + " The bare loop's inputs stay on the GPU; the converted model copies them from Java each call, so the "
        + "loop with the same copies is shown too.\n\n");
    s.append("| precision | builder level | batch | model / engine alone | model p50 - engine p50 (us) "
        + "| model+graphs / engine alone | model+graphs p50 - engine p50 (us) | model / engine with copies |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Row engine : sorted) {
      if (!engine.variant().equals(ENGINE)) {
        continue;
      }
      Optional<Row> model = find(sorted, engine, MODEL);
      Optional<Row> graphs = find(sorted, engine, MODEL_GRAPHS);
      Optional<Row> copies = find(sorted, engine, ENGINE_COPIES);
      if (model.isEmpty() && graphs.isEmpty()) {
        continue;
      }
      s.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %s |%n", engine.precision(),
          engine.level(), engine.batch(), ratio(model, engine), addedMicros(model, engine), ratio(graphs, engine),
          addedMicros(graphs, engine), copies.isPresent() ? ratio(model, copies.get()) : "-"));
    }
    List<String> overhead = overhead(rows);
    if (!overhead.isEmpty()) {
      s.append("\nJava overhead with the inputs on the GPU: `ConvertedModel.bind` copies a batch to the GPU once and "
          + "each `BoundRun.run()` runs the executor on it, its output left on the GPU, as the bare loop's; p50 "
          + "differences in microseconds against the bare loop's host p50 and against the engine's GPU p50 (CUDA "
          + "events). Issue 5: at batch >= 32 the bound run keeps >= 0.97 of the bare loop's throughput; at batch 1, "
          + "with CUDA graphs, it adds <= 50 us to the bare loop's p50.\n\n");
      s.append("| precision | builder level | batch | bound / engine alone | bound p50 - engine p50 "
          + "| bound p50 - engine GPU p50 | bound+graphs / engine alone | bound+graphs p50 - engine p50 "
          + "| bound+graphs p50 - engine GPU p50 | issue 5 |\n")
          .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
      overhead.forEach(l -> s.append(l).append('\n'));
    }
    return s.toString();
  }

  private static Optional<Row> find(List<Row> rows, Row like, String variant) {
    return rows.stream().filter(r -> r.precision().equals(like.precision()) && r.level() == like.level()
        && r.batch() == like.batch() && r.variant().equals(variant)).findFirst();
  }

  private static String ratio(Optional<Row> r, Row base) {
    return r.map(x -> String.format(Locale.ROOT, "%.3f", x.imagesPerSecond() / base.imagesPerSecond())).orElse("-");
  }

  private static String addedMicros(Optional<Row> r, Row base) {
    return r.map(x -> String.format(Locale.ROOT, "%+.0f", 1000 * (x.p50Ms() - base.p50Ms()))).orElse("-");
  }
}
