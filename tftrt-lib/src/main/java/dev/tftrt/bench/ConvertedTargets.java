package dev.tftrt.bench;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.data.IdxDataset;
import java.nio.file.Path;
import java.util.Optional;

/** The machine's TensorRT rows: a SavedModel converted by the project's TF-TRT converter and runtime. */
final class ConvertedTargets {
  private ConvertedTargets() {}

  static InferenceTarget create(Path savedModel, Precision precision, int maxBatchSize,
      Optional<IdxDataset> calibration) {
    throw new TftrtException("this build has no TF-TRT runtime to convert " + savedModel + " with "
        + "(dev.tftrt.runtime.ConvertedModel is not on the class path yet)");
  }
}
