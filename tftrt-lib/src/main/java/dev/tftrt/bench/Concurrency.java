package dev.tftrt.bench;

import dev.tftrt.TftrtException;
import dev.tftrt.graph.TensorValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Throughput with several threads running the same target at once, each with its own prepared batch (for the
 * GPU targets: its own execution context and stream), so that one thread's copies overlap another's compute.
 */
public final class Concurrency {
  private Concurrency() {}

  /**
   * What {@link #measure} saw.
   *
   * @param runs completed runs over all threads in the timed window
   * @param latency host wall time of those runs, each timed by its own thread
   */
  public record Result(String target, int batchSize, int threads, long runs, double seconds, double imagesPerSecond,
      Statistics.Latency latency) {}

  /**
   * Each of {@code threads} threads prepares {@code batch}, runs it {@code warmup} long (at least once), then all
   * run together for {@code measure}, and on until every thread has completed a run in the window (a call may
   * take longer than the window: ResNet-50 at batch 256 on a CPU); throughput is images completed in the window
   * over its wall time. A thread that fails stops the measurement with its exception; every thread has closed
   * its prepared run when this returns.
   */
  public static Result measure(InferenceTarget target, Map<String, TensorValue> batch, int threads,
      Duration warmup, Duration measure) {
    if (threads < 1) {
      throw new TftrtException("threads must be >= 1, got " + threads);
    }
    int batchSize = Math.toIntExact(batch.values().iterator().next().shape().dim(0));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<double[]>> counts = new ArrayList<>();
    CountDownLatch warmedUp = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    AtomicBoolean timing = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch ranInWindow = new CountDownLatch(threads);
    try {
      for (int i = 0; i < threads; i++) {
        counts.add(pool.submit(() -> {
          try (PreparedRun run = target.prepare(batch)) {
            long end = System.nanoTime() + warmup.toNanos();
            do {
              run.run();
            } while (System.nanoTime() < end && !stop.get());
            warmedUp.countDown();
            go.await();
            double[] millis = new double[1024];
            int n = 0;
            while (!stop.get()) {
              long t0 = System.nanoTime();
              run.run();
              long t1 = System.nanoTime();
              if (timing.get()) {
                if (n == 0) {
                  ranInWindow.countDown();
                }
                if (n == millis.length) {
                  millis = Arrays.copyOf(millis, 2 * n);
                }
                millis[n++] = (t1 - t0) / 1e6;
              }
            }
            return Arrays.copyOf(millis, n);
          }
        }));
      }
      while (!warmedUp.await(50, TimeUnit.MILLISECONDS)) {
        throwIfOneFailed(counts);
      }
      timing.set(true);
      go.countDown();
      long start = System.nanoTime();
      Thread.sleep(measure.toMillis());
      while (!ranInWindow.await(50, TimeUnit.MILLISECONDS)) {
        throwIfOneFailed(counts);
      }
      timing.set(false);
      long elapsed = System.nanoTime() - start;
      stop.set(true);
      double[] all = new double[0];
      for (Future<double[]> f : counts) {
        double[] m = f.get();
        int at = all.length;
        all = Arrays.copyOf(all, at + m.length);
        System.arraycopy(m, 0, all, at, m.length);
      }
      double seconds = elapsed / 1e9;
      return new Result(target.name(), batchSize, threads, all.length, seconds,
          all.length * (double) batchSize / seconds, Statistics.Latency.ofMillis(all));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TftrtException("interrupted while measuring " + target.name());
    } catch (ExecutionException e) {
      throw new TftrtException("a thread running " + target.name() + " failed: " + e.getCause(), e.getCause());
    } finally {
      // The threads close their prepared runs (GPU contexts) before the caller may close the target's engine.
      stop.set(true);
      go.countDown();
      pool.shutdownNow();
      try {
        pool.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void throwIfOneFailed(List<Future<double[]>> counts) throws ExecutionException, InterruptedException {
    for (Future<double[]> f : counts) {
      if (f.isDone()) {
        f.get();
      }
    }
  }
}
