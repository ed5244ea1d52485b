package dev.tftrt.bench;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.TensorValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CancellationException;

/**
 * Measures the throughput and latency of an {@link InferenceTarget} across batch sizes. Immutable; make one
 * with {@link #builder()}. For each batch size: one batch is prepared, warm-up runs go untimed, then each
 * repeat times its runs one by one with the host's monotonic clock around a call that returns only when the
 * outputs are on the host. Throughput of a repeat is images over the repeat's wall time; latency percentiles
 * pool the runs of all repeats. See docs/benchmark-method.md.
 *
 * <p>An interrupt of the running thread (a notebook's interrupt) ends {@link #run} after the current
 * inference with a {@link CancellationException}; the thread stays interrupted.
 */
public final class Benchmark {
  private final List<Integer> batchSizes;
  private final Budget warmup;
  private final Budget measure;
  private final int repeats;
  private final InputSource input;
  private final Progress.Listener listener;

  private Benchmark(Builder b) {
    this.batchSizes = List.copyOf(b.batchSizes);
    this.warmup = b.warmup;
    this.measure = b.measure;
    this.repeats = b.repeats;
    this.input = b.input;
    this.listener = b.listener;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.batchSizes = new ArrayList<>(batchSizes);
    b.warmup = warmup;
    b.measure = measure;
    b.repeats = repeats;
    b.input = input;
    b.listener = listener;
    return b;
  }

  public List<Integer> batchSizes() {
    return batchSizes;
  }

  public int repeats() {
    return repeats;
  }

  public InputSource input() {
    return input;
  }

  /** {@code 10 iterations} or {@code 2.0 s}. */
  public String warmupDescription() {
    return warmup.toString();
  }

  public String measureDescription() {
    return measure.toString();
  }

  /**
   * Measures {@code target} at every batch size, in the order given.
   *
   * @throws CancellationException when the thread is interrupted (checked before every inference)
   */
  public BenchmarkResult run(InferenceTarget target) {
    List<BenchmarkResult.BatchResult> results = new ArrayList<>();
    int phasesPerBatch = repeats + 1;
    double totalPhases = (double) batchSizes.size() * phasesPerBatch;
    for (int bi = 0; bi < batchSizes.size(); bi++) {
      int batchSize = batchSizes.get(bi);
      Map<String, TensorValue> batch = input.batch(target.inputs(), batchSize);
      int phaseBase = bi * phasesPerBatch;
      try (PreparedRun run = target.prepare(batch)) {
        Reporter warm = new Reporter(target.name(), batchSize, "warm-up", phaseBase / totalPhases,
            1 / totalPhases);
        int warmupIterations = runUntil(run, warmup, warm, null);
        List<BenchmarkResult.Repeat> repeatResults = new ArrayList<>();
        Samples host = new Samples();
        Samples device = new Samples();
        for (int r = 0; r < repeats; r++) {
          Reporter rep = new Reporter(target.name(), batchSize, "repeat " + (r + 1) + "/" + repeats,
              (phaseBase + 1 + r) / totalPhases, 1 / totalPhases);
          int before = host.size;
          long start = System.nanoTime();
          int iterations = runUntil(run, measure, rep, new Samples[] {host, device});
          long elapsed = System.nanoTime() - start;
          double seconds = elapsed / 1e9;
          repeatResults.add(new BenchmarkResult.Repeat(iterations, seconds,
              (double) batchSize * iterations / seconds));
          assert host.size - before == iterations;
        }
        double[] throughputs = repeatResults.stream().mapToDouble(BenchmarkResult.Repeat::imagesPerSecond)
            .toArray();
        results.add(new BenchmarkResult.BatchResult(batchSize, warmupIterations, repeatResults,
            Statistics.Spread.of(throughputs), Statistics.Latency.ofMillis(host.values()),
            device.size == host.size && device.size > 0 ? Statistics.Latency.ofMillis(device.values()) : null));
      }
    }
    listener.progress(new Progress(target.name(), batchSizes.get(batchSizes.size() - 1), "done", 1));
    return new BenchmarkResult(target.name(), target.precision(), input.describe(), warmup.toString(),
        measure.toString(), results);
  }

  /**
   * Runs until the budget is spent; with {@code samples}, times each run (host clock; device events when the
   * target has them) into {@code samples[0]} and {@code samples[1]}. Returns the number of runs.
   */
  private int runUntil(PreparedRun run, Budget budget, Reporter reporter, Samples[] samples) {
    long start = System.nanoTime();
    long deadline = budget.nanos > 0 ? start + budget.nanos : Long.MAX_VALUE;
    int done = 0;
    long nextReport = start;
    while (budget.nanos > 0 ? done == 0 || System.nanoTime() < deadline : done < budget.iterations) {
      if (Thread.currentThread().isInterrupted()) {
        // Inference calls do not look at interrupts themselves; a long benchmark must still stop promptly.
        throw new CancellationException("the benchmark was interrupted: " + reporter.where() + ", after "
            + (done == 1 ? "1 run" : done + " runs"));
      }
      long now = System.nanoTime();
      if (now >= nextReport) {
        reporter.report(budget.nanos > 0 ? (double) (now - start) / budget.nanos
            : (double) done / budget.iterations);
        nextReport = now + 250_000_000L;
      }
      if (samples == null) {
        run.run();
      } else {
        long t0 = System.nanoTime();
        run.run();
        long t1 = System.nanoTime();
        samples[0].add((t1 - t0) / 1e6);
        OptionalDouble deviceMillis = run.lastDeviceMillis();
        if (deviceMillis.isPresent()) {
          samples[1].add(deviceMillis.getAsDouble());
        }
      }
      done++;
    }
    return done;
  }

  private final class Reporter {
    private final String target;
    private final int batchSize;
    private final String phase;
    private final double base;
    private final double width;

    Reporter(String target, int batchSize, String phase, double base, double width) {
      this.target = target;
      this.batchSize = batchSize;
      this.phase = phase;
      this.base = base;
      this.width = width;
    }

    String where() {
      return target + ", batch " + batchSize + ", " + phase;
    }

    void report(double phaseFraction) {
      listener.progress(new Progress(target, batchSize, phase, base + width * Math.min(1, phaseFraction)));
    }
  }

  /** A growable array of doubles (run times can be millions long in timed mode). */
  private static final class Samples {
    private double[] values = new double[1024];
    private int size;

    void add(double v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    double[] values() {
      return Arrays.copyOf(values, size);
    }
  }

  /** Stop after a number of runs, or after a time (at least one run). */
  private record Budget(int iterations, long nanos) {
    static Budget iterations(int n, String what) {
      if (n < 0 || (n == 0 && what.equals("measured"))) {
        throw new TftrtException(what + " iterations must be " + (what.equals("measured") ? "> 0" : ">= 0")
            + ", got " + n);
      }
      return new Budget(n, 0);
    }

    static Budget duration(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new TftrtException(what + " duration must be positive, got " + d);
      }
      return new Budget(0, d.toNanos());
    }

    @Override
    public String toString() {
      return nanos > 0 ? String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9) : iterations + " iterations";
    }
  }

  /** Defaults: batch 1, 10 warm-up iterations, 100 measured iterations, 3 repeats, random input (seed 42). */
  public static final class Builder {
    private List<Integer> batchSizes = List.of(1);
    private Budget warmup = Budget.iterations(10, "warm-up");
    private Budget measure = Budget.iterations(100, "measured");
    private int repeats = 3;
    private InputSource input = InputSource.random(42);
    private Progress.Listener listener = Progress.Listener.NONE;

    private Builder() {}

    public Builder batchSizes(int... sizes) {
      return batchSizes(Arrays.stream(sizes).boxed().toList());
    }

    public Builder batchSizes(List<Integer> sizes) {
      if (sizes.isEmpty()) {
        throw new TftrtException("give at least one batch size");
      }
      Set<Integer> seen = new LinkedHashSet<>();
      for (int s : sizes) {
        if (s < 1) {
          throw new TftrtException("batch sizes must be >= 1, got " + s);
        }
        if (!seen.add(s)) {
          throw new TftrtException("batch size " + s + " is given twice in " + sizes);
        }
      }
      this.batchSizes = List.copyOf(seen);
      return this;
    }

    /** Untimed runs before each batch size's measurement (0 for none). */
    public Builder warmupIterations(int n) {
      this.warmup = Budget.iterations(n, "warm-up");
      return this;
    }

    /** Untimed runs for this long before each batch size's measurement. */
    public Builder warmupDuration(Duration d) {
      this.warmup = Budget.duration(d, "warm-up");
      return this;
    }

    /** Timed runs per repeat. */
    public Builder iterations(int n) {
      this.measure = Budget.iterations(n, "measured");
      return this;
    }

    /** Timed runs per repeat for this long (at least one run). */
    public Builder duration(Duration d) {
      this.measure = Budget.duration(d, "measured");
      return this;
    }

    /** Independent timed repeats per batch size, for the spread of throughput. */
    public Builder repeats(int n) {
      if (n < 1) {
        throw new TftrtException("repeats must be >= 1, got " + n);
      }
      this.repeats = n;
      return this;
    }

    public Builder input(InputSource source) {
      this.input = java.util.Objects.requireNonNull(source, "input");
      return this;
    }

    public Builder progress(Progress.Listener l) {
      this.listener = java.util.Objects.requireNonNull(l, "listener");
      return this;
    }

    public Benchmark build() {
      return new Benchmark(this);
    }
  }
}
