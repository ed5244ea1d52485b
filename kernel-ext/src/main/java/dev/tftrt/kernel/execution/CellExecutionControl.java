package dev.tftrt.kernel.execution;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import jdk.jshell.execution.DirectExecutionControl;

/**
 * Runs each JShell snippet in this JVM on a dedicated cell thread, keeping the snippet's value as a live object
 * (under a key that JShell hands back as the snippet's "value") so renderers can display it.
 *
 * <p>Interrupting: the cell thread is interrupted, which ends sleeps, waits, interruptible I/O and any work
 * that checks {@link Thread#interrupted()}. A cell that ignores interrupts (a busy loop) is given a grace
 * period; after it, {@code Thread.stop} is used where the JDK still has it (up to 19), and otherwise the
 * thread is abandoned (it is a daemon) and a fresh cell thread takes its place, so the kernel stays usable.
 * This extends {@link DirectExecutionControl}, not {@code LocalExecutionControl}, whose {@code invoke} and
 * class instrumentation changed in JDK 21+.
 */
public final class CellExecutionControl extends DirectExecutionControl {
  /** The exception class name reported when a cell was interrupted. */
  public static final String INTERRUPTED_CLASS = CellInterruptedException.class.getName();

  private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();
  private static final ThreadLocal<Boolean> ON_CELL_THREAD = ThreadLocal.withInitial(() -> false);

  private final Map<String, SnippetValue> results = new ConcurrentHashMap<>();
  private final AtomicInteger resultNumber = new AtomicInteger();
  private final long gracePeriodMillis;
  private final AtomicReference<RunningCell> running = new AtomicReference<>();
  private final AtomicInteger abandonedThreads = new AtomicInteger();
  /** Set by an interrupt until the next cell begins, so snippets not yet started in this cell do not start. */
  private volatile boolean cellInterrupted;
  /** Held by cell code sending to Jupyter ({@link #sendUninterrupted}); an interrupt waits for it. */
  private final ReentrantLock sending = new ReentrantLock();

  public CellExecutionControl(long gracePeriodMillis) {
    this.gracePeriodMillis = gracePeriodMillis;
  }

  /** The live value of the snippet whose JShell value is {@code key}; empty when the key is not one of ours. */
  public Optional<SnippetValue> takeResult(String key) {
    return key == null ? Optional.empty() : Optional.ofNullable(results.remove(key));
  }

  /** Cell threads left running because they ignored an interrupt and the JDK can no longer stop threads. */
  public int abandonedThreads() {
    return abandonedThreads.get();
  }

  /** True on a cell thread, where a nested evaluation (%load) belongs to the cell already running. */
  public boolean onCellThread() {
    return ON_CELL_THREAD.get();
  }

  @Override
  protected String invoke(Method doit) throws Exception {
    Object value;
    if (ON_CELL_THREAD.get()) {
      // A snippet evaluated from inside a running cell (%load, a magic): already on the cell thread.
      value = doit.invoke(null);
    } else {
      value = runOnCellThread(doit);
    }
    String key = "$tftrt-value-" + resultNumber.incrementAndGet();
    results.put(key, new SnippetValue(value));
    return key;
  }

  /** Marks the start of a cell: an interrupt from before it no longer applies. */
  public void beginCell() {
    cellInterrupted = false;
  }

  /** True when the current cell was interrupted (its remaining snippets must not run). */
  public boolean cellInterrupted() {
    return cellInterrupted;
  }

  private Object runOnCellThread(Method doit) throws Exception {
    if (cellInterrupted) {
      throw new InvocationTargetException(new CellInterruptedException("Interrupted."));
    }
    RunningCell cell = new RunningCell(doit);
    Thread thread = new Thread(cell, "tftrt-cell-" + THREAD_NUMBER.incrementAndGet());
    thread.setDaemon(true);
    thread.setContextClassLoader(doit.getDeclaringClass().getClassLoader());
    cell.thread = thread;
    running.set(cell);
    try {
      thread.start();
      cell.done.await();
    } catch (InterruptedException e) {
      // The evaluating thread itself was interrupted (kernel shutting down): stop the cell the same way.
      Thread.currentThread().interrupt();
      stopCell(cell);
    } finally {
      running.compareAndSet(cell, null);
    }
    if (cell.interrupted && (cell.failure != null || cell.abandoned)) {
      // Whatever the interrupt surfaced as (InterruptedException, ThreadDeath, a wrapped cause), say what it was.
      cell.failure = new CellInterruptedException(cell.interruptMessage(cell.failure));
    }
    if (cell.failure != null) {
      throw new InvocationTargetException(cell.failure);
    }
    return cell.value;
  }

  /** Interrupts the running cell, if any; returns when it stopped or was abandoned. */
  public void interrupt() {
    cellInterrupted = true;
    RunningCell cell = running.get();
    if (cell != null) {
      stopCell(cell);
    }
  }

  @Override
  public void stop() {
    interrupt();
  }

  /**
   * Runs {@code send}, cell code's message to Jupyter (a display, a progress update), with the thread's interrupt
   * held back until it is sent: ZeroMQ gives up a send on an interrupted thread, possibly after some frames of a
   * multipart message, which garbles the next message on that socket. An interrupt of the cell waits for it.
   */
  public void sendUninterrupted(Runnable send) {
    sending.lock();
    boolean interrupted = Thread.interrupted();
    try {
      send.run();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      sending.unlock();
    }
  }

  private void stopCell(RunningCell cell) {
    cell.interrupted = true;
    try {
      outsideSends(cell.thread::interrupt);
      if (cell.done.await(gracePeriodMillis, TimeUnit.MILLISECONDS)) {
        return;
      }
      // Marked before the stop: the stopped cell may be reported before stop() returns here.
      cell.forced = true;
      outsideSends(() -> cell.forced = ThreadStopper.stop(cell.thread));
      if (cell.forced && cell.done.await(gracePeriodMillis, TimeUnit.MILLISECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    cell.abandoned = true;
    abandonedThreads.incrementAndGet();
    cell.thread.setPriority(Thread.MIN_PRIORITY);
    cell.done.countDown();
  }

  /** Runs {@code action} when no cell code is sending, or after the grace period (a send stuck for that long). */
  private void outsideSends(Runnable action) throws InterruptedException {
    boolean locked = sending.tryLock(gracePeriodMillis, TimeUnit.MILLISECONDS);
    try {
      action.run();
    } finally {
      if (locked) {
        sending.unlock();
      }
    }
  }

  /** One snippet invocation on its own daemon thread. */
  private final class RunningCell implements Runnable {
    private final Method doit;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Thread thread;
    private volatile Object value;
    private volatile Throwable failure;
    private volatile boolean interrupted;
    private volatile boolean abandoned;
    /** Stopped with {@code Thread.stop} after ignoring the interrupt (not by its own checks). */
    private volatile boolean forced;

    private RunningCell(Method doit) {
      this.doit = doit;
    }

    @Override
    public void run() {
      ON_CELL_THREAD.set(true);
      try {
        Object result = doit.invoke(null);
        if (!abandoned) {
          value = result;
        }
      } catch (InvocationTargetException e) {
        failure = e.getCause();
      } catch (Throwable t) {
        failure = t;
      } finally {
        done.countDown();
      }
    }

    /**
     * What to say about the interrupt; work that stopped by itself and said where (a benchmark, an engine build:
     * a {@link CancellationException}) is quoted, "Interrupted: engine build cancelled during tactic selection ...".
     */
    private String interruptMessage(Throwable failure) {
      if (abandoned) {
        return "Interrupted. The cell ignored the interrupt, so it was left running in the background"
            + " (restart the kernel to reclaim its CPU); the kernel is ready for the next cell.";
      }
      // Thread.stop can land anywhere, even half-way through updating an object: say so.
      if (forced) {
        return "Interrupted. The cell ignored the interrupt, so its thread was stopped; objects it was changing"
            + " may be left half-updated.";
      }
      for (Throwable t = failure; t != null; t = t.getCause()) {
        if (t instanceof CancellationException && t.getMessage() != null && !t.getMessage().isBlank()) {
          return "Interrupted: " + t.getMessage();
        }
      }
      return "Interrupted.";
    }
  }

  /** The live value a snippet produced (null included). */
  public record SnippetValue(Object value) {}
}
