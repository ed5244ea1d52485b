package dev.tftrt.kernel;

import dev.tftrt.engine.BuildListener;
import dev.tftrt.kernel.magic.ProgressSink;
import dev.tftrt.kernel.render.Progress;
import java.util.function.Function;

/**
 * A progress bar in the cell's output that updates in place (one display, then display updates): {@code var p =
 * progress("Building engines", 3); ... p.step("segment 1"); ... p.finish();}. It is also a {@link BuildListener},
 * so engine builds and calibration can report into it directly. Updates are throttled so that fast loops do not
 * flood the notebook; the last state is always shown (at the finish, or when an engine build is idle).
 */
public final class ProgressDisplay implements BuildListener, ProgressSink.Tracker {
  static final long MIN_UPDATE_NANOS = 100_000_000L;

  private final Function<Object, Display> show;
  private final String title;
  private final long total;
  private Display display;
  private long done;
  private String message = "";
  private long lastUpdate;
  /** Whether the display shows the latest state (an update may have been held back by the throttle). */
  private boolean current = true;

  ProgressDisplay(String title, long total, Function<Object, Display> show) {
    this.title = title;
    this.total = total;
    this.show = show;
    this.display = show.apply(state());
    this.lastUpdate = System.nanoTime();
  }

  /** One more unit done, with what it was. */
  public synchronized void step(String what) {
    done++;
    message = what == null ? "" : what;
    refresh(false);
  }

  public void step() {
    step("");
  }

  /** {@code done} steps are done, {@code what} is happening now. */
  @Override
  public synchronized void at(long doneSoFar, String what) {
    done = doneSoFar;
    message = what == null ? "" : what;
    refresh(false);
  }

  /** A message without progress (BuildListener): what the work is doing now. */
  @Override
  public synchronized void progress(String what) {
    message = what == null ? "" : what;
    refresh(false);
  }

  /** A build with nothing new to say (BuildListener): shows the latest message if the throttle held it back. */
  @Override
  public synchronized void idle() {
    if (!current) {
      refresh(false);
    }
  }

  /** Shows the final state now (all done when the total was known). */
  @Override
  public synchronized void finish() {
    if (total >= 0) {
      done = Math.max(done, total);
    }
    refresh(true);
  }

  public synchronized Progress state() {
    return new Progress(title, done, total, message);
  }

  private void refresh(boolean force) {
    long now = System.nanoTime();
    if (force || now - lastUpdate >= MIN_UPDATE_NANOS || state().finished()) {
      display.update(state());
      lastUpdate = now;
      current = true;
    } else {
      current = false;
    }
  }

  @Override
  public String toString() {
    return state().text();
  }
}
