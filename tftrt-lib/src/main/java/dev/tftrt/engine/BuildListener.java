package dev.tftrt.engine;

/**
 * Receives progress while an engine builds ("calibrating: batch 3/16", TensorRT's phases and steps, its own info
 * messages), always on the thread that called {@link TensorRtBackend#build}, and at most about once a second
 * for the steps of a phase. A build also stops when that thread is interrupted; see
 * {@link EngineBuildCancelledException}.
 */
@FunctionalInterface
public interface BuildListener {
  BuildListener NONE = message -> { };

  void progress(String message);

  /**
   * Asked between the build's steps: true cancels the build, as TensorRT's progress monitor does when it
   * returns false from a step (the build then throws {@link EngineBuildCancelledException}). An interrupt of the
   * building thread does the same without this.
   */
  default boolean cancelRequested() {
    return false;
  }

  /**
   * Called on the same thread about ten times a second while a build runs and has nothing new to say (TensorRT
   * times one layer for seconds): a listener that shows only some messages, such as a progress bar updated at
   * most so often, shows the latest one here rather than leaving an older one up.
   */
  default void idle() { }
}
