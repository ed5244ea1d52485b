package dev.tftrt.engine;

/**
 * What a running engine build reports, in the shape of TensorRT's progress monitor ({@code IProgressMonitor},
 * TensorRT 10): phases that start and finish, steps that complete, each answering whether to go on, and
 * messages. {@link InterruptibleBuild} hands one to the build and passes the reports to the caller's
 * {@link BuildListener}. Implementations are safe to call from any thread (TensorRT calls back from its own).
 */
public interface BuildMonitor {
  /** A phase of the build begins ("tactic selection"), of {@code steps} steps (0 when not known). */
  void phaseStart(String name, int steps);

  /**
   * Step {@code step} (counted from 1) of {@code steps} (0 when not known) of phase {@code name} is done;
   * {@code what} names it (a layer). Returns false when the build is to stop, as TensorRT's
   * {@code IProgressMonitor::stepComplete} does.
   */
  boolean stepComplete(String name, int step, int steps, String what);

  /** The phase {@code name} ended (also when it ended early, on an error or a cancel). */
  void phaseFinish(String name);

  /** A message for the user (TensorRT's info lines, calibration); dropped once the build is cancelled. */
  void message(String text);

  /** True once the build is cancelled: stop at the next step. */
  boolean cancelled();

  /** This monitor as a listener, for code that reports through one (a calibrator). */
  default BuildListener asListener() {
    return new BuildListener() {
      @Override
      public void progress(String message) {
        message(message);
      }

      @Override
      public boolean cancelRequested() {
        return cancelled();
      }
    };
  }
}
