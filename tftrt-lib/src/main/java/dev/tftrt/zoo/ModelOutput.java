package dev.tftrt.zoo;

import dev.tftrt.TftrtException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Writes a model directory atomically: into a temporary sibling first, renamed into place when complete. */
final class ModelOutput {
  /** Writes the content of a directory that does not exist yet. */
  interface DirectoryWriter {
    void write(Path dir) throws IOException;
  }

  private ModelOutput() {}

  /**
   * Runs {@code writer} on a fresh temporary directory beside {@code out} and renames it to {@code out}.
   * {@code out} must not exist or be an empty directory; nothing is left behind when writing fails.
   */
  static Path writeAtomically(Path out, DirectoryWriter writer) {
    Path target = out.toAbsolutePath().normalize();
    requireWritableTarget(target);
    Path parent = target.getParent();
    Path temp = null;
    try {
      Files.createDirectories(parent);
      temp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
      Path content = temp.resolve("model");
      writer.write(content);
      Files.deleteIfExists(target); // only an empty directory can be here (checked above)
      Files.move(content, target, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } catch (IOException e) {
      throw new TftrtException("could not write the model to " + target + ": " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        deleteRecursively(temp);
      }
    }
  }

  private static void requireWritableTarget(Path target) {
    if (Files.isRegularFile(target)) {
      throw new TftrtException(target + " is a file; give a directory that does not exist yet or is empty");
    }
    if (Files.isDirectory(target)) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
        if (entries.iterator().hasNext()) {
          throw new TftrtException(target + " already exists and is not empty; give a new directory "
              + "(it is never overwritten)");
        }
      } catch (IOException e) {
        throw new TftrtException("cannot read " + target + ": " + e.getMessage(), e);
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
