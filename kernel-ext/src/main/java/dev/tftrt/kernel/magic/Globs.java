package dev.tftrt.kernel.magic;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Expands a path that may hold glob characters ({@code * ? [ {}) into the existing paths it matches. */
final class Globs {
  private Globs() {}

  /** Existing paths matching {@code glob} (relative to {@code base}), sorted; a plain path matches itself. */
  static List<Path> expand(String glob, Path base) throws IOException {
    String expanded = glob.startsWith("~/") ? System.getProperty("user.home") + glob.substring(1) : glob;
    int firstWildcard = firstWildcard(expanded);
    if (firstWildcard < 0) {
      Path path = base.resolve(expanded).normalize();
      return Files.exists(path) ? List.of(path) : List.of();
    }
    int lastSlash = expanded.lastIndexOf('/', firstWildcard);
    Path root = base.resolve(lastSlash < 0 ? "." : expanded.substring(0, lastSlash + 1)).normalize();
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    String pattern = expanded.substring(lastSlash + 1);
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    int depth = pattern.contains("**") ? Integer.MAX_VALUE : (int) pattern.chars().filter(c -> c == '/').count() + 1;
    try (Stream<Path> paths = Files.walk(root, depth)) {
      return paths.filter(p -> !p.equals(root) && matcher.matches(root.relativize(p)))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  private static int firstWildcard(String text) {
    for (int i = 0; i < text.length(); i++) {
      if ("*?[{".indexOf(text.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }
}
