package dev.tftrt.cli;

import dev.tftrt.TftrtException;
import dev.tftrt.io.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The files a command writes: checks made before any work so that a refusal costs nothing, and the writing.
 */
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

  /** Writes {@code text} as UTF-8 to {@code file} atomically (readers never see half a file) and says so. */
  static void writeText(Path file, String text) {
    AtomicFiles.writeAtomically(file, text.getBytes(StandardCharsets.UTF_8));
    System.out.println("wrote " + file);
  }
}
