package dev.tftrt.io;

import dev.tftrt.TftrtException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Result files written through a temporary file in the same directory and renamed into place when complete, so
 * that a reader never sees half a file; the renames that do it; and the removal of temporary trees.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void writeAtomically(Path file, byte[] content) {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    try {
      Files.createDirectories(dir);
      Path tmp = createTempFile(dir, "." + target.getFileName(), ".tmp");
      try {
        Files.write(tmp, content);
        replace(tmp, target);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new TftrtException("cannot write " + file + ": " + e, e);
    }
  }

  /**
   * A new empty file {@code dir/prefix<random>suffix} with the permissions any new file there gets (the umask's),
   * unlike {@link Files#createTempFile}, whose owner-only permissions would stay on the result once it is renamed
   * into place.
   */
  public static Path createTempFile(Path dir, String prefix, String suffix) throws IOException {
    return createUnused(dir, prefix, suffix, Files::createFile);
  }

  /** A new empty directory {@code dir/prefix<random>}, with the umask's permissions (see {@link #createTempFile}). */
  public static Path createTempDirectory(Path dir, String prefix) throws IOException {
    return createUnused(dir, prefix, "", Files::createDirectory);
  }

  private interface Create {
    Path at(Path path) throws IOException;
  }

  /** Creates {@code dir/prefix<random>suffix} with {@code create}, trying other names while one is taken. */
  private static Path createUnused(Path dir, String prefix, String suffix, Create create) throws IOException {
    while (true) {
      try {
        return create.at(dir.resolve(prefix + randomPart() + suffix));
      } catch (FileAlreadyExistsException taken) {
        // another name
      }
    }
  }

  private static String randomPart() {
    return Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
  }

  /**
   * Renames the complete file {@code from} to {@code to}, replacing what is there: atomically where the file system
   * can (a reader sees the old file or the new one, never a mix), else by a plain move.
   */
  public static Path replace(Path from, Path to) throws IOException {
    try {
      return Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      return Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Renames {@code from}, a file or a whole tree, to {@code to}, which the caller has made free (trees are swapped
   * by moving the old one aside first): atomically where the file system can, else by a plain move, which refuses
   * an existing {@code to}.
   */
  public static void moveToFreePlace(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  /**
   * Deletes {@code root} and everything under it, without following links, as far as it can: callers use it on
   * their own temporary trees, where a leftover is harmless. True when nothing is left.
   */
  public static boolean deleteTree(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return true;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      List<Path> deepestFirst = paths.sorted(Comparator.reverseOrder()).toList();
      for (Path p : deepestFirst) {
        Files.deleteIfExists(p);
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
