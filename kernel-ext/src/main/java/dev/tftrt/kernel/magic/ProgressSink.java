package dev.tftrt.kernel.magic;

/** Where magics show the progress of long work (in the kernel: a bar that updates in place). */
@FunctionalInterface
public interface ProgressSink {
  /** Starts showing progress titled {@code title} out of {@code total} steps. */
  Tracker start(String title, long total);

  /** One piece of work's progress. */
  interface Tracker {
    /** {@code done} steps of the total are done; {@code message} says what is happening now. */
    void at(long done, String message);

    void finish();

    /** Nothing new for a while (an engine build timing a layer): show the latest message if it was held back. */
    default void idle() { }
  }
}
