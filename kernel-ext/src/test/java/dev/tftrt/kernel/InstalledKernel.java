package dev.tftrt.kernel;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kernel installed, as Install does it, into a private Jupyter prefix with this test JVM's class path, and
 * a way to run Debian's Jupyter tools against it.
 */
final class InstalledKernel {
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final Path JUPYTER = Path.of("/usr/bin/jupyter");
  private static final String SHARED_PROTOCOL_MODULE = "kernel_session.py";

  private final Path prefix;

  private InstalledKernel(Path prefix) {
    this.prefix = prefix;
  }

  static InstalledKernel into(Path prefix) throws IOException {
    if (!Files.isExecutable(PYTHON) || !Files.isExecutable(JUPYTER)) {
      throw new IllegalStateException("these tests need Debian's Jupyter (/usr/bin/python3 with jupyter_client,"
          + " /usr/bin/jupyter with nbconvert); ./tftrt installs them");
    }
    Path kernelDir = prefix.resolve("share/jupyter/kernels").resolve(Install.KERNEL_NAME);
    Install.install(kernelDir, Install.kernelJson(Install.javaCommand(), Install.absoluteClasspath()));
    return new InstalledKernel(prefix);
  }

  /** Runs a Jupyter command that sees only this kernelspec; returns its output, failing on a non-zero exit. */
  String run(long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
    ProcessBuilder builder = NotebookRunner.inPrivatePrefix(command, prefix);
    Path log = Files.createTempFile(prefix, "jupyter-", ".log");
    Process process = builder.redirectOutput(log.toFile()).start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command + "\n" + read(log));
    }
    String output = read(log);
    if (process.exitValue() != 0) {
      throw new AssertionError("exit " + process.exitValue() + ": " + command + "\n" + output);
    }
    return output;
  }

  String python(long timeoutSeconds, Path script, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
    command.addAll(List.of(args));
    return run(timeoutSeconds, command);
  }

  /**
   * Runs the test resource {@code /protocol/<script>} (Python driving this kernel with jupyter_client, importing
   * the scripts' shared {@code kernel_session} module beside it) with {@code args} followed by the file it writes
   * what it observed to, and returns that JSON.
   */
  JsonObject observe(long timeoutSeconds, String script, String... args) throws IOException, InterruptedException {
    copyProtocolResource(SHARED_PROTOCOL_MODULE);
    Path copy = copyProtocolResource(script);
    Path out = prefix.resolveSibling(script + ".observed.json");
    List<String> all = new ArrayList<>(List.of(args));
    all.add(out.toString());
    python(timeoutSeconds, copy, all.toArray(String[]::new));
    return JsonParser.parseString(Files.readString(out)).getAsJsonObject();
  }

  private Path copyProtocolResource(String name) throws IOException {
    Path copy = prefix.resolveSibling(name);
    try (InputStream in = InstalledKernel.class.getResourceAsStream("/protocol/" + name)) {
      Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
    }
    return copy;
  }

  private static String read(Path log) throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
