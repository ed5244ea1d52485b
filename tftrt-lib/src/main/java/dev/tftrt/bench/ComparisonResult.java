package dev.tftrt.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.tftrt.io.AtomicFiles;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * What a {@link Comparison} measured: one row per target and batch size, the environment, and notes (such as
 * {@code TensorRT not available: <reason>}).
 *
 * @param model the SavedModel directory
 * @param accuracy by target name; empty without a labelled dataset
 */
public record ComparisonResult(String model, Environment environment, Settings settings, List<String> notes,
    List<BenchmarkResult> results, Map<String, Accuracy.Result> accuracy) {

  /** Column names of {@link #table()}, in order. */
  public static final List<String> COLUMNS = List.of("target", "precision", "batch", "images_per_s",
      "images_per_s_stddev", "images_per_s_min", "images_per_s_max", "repeats", "iterations",
      "latency_ms_mean", "latency_ms_p50", "latency_ms_p90", "latency_ms_p99", "latency_ms_min",
      "latency_ms_max", "device_ms_mean", "device_ms_p50", "device_ms_p99", "speedup_vs_native", "top1",
      "agreement_with_native", "max_abs_error", "relative_l2_error");

  public ComparisonResult {
    notes = List.copyOf(notes);
    results = List.copyOf(results);
    accuracy = Map.copyOf(accuracy);
  }

  /**
   * How the numbers were taken.
   *
   * @param precisions the TensorRT precisions asked for (rows may be missing: see the notes)
   */
  public record Settings(List<Integer> batchSizes, List<String> precisions, String warmup, String measure,
      int repeats, String input, String accuracyData, String calibrationData) {}

  /** Whether any TensorRT row was measured. */
  public boolean hasTensorRtRows() {
    return results.stream().anyMatch(r -> !r.precision().equals("native"));
  }

  /** The note saying why TensorRT rows are missing, if they are. */
  public Optional<String> tensorRtNote() {
    return notes.stream().filter(n -> n.startsWith("TensorRT not available")).findFirst();
  }

  /**
   * One row per target and batch size (columns {@link #COLUMNS}); missing values (no device timing, no
   * accuracy) are NaN, empty in CSV, null in JSON.
   */
  public Table table() {
    StringColumn target = StringColumn.create("target");
    StringColumn precision = StringColumn.create("precision");
    IntColumn batch = IntColumn.create("batch");
    IntColumn repeats = IntColumn.create("repeats");
    IntColumn iterations = IntColumn.create("iterations");
    List<DoubleColumn> numbers = new ArrayList<>();
    for (String name : COLUMNS.subList(3, 7)) {
      numbers.add(DoubleColumn.create(name));
    }
    for (String name : COLUMNS.subList(9, COLUMNS.size())) {
      numbers.add(DoubleColumn.create(name));
    }
    BenchmarkResult nativeResult = results.stream().filter(r -> r.precision().equals("native")).findFirst()
        .orElse(null);
    for (BenchmarkResult r : results) {
      Accuracy.Result acc = accuracy.get(r.target());
      for (BenchmarkResult.BatchResult b : r.batches()) {
        target.append(r.target());
        precision.append(r.precision());
        batch.append(b.batchSize());
        repeats.append(b.repeats().size());
        iterations.append(b.repeats().stream().mapToInt(BenchmarkResult.Repeat::iterations).sum());
        Statistics.Latency l = b.latency();
        Statistics.Latency d = b.deviceLatency();
        double speedup = Double.NaN;
        if (nativeResult != null) {
          speedup = b.throughput().mean() / nativeResult.batch(b.batchSize()).throughput().mean();
        }
        double[] values = {b.throughput().mean(), b.throughput().stddev(), b.throughput().min(),
            b.throughput().max(), l.meanMs(), l.p50Ms(), l.p90Ms(), l.p99Ms(), l.minMs(), l.maxMs(),
            d == null ? Double.NaN : d.meanMs(), d == null ? Double.NaN : d.p50Ms(),
            d == null ? Double.NaN : d.p99Ms(), speedup, acc == null ? Double.NaN : acc.top1(),
            acc == null ? Double.NaN : acc.agreement(), acc == null ? Double.NaN : acc.maxAbsError(),
            acc == null ? Double.NaN : acc.relativeL2Error()};
        for (int i = 0; i < values.length; i++) {
          numbers.get(i).append(values[i]);
        }
      }
    }
    Table t = Table.create("benchmark of " + Path.of(model).getFileName(), target, precision, batch);
    numbers.subList(0, 4).forEach(t::addColumns);
    t.addColumns(repeats, iterations);
    numbers.subList(4, numbers.size()).forEach(t::addColumns);
    return t;
  }

  /** The table as CSV (header, then one line per row; missing values empty). */
  public String toCsv() {
    StringWriter w = new StringWriter();
    table().write().csv(w);
    return w.toString();
  }

  /** Environment, settings, notes, the table's rows and every repeat's throughput, as JSON. */
  public String toJson() {
    JsonObject root = new JsonObject();
    root.addProperty("model", model);
    Gson gson = new GsonBuilder().serializeNulls().create();
    root.add("environment", gson.toJsonTree(environment));
    root.add("settings", gson.toJsonTree(settings));
    root.add("notes", gson.toJsonTree(notes));
    root.addProperty("tensorrt_rows", hasTensorRtRows());
    Table t = table();
    JsonArray rows = new JsonArray();
    for (int i = 0; i < t.rowCount(); i++) {
      JsonObject row = new JsonObject();
      for (Column<?> c : t.columns()) {
        Object v = c.get(i);
        row.add(c.name(), json(v));
      }
      rows.add(row);
    }
    root.add("rows", rows);
    JsonArray repeats = new JsonArray();
    for (BenchmarkResult r : results) {
      for (BenchmarkResult.BatchResult b : r.batches()) {
        JsonObject o = new JsonObject();
        o.addProperty("target", r.target());
        o.addProperty("batch", b.batchSize());
        o.add("images_per_s", gson.toJsonTree(b.repeats().stream()
            .map(BenchmarkResult.Repeat::imagesPerSecond).toList()));
        o.add("seconds", gson.toJsonTree(b.repeats().stream().map(BenchmarkResult.Repeat::seconds).toList()));
        repeats.add(o);
      }
    }
    root.add("repeats", repeats);
    return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(root);
  }

  private static JsonElement json(Object v) {
    if (v == null) {
      return JsonNull.INSTANCE;
    }
    if (v instanceof Double d) {
      return d.isNaN() || d.isInfinite() ? JsonNull.INSTANCE : new JsonPrimitive(d);
    }
    if (v instanceof Number n) {
      return new JsonPrimitive(n);
    }
    return new JsonPrimitive(v.toString());
  }

  public void writeCsv(Path file) {
    AtomicFiles.writeAtomically(file, toCsv().getBytes(StandardCharsets.UTF_8));
  }

  public void writeJson(Path file) {
    AtomicFiles.writeAtomically(file, toJson().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A compact text table for terminals: target, batch, throughput with its spread, latency percentiles,
   * speed-up and accuracy where measured; then the notes.
   */
  public String format() {
    Table t = table();
    boolean device = t.doubleColumn("device_ms_mean").countMissing() < t.rowCount();
    boolean acc = !accuracy.isEmpty();
    List<String[]> lines = new ArrayList<>();
    List<String> head = new ArrayList<>(List.of("target", "batch", "images/s", "+-", "p50 ms", "p90 ms",
        "p99 ms"));
    if (device) {
      head.add("GPU ms");
    }
    head.add("speed-up");
    if (acc) {
      head.addAll(List.of("top-1", "agree"));
    }
    lines.add(head.toArray(String[]::new));
    for (int i = 0; i < t.rowCount(); i++) {
      List<String> cells = new ArrayList<>(List.of(t.stringColumn("target").get(i),
          String.valueOf(t.intColumn("batch").get(i)), fmt("%.1f", t.doubleColumn("images_per_s").getDouble(i)),
          fmt("%.1f%%", 100 * t.doubleColumn("images_per_s_stddev").getDouble(i)
              / t.doubleColumn("images_per_s").getDouble(i)),
          fmt("%.3f", t.doubleColumn("latency_ms_p50").getDouble(i)), fmt("%.3f", t.doubleColumn("latency_ms_p90").getDouble(i)),
          fmt("%.3f", t.doubleColumn("latency_ms_p99").getDouble(i))));
      if (device) {
        cells.add(fmt("%.3f", t.doubleColumn("device_ms_mean").getDouble(i)));
      }
      cells.add(fmt("%.2fx", t.doubleColumn("speedup_vs_native").getDouble(i)));
      if (acc) {
        cells.add(fmt("%.2f%%", 100 * t.doubleColumn("top1").getDouble(i)));
        cells.add(fmt("%.2f%%", 100 * t.doubleColumn("agreement_with_native").getDouble(i)));
      }
      lines.add(cells.toArray(String[]::new));
    }
    int[] widths = new int[head.size()];
    for (String[] l : lines) {
      for (int c = 0; c < l.length; c++) {
        widths[c] = Math.max(widths[c], l[c].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] l : lines) {
      for (int c = 0; c < l.length; c++) {
        String pad = " ".repeat(widths[c] - l[c].length());
        sb.append(c == 0 ? l[c] + pad : "  " + pad + l[c]);
      }
      sb.append('\n');
    }
    for (String n : notes) {
      sb.append(n).append('\n');
    }
    return sb.toString();
  }

  private static String fmt(String pattern, double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, pattern, v);
  }
}
