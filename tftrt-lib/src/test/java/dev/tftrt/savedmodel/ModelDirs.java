package dev.tftrt.savedmodel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The real test models, copies of them to damage, and a snapshot to prove a directory was not written to. */
public final class ModelDirs {
  public static final Path MODELS = Path.of("src/test/resources/models");
  public static final Path KWS = MODELS.resolve("mlperf_tiny_kws_dscnn_tf2");
  public static final Path LENET = MODELS.resolve("tensorspace_lenet5_mnist_tf1");
  public static final Path MLP = MODELS.resolve("kotlindl_mnist_mlp_tf2");

  private ModelDirs() {}

  /** Copies directory {@code from} (recursively) to {@code to}, which must not exist. */
  public static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
    return to;
  }

  /** Every regular file under {@code root} with its bytes, by relative path. */
  public static Map<String, byte[]> snapshot(Path root) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        out.put(root.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return out;
  }

  /** Fails when a file under {@code root} was added, removed or changed since {@code before}. */
  public static void assertUnchanged(Map<String, byte[]> before, Path root) throws IOException {
    Map<String, byte[]> now = snapshot(root);
    assertEquals(before.keySet(), now.keySet(), "no file added or removed under " + root);
    before.forEach((name, bytes) -> assertArrayEquals(bytes, now.get(name), name + " changed"));
  }
}
