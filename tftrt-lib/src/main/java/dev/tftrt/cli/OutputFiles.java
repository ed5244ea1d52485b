package dev.tftrt.cli;

import dev.tftrt.TftrtException;
import java.nio.file.Path;

/** Checks on the files a command writes, made before any work so that a refusal costs nothing. */
final class OutputFiles {
  private OutputFiles() {}

  /** Refuses an output inside the input model: nothing the user gave is modified. Null outputs are not asked. */
  static void requireOutside(Path model, Path... outputs) {
    Path in = model.toAbsolutePath().normalize();
    for (Path out : outputs) {
      if (out != null && out.toAbsolutePath().normalize().startsWith(in)) {
        throw new TftrtException("output " + out + " lies inside the input model " + model
            + ", which is never written to; write it somewhere else");
      }
    }
  }
}
