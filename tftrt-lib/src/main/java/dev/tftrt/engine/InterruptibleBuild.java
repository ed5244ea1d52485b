package dev.tftrt.engine;

import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Runs an engine build on a thread of its own while the caller's thread waits, so that the caller can be
 * interrupted: native builds (TensorRT's {@code buildSerializedNetwork}) never look at Java interrupts. The
 * build reports into a {@link BuildMonitor}; the caller's thread passes its phases and messages to the
 * {@link BuildListener} (steps at most once per second, so a notebook cell is not flooded). An interrupt of the
 * caller, or the listener's {@link BuildListener#cancelRequested()}, cancels the build: its next step returns
 * false, the caller waits briefly for it to stop and throws {@link EngineBuildCancelledException} with the
 * interrupt status kept (a kernel's interrupt grace is 2 s, so the wait is 1 s).
 */
public final class InterruptibleBuild {
  static final long STEP_INTERVAL_MILLIS = 1_000;
  static final long CANCEL_GRACE_MILLIS = 1_000;
  private static final long POLL_MILLIS = 100;
  private static final AtomicInteger THREADS = new AtomicInteger();

  private InterruptibleBuild() {}

  /** Runs {@code work} (the build, reporting into the monitor it gets) as described above; returns its result. */
  public static BuildResult run(BuildListener listener, Function<BuildMonitor, BuildResult> work) {
    return run(listener, work, STEP_INTERVAL_MILLIS, CANCEL_GRACE_MILLIS);
  }

  static BuildResult run(BuildListener listener, Function<BuildMonitor, BuildResult> work, long stepIntervalMillis,
      long graceMillis) {
    if (Thread.currentThread().isInterrupted() || listener.cancelRequested()) {
      throw new EngineBuildCancelledException("engine build cancelled before it started ("
          + (Thread.currentThread().isInterrupted() ? "the thread was interrupted" : "cancel requested") + ")");
    }
    Relay monitor = new Relay();
    CompletableFuture<BuildResult> done = new CompletableFuture<>();
    Thread worker = new Thread(() -> {
      try {
        done.complete(work.apply(monitor));
      } catch (Throwable t) {
        done.completeExceptionally(t);
      } finally {
        monitor.wake();
      }
    }, "tftrt-engine-build-" + THREADS.incrementAndGet());
    worker.setDaemon(true);
    worker.start();
    boolean interrupted;
    try {
      interrupted = relay(listener, monitor, done, stepIntervalMillis);
    } catch (RuntimeException | Error e) {
      // The listener failed (a display that could not be sent): stop the build rather than leave it running.
      monitor.cancel("the progress listener failed");
      throw e;
    }
    if (!monitor.cancelled()) {
      for (String m = monitor.pollNow(); m != null; m = monitor.pollNow()) {
        if (!m.isEmpty()) {
          listener.progress(m);
        }
      }
      return result(done);
    }
    boolean stopped = awaitQuietly(done, graceMillis);
    interrupted |= Thread.interrupted();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    throw new EngineBuildCancelledException("engine build cancelled " + monitor.cancelledWhere() + (stopped ? ""
        : "; the builder is ending its current step in the background and frees its memory when it has"));
  }

  /**
   * Passes the build's messages to the listener until it is done or cancelled (by an interrupt: true, or by the
   * listener).
   */
  private static boolean relay(BuildListener listener, Relay monitor, CompletableFuture<BuildResult> done,
      long stepIntervalMillis) {
    long lastStep = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(stepIntervalMillis);
    while (!done.isDone() && !monitor.cancelled()) {
      String message;
      try {
        message = monitor.next(POLL_MILLIS);
      } catch (InterruptedException e) {
        monitor.cancel("the thread was interrupted");
        return true;
      }
      if (message != null && !message.isEmpty()) {
        listener.progress(message);
      } else if (message == null) {
        listener.idle();
      }
      if (listener.cancelRequested()) {
        monitor.cancel("cancel requested");
        return false;
      }
      long now = System.nanoTime();
      if (now - lastStep >= TimeUnit.MILLISECONDS.toNanos(stepIntervalMillis)) {
        String step = monitor.takePendingStep();
        if (step != null) {
          listener.progress(step);
          lastStep = now;
        }
      }
    }
    return false;
  }

  private static BuildResult result(CompletableFuture<BuildResult> done) {
    try {
      return done.get();
    } catch (InterruptedException e) {
      throw new AssertionError("the build is done, get() does not wait", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }

  /** Waits up to {@code millis} for the build to end, through further interrupts (they are kept). */
  private static boolean awaitQuietly(CompletableFuture<BuildResult> done, long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    boolean interrupted = false;
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (done.isDone()) {
          return true;
        }
        if (left <= 0) {
          return false;
        }
        try {
          done.get(left, TimeUnit.NANOSECONDS);
          return true;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          return true;
        } catch (TimeoutException e) {
          return false;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The monitor handed to the build: reports queue up for the caller's thread, which holds the cancel. */
  private static final class Relay implements BuildMonitor {
    private final long start = System.nanoTime();
    private final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    /** The latest step not shown yet: steps can come by the hundred a second, only the latest is worth showing. */
    private final AtomicReference<String> pendingStep = new AtomicReference<>();
    private volatile String cancelReason;
    private volatile String cancelledWhere;
    private volatile String phase = "";
    private volatile long phaseStart;
    private volatile String position = "";

    @Override
    public void phaseStart(String name, int steps) {
      phase = name;
      phaseStart = System.nanoTime();
      position = "";
      message(name + " started" + (steps > 0 ? " (" + steps + (steps == 1 ? " step)" : " steps)") : ""));
    }

    @Override
    public boolean stepComplete(String name, int step, int steps, String what) {
      if (cancelled()) {
        return false;
      }
      position = step + (steps > 0 && step <= steps ? "/" + steps : "");
      pendingStep.set(name + " " + position + (what == null || what.isEmpty() ? "" : ": " + what));
      return true;
    }

    @Override
    public void phaseFinish(String name) {
      pendingStep.set(null);
      if (name.equals(phase)) {
        message(name + " done in " + seconds(System.nanoTime() - phaseStart));
        phase = "";
        position = "";
      }
    }

    @Override
    public void message(String text) {
      if (!cancelled()) {
        messages.add(text);
      }
    }

    @Override
    public boolean cancelled() {
      return cancelReason != null;
    }

    /** Cancels the build; {@link #cancelledWhere()} tells where it was then. */
    synchronized void cancel(String reason) {
      if (cancelReason == null) {
        String p = phase;
        cancelledWhere = (p.isEmpty() ? "" : "during " + p + (position.isEmpty() ? "" : " (step " + position + ")")
            + " ") + "after " + seconds(System.nanoTime() - start) + " (" + reason + ")";
        cancelReason = reason;
      }
    }

    String next(long timeoutMillis) throws InterruptedException {
      return messages.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    String pollNow() {
      return messages.poll();
    }

    /** Wakes the caller waiting in {@link #next} (the build ended). */
    void wake() {
      messages.add("");
    }

    /** The latest step not shown yet, taken; null when none is pending. */
    String takePendingStep() {
      return pendingStep.getAndSet(null);
    }

    /**
     * Where the build was when it was cancelled: "during tactic selection (step 37/120) after 3.2 s (the thread
     * was interrupted)".
     */
    String cancelledWhere() {
      return cancelledWhere;
    }

    private static String seconds(long nanos) {
      return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
  }
}
