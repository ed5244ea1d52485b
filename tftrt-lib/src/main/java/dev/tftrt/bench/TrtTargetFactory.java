package dev.tftrt.bench;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.data.IdxDataset;
import java.nio.file.Path;
import java.util.Optional;

/** Makes the TensorRT rows of a comparison: the SavedModel converted at one precision, ready to run. */
@FunctionalInterface
public interface TrtTargetFactory {

  /**
   * Converts {@code savedModel} with {@code params}: its precision, and an optimization profile for batches 1 ..
   * its {@code maxBatchSize}.
   *
   * @param calibration images for INT8 calibration (ignored for FP32 and FP16)
   * @param bindInputs whether each batch is bound to the GPU once and runs on it ({@code ConvertedModel.bind}),
   *     as for a caller whose data already lives there, instead of copying Java arrays in and out on every run
   * @throws dev.tftrt.TftrtException saying why it cannot (the comparison reports it and goes on)
   */
  InferenceTarget create(Path savedModel, TrtConversionParams params, Optional<IdxDataset> calibration,
      boolean bindInputs);
}
