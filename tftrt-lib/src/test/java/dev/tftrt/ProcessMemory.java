package dev.tftrt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the test JVM holds: the Java heap in use, and the resident set (heap, native allocations, code). */
public final class ProcessMemory {
  public static final long MIB = 1 << 20;
  private static final Path STATUS = Path.of("/proc/self/status");

  private ProcessMemory() {}

  /** Heap in use after a collection, so that garbage not yet collected does not count as growth. */
  public static long usedHeapBytes() {
    System.gc();
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  /**
   * Resident memory outside the committed Java heap: native allocations (TensorFlow's, JavaCPP's, TensorRT's),
   * metaspace and code. Exact only when the JVM pre-touches its heap ({@code -XX:+AlwaysPreTouch}, as the tests
   * run): otherwise heap pages touched for the first time count as native growth (once 119 MiB in the CPU soak
   * test). Sample it away from {@link #usedHeapBytes()}: a collection that shrinks the heap lowers the committed
   * size at once but the resident set only later (JDK 17 uncommits concurrently).
   */
  public static long nativeBytes() {
    return residentBytes() - Runtime.getRuntime().totalMemory();
  }

  /** The process's resident memory (VmRSS of /proc/self/status). */
  public static long residentBytes() {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException(STATUS + " has no VmRSS line (not Linux?)");
  }
}
