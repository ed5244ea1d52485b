package dev.tftrt.kernel.magic;

import io.github.spencerpark.jupyter.kernel.magic.registry.LineMagic;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** {@code %classpath} and {@code %jars}: make jars and class folders visible to later cells (IJava's magics). */
public final class ClasspathMagics {
  static final String CLASSPATH_USAGE = "usage: %classpath <path>[" + File.pathSeparator
      + "<path>...] ...   (jars or class folders; globs like lib/*.jar allowed)";
  static final String JARS_USAGE = "usage: %jars <jar or glob> ...   (for example %jars lib/*.jar)";

  private final Consumer<String> classpath;
  private final Path workingDirectory;

  /**
   * @param classpath adds one absolute entry to the session's class path
   */
  public ClasspathMagics(Consumer<String> classpath) {
    this(classpath, Path.of("").toAbsolutePath());
  }

  ClasspathMagics(Consumer<String> classpath, Path workingDirectory) {
    this.classpath = classpath;
    this.workingDirectory = workingDirectory;
  }

  /** Adds each entry (paths separated by the platform separator, globs expanded); returns what was added. */
  @LineMagic("classpath")
  public List<Path> classpath(List<String> args) throws IOException {
    if (args.isEmpty()) {
      throw new MagicUsageException("%classpath needs at least one path\n" + CLASSPATH_USAGE);
    }
    List<Path> added = new ArrayList<>();
    for (String arg : args) {
      for (String entry : arg.split(File.pathSeparator)) {
        if (!entry.isBlank()) {
          added.addAll(add(entry, CLASSPATH_USAGE));
        }
      }
    }
    return added;
  }

  /** Adds every jar matching each glob; returns the jars added. */
  @LineMagic("jars")
  public List<Path> jars(List<String> args) throws IOException {
    if (args.isEmpty()) {
      throw new MagicUsageException("%jars needs at least one jar or glob\n" + JARS_USAGE);
    }
    List<Path> added = new ArrayList<>();
    for (String glob : args) {
      added.addAll(add(glob, JARS_USAGE));
    }
    return added;
  }

  private List<Path> add(String glob, String usage) throws IOException {
    List<Path> matches = Globs.expand(glob, workingDirectory);
    if (matches.isEmpty()) {
      throw new MagicUsageException("nothing matches " + glob + " (relative paths start at " + workingDirectory
          + ")\n" + usage);
    }
    for (Path path : matches) {
      classpath.accept(path.toString());
    }
    return matches;
  }
}
