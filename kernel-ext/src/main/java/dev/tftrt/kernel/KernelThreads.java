package dev.tftrt.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The stacks of every thread of a kernel JVM, taken when a cell does not finish, so that one run says where the
 * kernel waits. A SIGQUIT makes HotSpot print them to the kernel's standard output, which {@link KernelClient}
 * sends to its log; where that does not come within a few seconds, {@code jcmd PID Thread.print} asks the JVM
 * through its attach mechanism instead.
 */
final class KernelThreads {
  /** The first line HotSpot prints for a thread dump. */
  static final String DUMP_START = "Full thread dump";
  /** The line HotSpot prints after the last thread of a dump (before its deadlock report, if any). */
  static final String DUMP_END = "JNI global refs";
  private static final long WAIT_MILLIS = 10_000;

  private KernelThreads() {}

  /** The thread dump of the JVM {@code pid} whose output goes to {@code log}; a line saying why when none came. */
  static String dump(long pid, Path log) {
    long before = size(log);
    List<String> problems = new ArrayList<>();
    try {
      // The shell's own kill: a bare host may lack procps' kill program.
      Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -QUIT " + pid).redirectErrorStream(true).start();
      if (kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (System.nanoTime() < deadline) {
          String written = since(log, before);
          int start = written.indexOf(DUMP_START);
          if (start >= 0 && written.indexOf(DUMP_END, start) >= 0) {
            // HotSpot reports Java-level deadlocks after the threads: give it a moment to finish.
            Thread.sleep(1_000);
            written = since(log, before);
            return written.substring(written.indexOf(DUMP_START));
          }
          Thread.sleep(200);
        }
        String partial = since(log, before);
        int start = partial.indexOf(DUMP_START);
        if (start >= 0) {
          return partial.substring(start) + "\n(the dump was still being written after " + WAIT_MILLIS / 1000 + " s)";
        }
        problems.add("after kill -QUIT " + pid + " the kernel log showed no thread dump within "
            + WAIT_MILLIS / 1000 + " s");
      } else {
        problems.add("kill -QUIT " + pid + " failed: " + new String(kill.getInputStream().readAllBytes(),
            StandardCharsets.UTF_8).strip());
      }
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      if (Files.isExecutable(jcmd)) {
        Process attach = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print", "-l")
            .redirectErrorStream(true).start();
        byte[] out = attach.getInputStream().readAllBytes();
        if (attach.waitFor(30, TimeUnit.SECONDS) && attach.exitValue() == 0) {
          return new String(out, StandardCharsets.UTF_8);
        }
        problems.add("jcmd " + pid + " Thread.print failed: " + new String(out, StandardCharsets.UTF_8).strip());
      } else {
        problems.add("no " + jcmd + " to ask instead");
      }
    } catch (IOException e) {
      problems.add("could not ask for the threads: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problems.add("interrupted while waiting for the thread dump");
    }
    return "(no thread dump: " + String.join("; ", problems) + ")";
  }

  /**
   * Every thread of process {@code pid} as Linux sees it, one line each: id (also in hex, HotSpot's
   * {@code nid=}), name, state (R running, S sleeping, D in uninterruptible I/O), the kernel function it sleeps
   * in and its CPU time. It covers the native threads (TensorRT's, CUDA's, TensorFlow's) the Java dump leaves out.
   */
  static String linuxThreads(long pid) {
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    StringBuilder b = new StringBuilder("    tid      nid name             state wchan cpu-ticks(user+system)\n");
    try (var listing = Files.list(tasks)) {
      for (Path task : listing.sorted(java.util.Comparator.comparingLong(t -> Long.parseLong(t.getFileName()
          .toString()))).toList()) {
        long tid = Long.parseLong(task.getFileName().toString());
        String stat = read(task.resolve("stat"));
        // After the name in parentheses: state, then fields 4.. of proc(5); utime and stime are 14 and 15.
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        String ticks = after.length > 12 ? after[11] + "+" + after[12] : "?";
        b.append(String.format(java.util.Locale.ROOT, "%7d %8s %-16s %s %s %s%n", tid, "0x" + Long.toHexString(tid),
            read(task.resolve("comm")).strip(), after.length > 0 ? after[0] : "?", read(task.resolve("wchan")).strip(),
            ticks));
      }
    } catch (IOException | RuntimeException e) {
      b.append("(cannot read ").append(tasks).append(": ").append(e.getMessage()).append(")\n");
    }
    return b.toString();
  }

  /**
   * Java and native frames of every thread of {@code pid} ({@code jhsdb jstack --mixed}, which attaches as a
   * debugger: where it may), for a thread stuck inside a native library; a line saying why when there are none.
   */
  static String mixedStacks(long pid, long timeoutSeconds) {
    Path jhsdb = Path.of(System.getProperty("java.home"), "bin", "jhsdb");
    if (!Files.isExecutable(jhsdb)) {
      return "(no native frames: no " + jhsdb + ")";
    }
    try {
      Path out = Files.createTempFile("tftrt-jhsdb-", ".txt");
      try {
        Process p = new ProcessBuilder(jhsdb.toString(), "jstack", "--mixed", "--pid", Long.toString(pid))
            .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
          return read(out) + "\n(jhsdb stopped after " + timeoutSeconds + " s)";
        }
        return read(out);
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      return "(no native frames: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(no native frames: interrupted)";
    }
  }

  private static String read(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "?";
    }
  }

  /**
   * The threads of {@code dump} that run project code or are cell threads ({@code dev.tftrt} in the name or a
   * frame), each as its block of lines: where a cell waits, without the JVM's and ZeroMQ's idle threads.
   */
  static List<String> projectThreads(String dump) {
    List<String> threads = new ArrayList<>();
    for (String block : dump.split("\n\\s*\n")) {
      String trimmed = block.strip();
      if (trimmed.startsWith("\"") && (trimmed.contains("dev.tftrt") || trimmed.startsWith("\"tftrt-"))) {
        threads.add(trimmed);
      }
    }
    return threads;
  }

  private static long size(Path log) {
    try {
      return Files.size(log);
    } catch (IOException e) {
      return 0;
    }
  }

  private static String since(Path log, long offset) {
    try {
      byte[] all = Files.readAllBytes(log);
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
