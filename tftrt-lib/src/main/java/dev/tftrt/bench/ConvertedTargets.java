package dev.tftrt.bench;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.data.InputBatches;
import dev.tftrt.engine.BuildListener;
import dev.tftrt.graph.TensorInfo;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.runtime.BoundRun;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.savedmodel.SignatureTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The machine's TensorRT rows: a SavedModel converted by the project's TF-TRT converter and runtime. */
final class ConvertedTargets {
  private ConvertedTargets() {}

  static InferenceTarget create(Path savedModel, TrtConversionParams params, Optional<IdxDataset> calibration,
      boolean bindInputs) {
    return create(savedModel, params, calibration, bindInputs, BuildListener.NONE);
  }

  /**
   * {@code savedModel} converted with {@code params} (INT8 calibrated on every image of {@code calibration}), as a
   * target named for its precision (FP32 with TF32 allowed is "FP32+TF32") and what runs in TensorFlow; with
   * {@code bindInputs} each batch is bound to the GPU once ({@link #bound}) and the name says so. {@code progress}
   * hears the converter's calibration and build messages. The target owns the converted model.
   */
  static InferenceTarget create(Path savedModel, TrtConversionParams params, Optional<IdxDataset> calibration,
      boolean bindInputs, BuildListener progress) {
    Precision precision = params.precisionMode();
    int maxBatchSize = params.maxBatchSize();
    TrtGraphConverterV2 converter = new TrtGraphConverterV2(savedModel, params).withProgress(progress);
    if (precision == Precision.INT8) {
      List<SignatureTensor> inputs = converter.prepared().model().inputs();
      IdxDataset data = calibration.orElseThrow(() -> new TftrtException("INT8 needs calibration images"));
      if (inputs.size() != 1) {
        throw new TftrtException("INT8 calibration from images needs a model with one input; this one takes "
            + inputs);
      }
      converter.convert(InputBatches.forCalibration(data, inputs.get(0).key(), maxBatchSize));
    } else {
      converter.convert();
    }
    ConvertedModel model = converter.build(null);
    if (model.segments().isEmpty()) {
      model.close();
      throw new TftrtException("no part of the model converts to TensorRT (" + converter.summary().toText()
          .lines().findFirst().orElse("") + ")");
    }
    long inTensorFlow = model.segments().stream().filter(s -> s.engineProfiles().isEmpty()).count();
    String name = "TF-TRT " + precision + (precision == Precision.FP32 && params.allowTf32() ? "+TF32" : "")
        + (inTensorFlow == 0 ? ""
        : " (" + inTensorFlow + " of " + model.segments().size() + " segments in TensorFlow)");
    return bindInputs ? new BoundTarget(model, name + ", inputs on the GPU", precision.name(), true)
        : of(model, name, precision);
  }

  /** {@code model} as a benchmark target named {@code name}; each run is one {@link ConvertedModel#run} call. */
  static InferenceTarget of(ConvertedModel model, String name, Precision precision) {
    return new ConvertedTarget(model, name, precision.name());
  }

  /**
   * {@code model} as a benchmark target whose prepared batch is bound to the device ({@link ConvertedModel#bind}):
   * each run is one {@link BoundRun#run()} on inputs copied to the GPU once, its outputs left on the device (as
   * the bare engine loop leaves them) and copied to the host only by {@link PreparedRun#outputs()}.
   */
  static InferenceTarget bound(ConvertedModel model, String name, Precision precision) {
    return new BoundTarget(model, name, precision.name(), false);
  }

  private record BoundTarget(ConvertedModel model, String name, String precision, boolean ownsModel)
      implements InferenceTarget {
    @Override
    public Map<String, TensorInfo> inputs() {
      return model.inputs();
    }

    @Override
    public PreparedRun prepare(Map<String, TensorValue> batch) {
      BoundRun bound = model.bind(batch);
      return new PreparedRun() {
        @Override
        public void run() {
          bound.run();
        }

        @Override
        public Map<String, TensorValue> outputs() {
          return bound.outputs();
        }

        @Override
        public void close() {
          bound.close();
        }
      };
    }

    /** Closes the model only when this target made it; otherwise it stays the caller's (targets may share it). */
    @Override
    public void close() {
      if (ownsModel) {
        model.close();
      }
    }
  }

  /** A converted model as a benchmark target; its name says how many segments have no engine. */
  private record ConvertedTarget(ConvertedModel model, String name, String precision) implements InferenceTarget {
    @Override
    public Map<String, TensorInfo> inputs() {
      return model.inputs();
    }

    @Override
    public PreparedRun prepare(Map<String, TensorValue> batch) {
      return new PreparedRun() {
        private Map<String, TensorValue> last;

        @Override
        public void run() {
          last = model.run(batch);
        }

        @Override
        public Map<String, TensorValue> outputs() {
          if (last == null) {
            throw new IllegalStateException("outputs() before the first run()");
          }
          return last;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
