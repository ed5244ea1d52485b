package dev.tftrt.kernel.magic;

import io.github.spencerpark.jupyter.kernel.magic.registry.LineMagic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** {@code %load file}: runs a file of Java snippets (a .jsh or .java script) as if it were a cell. */
public final class LoadMagics {
  static final String USAGE = "usage: %load <file>   (Java snippets, for example helpers.jsh)";

  /** Evaluates source as a cell and returns its last value. */
  @FunctionalInterface
  public interface CellRunner {
    Optional<Object> run(String source) throws Exception;
  }

  private final CellRunner runner;
  private final Path workingDirectory;

  public LoadMagics(CellRunner runner) {
    this(runner, Path.of("").toAbsolutePath());
  }

  LoadMagics(CellRunner runner, Path workingDirectory) {
    this.runner = runner;
    this.workingDirectory = workingDirectory;
  }

  /** Runs the file; its last expression's value (or null) is the magic's value. */
  @LineMagic("load")
  public Object load(List<String> args) throws Exception {
    if (args.size() != 1) {
      throw new MagicUsageException("%load takes exactly one file, got " + args.size() + "\n" + USAGE);
    }
    Path file = workingDirectory.resolve(args.get(0)).normalize();
    if (!Files.isRegularFile(file)) {
      throw new MagicUsageException("no file " + file + "\n" + USAGE);
    }
    String source;
    try {
      source = Files.readString(file);
    } catch (IOException e) {
      throw new MagicUsageException("cannot read " + file + ": " + e.getMessage() + "\n" + USAGE);
    }
    return runner.run(source).orElse(null);
  }
}
