package dev.tftrt.engine;

import java.util.concurrent.CancellationException;

/**
 * An engine build stopped before its end because the building thread was interrupted or its
 * {@link BuildListener#cancelRequested()} said so. Nothing was built; the thread's interrupt status is kept.
 * Not an {@link EngineBuildException}: the caller stops instead of falling back and going on.
 */
public class EngineBuildCancelledException extends CancellationException {
  public EngineBuildCancelledException(String message) {
    super(message);
  }
}
