package dev.tftrt.kernel.execution;

import java.lang.reflect.Method;

/**
 * Stops a thread that ignores interrupts, on JDKs that still can: {@code Thread.stop} works up to JDK 19 and
 * throws {@link UnsupportedOperationException} from JDK 20 on. Called reflectively so the kernel compiles and
 * runs unchanged on both.
 */
final class ThreadStopper {
  private ThreadStopper() {}

  /** True when the JDK delivered a stop to {@code thread}. */
  static boolean stop(Thread thread) {
    try {
      Method stop = Thread.class.getMethod("stop");
      stop.invoke(thread);
      return true;
    } catch (ReflectiveOperationException | UnsupportedOperationException e) {
      return false;
    }
  }
}
