package dev.tftrt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * An engine build on its own thread: progress reaches the listener on the caller's thread, steps throttled, and
 * an interrupt or a cancel request stops the build at its next step. Builds here ignore interrupts, as
 * TensorRT's native build does; only the monitor stops them.
 */
class InterruptibleBuildTest {
  private static final BuildResult BUILT = new BuildResult(new byte[] {1}, new byte[0], new byte[0], List.of(), 1);

  /** A build of {@code steps} steps of {@code stepMillis} each, counting the steps it completed. */
  private static Function<BuildMonitor, BuildResult> steps(int steps, long stepMillis, AtomicInteger done,
      CountDownLatch ended) {
    return monitor -> {
      try {
        monitor.phaseStart("tactic selection", steps);
        for (int i = 1; i <= steps; i++) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(stepMillis));
          if (!monitor.stepComplete("tactic selection", i, steps, "layer_" + i)) {
            monitor.phaseFinish("tactic selection");
            throw new EngineBuildException("stopped at step " + i, List.of());
          }
          done.set(i);
        }
        monitor.phaseFinish("tactic selection");
        monitor.message("built");
        return BUILT;
      } finally {
        ended.countDown();
      }
    };
  }

  @Test
  void phasesAndThrottledStepsReachTheListenerOnTheCallingThread() {
    List<String> messages = new CopyOnWriteArrayList<>();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    AtomicInteger done = new AtomicInteger();
    BuildResult r = InterruptibleBuild.run(m -> {
      messages.add(m);
      threads.add(Thread.currentThread());
    }, steps(60, 10, done, new CountDownLatch(1)), 150, 1000);

    assertSame(BUILT, r);
    assertEquals(60, done.get());
    threads.forEach(t -> assertSame(Thread.currentThread(), t, "progress came on " + t));
    assertEquals("tactic selection started (60 steps)", messages.get(0), messages.toString());
    assertTrue(messages.get(messages.size() - 2).startsWith("tactic selection done in "), messages.toString());
    assertEquals("built", messages.get(messages.size() - 1), messages.toString());
    List<String> shownSteps = messages.stream().filter(m -> m.startsWith("tactic selection ")
        && m.contains("/60: layer_")).toList();
    // 60 steps in about 0.6 s, at most one shown per 150 ms.
    assertTrue(shownSteps.size() >= 1 && shownSteps.size() <= 6, shownSteps.toString());
  }

  @Test
  void anInterruptStopsTheBuildAtItsNextStepAndTheThreadStaysInterrupted() throws Exception {
    AtomicInteger done = new AtomicInteger();
    CountDownLatch ended = new CountDownLatch(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
    List<String> messages = new CopyOnWriteArrayList<>();
    CountDownLatch started = new CountDownLatch(1);
    Thread caller = new Thread(() -> {
      try {
        InterruptibleBuild.run(m -> {
          messages.add(m);
          started.countDown();
        }, steps(100_000, 20, done, ended));
      } catch (Throwable t) {
        thrown.set(t);
      }
      stillInterrupted.set(Thread.currentThread().isInterrupted());
    });
    caller.start();
    assertTrue(started.await(10, TimeUnit.SECONDS));
    Thread.sleep(300);
    long interrupted = System.nanoTime();
    caller.interrupt();
    caller.join(5_000);
    double seconds = (System.nanoTime() - interrupted) / 1e9;

    assertFalse(caller.isAlive());
    assertTrue(thrown.get() instanceof EngineBuildCancelledException, String.valueOf(thrown.get()));
    String message = thrown.get().getMessage();
    assertTrue(message.startsWith("engine build cancelled during tactic selection (step "), message);
    assertTrue(message.contains("/100000) after ") && message.endsWith("(the thread was interrupted)"), message);
    assertTrue(seconds < 1.0, "the caller returned " + seconds + " s after the interrupt");
    assertTrue(stillInterrupted.get(), "the interrupt status was cleared");
    assertTrue(ended.await(1, TimeUnit.SECONDS), "the build did not stop");
    int stoppedAt = done.get();
    assertTrue(stoppedAt > 0 && stoppedAt < 100, "stopped after step " + stoppedAt);
    Thread.sleep(100);
    assertEquals(stoppedAt, done.get(), "the build went on after the cancel");
  }

  @Test
  void aListenerThatAsksToCancelStopsTheBuildWithoutAnInterrupt() {
    AtomicInteger done = new AtomicInteger();
    CountDownLatch ended = new CountDownLatch(1);
    BuildListener cancelAfterFiveSteps = new BuildListener() {
      @Override
      public void progress(String message) { }

      @Override
      public boolean cancelRequested() {
        return done.get() >= 5;
      }
    };
    EngineBuildCancelledException e = assertThrows(EngineBuildCancelledException.class,
        () -> InterruptibleBuild.run(cancelAfterFiveSteps, steps(1000, 10, done, ended)));

    assertTrue(e.getMessage().endsWith("(cancel requested)"), e.getMessage());
    assertFalse(Thread.currentThread().isInterrupted());
    assertTrue(done.get() >= 5 && done.get() < 1000, "stopped after step " + done.get());
  }

  @Test
  void aBuildThatDoesNotStopIsLeftToEndInTheBackgroundAndTheCallerReturns() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller = new Thread(() -> {
      try {
        InterruptibleBuild.run(m -> { }, monitor -> {
          // A native call that never asks the monitor.
          while (release.getCount() > 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
          }
          return BUILT;
        }, 1000, 200);
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    caller.start();
    Thread.sleep(200);
    long interrupted = System.nanoTime();
    caller.interrupt();
    caller.join(5_000);
    double seconds = (System.nanoTime() - interrupted) / 1e9;
    release.countDown();

    assertTrue(seconds < 1.0, "the caller returned " + seconds + " s after the interrupt");
    assertTrue(thrown.get() instanceof EngineBuildCancelledException, String.valueOf(thrown.get()));
    assertTrue(thrown.get().getMessage().contains("ending its current step in the background"),
        thrown.get().getMessage());
  }

  @Test
  void aQuietBuildLetsTheListenerShowItsLatestMessage() {
    AtomicInteger idle = new AtomicInteger();
    InterruptibleBuild.run(new BuildListener() {
      @Override
      public void progress(String message) { }

      @Override
      public void idle() {
        idle.incrementAndGet();
      }
    }, monitor -> {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(600));
      return BUILT;
    });
    assertTrue(idle.get() >= 3, "idle() " + idle.get() + " times in 0.6 s");
  }

  @Test
  void aListenerThatFailsStopsTheBuild() throws Exception {
    AtomicInteger done = new AtomicInteger();
    CountDownLatch ended = new CountDownLatch(1);
    IllegalStateException broken = new IllegalStateException("the display could not be sent");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> InterruptibleBuild.run(m -> {
      throw broken;
    }, steps(1000, 10, done, ended)));

    assertSame(broken, e);
    assertTrue(ended.await(1, TimeUnit.SECONDS), "the build went on");
    assertTrue(done.get() < 1000, "stopped after step " + done.get());
  }

  @Test
  void aFailedBuildThrowsItsOwnException() {
    EngineBuildException failure = new EngineBuildException("no implementation", List.of("[E] no tactic"));
    EngineBuildException e = assertThrows(EngineBuildException.class,
        () -> InterruptibleBuild.run(BuildListener.NONE, monitor -> {
          throw failure;
        }));
    assertSame(failure, e);
  }

  @Test
  void anAlreadyInterruptedThreadStartsNoBuild() {
    AtomicInteger calls = new AtomicInteger();
    Thread.currentThread().interrupt();
    try {
      EngineBuildCancelledException e = assertThrows(EngineBuildCancelledException.class,
          () -> InterruptibleBuild.run(BuildListener.NONE, monitor -> {
            calls.incrementAndGet();
            return BUILT;
          }));
      assertTrue(Thread.currentThread().isInterrupted());
      assertEquals("engine build cancelled before it started (the thread was interrupted)", e.getMessage());
      assertEquals(0, calls.get());
    } finally {
      Thread.interrupted();
    }
  }
}
