package dev.tftrt.figures;

import dev.tftrt.TftrtException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Lays out a DOT graph with Graphviz's {@code dot} (Debian package graphviz) and returns SVG or PNG. Graphviz
 * rather than ELK: its layered layout draws clusters (the TensorRT segments) natively, it writes SVG and PNG
 * itself, and the planner already exports DOT.
 */
public final class Graphviz {
  private static final List<Path> SEARCH = List.of(Path.of("/usr/bin/dot"), Path.of("/usr/local/bin/dot"));
  private static final long TIMEOUT_SECONDS = 60;

  private final Path dot;

  public Graphviz(Path dot) {
    this.dot = dot;
  }

  /** The {@code dot} found on this machine; fails with how to install it when there is none. */
  public static Graphviz find() {
    for (Path candidate : SEARCH) {
      if (Files.isExecutable(candidate)) {
        return new Graphviz(candidate);
      }
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "dot");
      if (Files.isExecutable(candidate)) {
        return new Graphviz(candidate);
      }
    }
    throw new TftrtException("Graphviz's dot is not installed; diagrams need it:"
        + " sudo apt-get install graphviz (./tftrt installs it)");
  }

  /** The SVG of {@code dotSource} laid out by {@code dot}; the DOT's problems come back as the message. */
  public String svg(String dotSource) {
    return new String(render(dotSource, "svg"), StandardCharsets.UTF_8);
  }

  /** The PNG of {@code dotSource} laid out by {@code dot}. */
  public byte[] png(String dotSource) {
    return render(dotSource, "png");
  }

  private byte[] render(String dotSource, String format) {
    try {
      Process process = new ProcessBuilder(dot.toString(), "-T" + format).start();
      CompletableFuture<byte[]> out = readAsync(process.getInputStream());
      CompletableFuture<byte[]> err = readAsync(process.getErrorStream());
      try (OutputStream in = process.getOutputStream()) {
        in.write(dotSource.getBytes(StandardCharsets.UTF_8));
      }
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new TftrtException("dot did not finish laying out the graph within " + TIMEOUT_SECONDS + " s");
      }
      byte[] image = out.join();
      if (process.exitValue() != 0) {
        throw new TftrtException("dot could not lay out the graph: "
            + new String(err.join(), StandardCharsets.UTF_8).strip());
      }
      return image;
    } catch (IOException e) {
      throw new TftrtException("could not run " + dot + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TftrtException("interrupted while dot laid out the graph", e);
    }
  }

  private static CompletableFuture<byte[]> readAsync(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        stream.transferTo(bytes);
        return bytes.toByteArray();
      } catch (IOException e) {
        return new byte[0];
      }
    });
  }
}
