package dev.tftrt.kernel;

import com.google.gson.GsonBuilder;
import dev.tftrt.io.AtomicFiles;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Installs (or removes) the kernelspec that lets Jupyter start this kernel:
 * {@code java -cp <kernel class path> dev.tftrt.kernel.Install [--user | --prefix P] [--uninstall]}.
 * The kernelspec's command line is this JVM's java with this JVM's class path (so tftrt-lib is on it).
 * Installing again replaces the previous kernelspec.
 */
public final class Install {
  public static final String KERNEL_NAME = "tftrt-java";
  public static final String DISPLAY_NAME = "Java (TF-TRT)";
  static final String USAGE = "usage: java -cp <class path> dev.tftrt.kernel.Install [--user | --prefix <dir>]"
      + " [--uninstall]\n  --user       install for this user (default): $JUPYTER_DATA_DIR, else"
      + " $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter\n  --prefix P   install under P/share/jupyter"
      + " (for example a virtualenv or /usr/local)\n  --uninstall  remove the kernelspec instead";

  private Install() {}

  public static void main(String[] args) {
    try {
      Request request = Request.parse(List.of(args));
      Path kernelDir = request.kernelsDir().resolve(KERNEL_NAME);
      if (request.uninstall()) {
        boolean removed = uninstall(kernelDir);
        System.out.println(removed ? "removed the " + KERNEL_NAME + " kernelspec from " + kernelDir
            : "no " + KERNEL_NAME + " kernelspec at " + kernelDir + " (nothing to remove)");
      } else {
        install(kernelDir, kernelJson(javaCommand(), absoluteClasspath()));
        System.out.println("installed the " + KERNEL_NAME + " kernelspec (\"" + DISPLAY_NAME + "\") in " + kernelDir);
      }
    } catch (IllegalArgumentException e) {
      System.err.println("tftrt kernel install: " + e.getMessage() + "\n" + USAGE);
      System.exit(2);
    } catch (IOException e) {
      System.err.println("tftrt kernel install: " + e.getMessage());
      System.exit(1);
    }
  }

  /** The parsed command line. */
  record Request(Path kernelsDir, boolean uninstall) {
    static Request parse(List<String> args) {
      Path prefix = null;
      boolean user = false;
      boolean uninstall = false;
      for (int i = 0; i < args.size(); i++) {
        switch (args.get(i)) {
          case "--user":
            user = true;
            break;
          case "--prefix":
            if (i + 1 >= args.size()) {
              throw new IllegalArgumentException("--prefix needs a directory");
            }
            prefix = Path.of(args.get(++i)).toAbsolutePath();
            break;
          case "--uninstall":
            uninstall = true;
            break;
          default:
            throw new IllegalArgumentException("unknown argument " + args.get(i));
        }
      }
      if (user && prefix != null) {
        throw new IllegalArgumentException("--user and --prefix exclude each other");
      }
      Path kernels = prefix != null ? prefix.resolve("share/jupyter/kernels") : userDataDir().resolve("kernels");
      return new Request(kernels, uninstall);
    }
  }

  /** Jupyter's per-user data directory on Linux, as jupyter_core computes it. */
  static Path userDataDir() {
    String jupyterData = System.getenv("JUPYTER_DATA_DIR");
    if (jupyterData != null && !jupyterData.isBlank()) {
      return Path.of(jupyterData).toAbsolutePath();
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    Path dataHome = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local/share");
    return dataHome.resolve("jupyter").toAbsolutePath();
  }

  static String javaCommand() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The kernel.json content: how Jupyter starts the kernel, quiet and headless, interrupted by message. */
  static String kernelJson(String java, List<String> classpath) {
    List<String> argv = new ArrayList<>(List.of(java,
        "-Djava.awt.headless=true",
        // JavaCPP (TensorRT, CUDA) would print its warnings into the first cell; SLF4J sends them to the log.
        "-Dorg.bytedeco.javacpp.logger=slf4j",
        "-cp", String.join(File.pathSeparator, classpath),
        KernelMain.class.getName(),
        "{connection_file}"));
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("argv", argv);
    spec.put("display_name", DISPLAY_NAME);
    spec.put("language", "java");
    // The JVM would die on SIGINT; interrupts come as control messages instead.
    spec.put("interrupt_mode", "message");
    spec.put("env", Map.of("TF_CPP_MIN_LOG_LEVEL", "2"));
    spec.put("metadata", Map.of("debugger", false));
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(spec) + "\n";
  }

  /** Writes the kernelspec beside its final place, then swaps it in, so a failed install leaves the old one. */
  static void install(Path kernelDir, String kernelJson) throws IOException {
    Files.createDirectories(kernelDir.getParent());
    Path staging = AtomicFiles.createTempDirectory(kernelDir.getParent(), "." + KERNEL_NAME + "-new-");
    Files.writeString(staging.resolve("kernel.json"), kernelJson, StandardCharsets.UTF_8);
    Path old = null;
    if (Files.exists(kernelDir)) {
      old = kernelDir.resolveSibling("." + KERNEL_NAME + "-old-" + System.nanoTime());
      AtomicFiles.moveToFreePlace(kernelDir, old);
    }
    AtomicFiles.moveToFreePlace(staging, kernelDir);
    if (old != null) {
      // The new kernelspec is in place; a hidden leftover of the old one is harmless.
      AtomicFiles.deleteTree(old);
    }
  }

  static boolean uninstall(Path kernelDir) throws IOException {
    if (!Files.exists(kernelDir)) {
      return false;
    }
    if (!AtomicFiles.deleteTree(kernelDir)) {
      throw new IOException("could not remove all of " + kernelDir);
    }
    return true;
  }

  /** This JVM's class path as absolute entries. */
  static List<String> absoluteClasspath() {
    return List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
        .filter(entry -> !entry.isBlank())
        .map(entry -> Path.of(entry).toAbsolutePath().toString())
        .collect(Collectors.toList());
  }
}
