package dev.tftrt.cli;

import dev.tftrt.Precision;
import dev.tftrt.TftrtException;
import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import dev.tftrt.data.IdxDataset;
import dev.tftrt.data.InputBatches;
import dev.tftrt.graph.TensorValue;
import dev.tftrt.runtime.ConvertedModel;
import dev.tftrt.runtime.ConvertedModelFiles;
import dev.tftrt.savedmodel.SignatureTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tftrt convert <saved_model_dir> --output <dir>}: plans, calibrates (INT8), builds the engines and
 * writes the converted model. Without TensorRT the model is still converted and saved (its engines are built
 * when it is loaded where TensorRT is), and the output says so.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
    description = {"Convert a SavedModel with TF-TRT: segments become TensorRT engines, written with the frozen "
        + "graph to a converted-model directory (load it with ConvertedModel.load).",
        "Without a GPU the model is converted and saved without engines, and the output says why."})
public final class ConvertCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "<saved_model_dir>", description = "the SavedModel to convert")
  Path model;

  @Option(names = "--output", required = true, paramLabel = "DIR",
      description = "where to write the converted model (a new directory, or an earlier converted model to replace)")
  Path output;

  @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "1",
      description = "largest batch the engines' profile covers (default: ${DEFAULT-VALUE})")
  int maxBatchSize;

  @Option(names = "--workspace", paramLabel = "SIZE", defaultValue = "1G",
      description = "TensorRT workspace limit per engine: bytes, or with K, M, G (default: ${DEFAULT-VALUE})")
  String workspace;

  @Option(names = "--maximum-cached-engines", paramLabel = "N", defaultValue = "1",
      description = "engines per segment for different input shapes (default: ${DEFAULT-VALUE})")
  int maximumCachedEngines;

  @Option(names = "--no-build-at-runtime", description = "segments without a fitting engine run in TensorFlow "
      + "instead of getting a new engine at run time")
  boolean noBuildAtRuntime;

  @Option(names = "--builder-optimization-level", paramLabel = "L", defaultValue = "3",
      description = "TensorRT's builder optimization level, 0 (fastest build) to 5 (most tactics tried) "
          + "(default: ${DEFAULT-VALUE})")
  int builderOptimizationLevel;

  @Option(names = "--contexts-per-engine", paramLabel = "N", defaultValue = "1",
      description = "concurrent calls one engine serves (one optimization profile each: longer builds, more GPU "
          + "memory) (default: ${DEFAULT-VALUE})")
  int contextsPerEngine;

  @Mixin
  EngineSpeedOptions speed;

  @Mixin
  MetaGraphOptions metaGraph;

  @Mixin
  PlanningOptions planning;

  @Option(names = "--calibration-data", paramLabel = "DIR",
      description = "INT8 calibration images: a Fashion-MNIST directory (train-images-idx3-ubyte.gz ...) or one "
          + "with mnist10k-images-idx3-ubyte.gz; 'fashion-mnist' for /usr/share/datasets/fashion-mnist")
  String calibrationData;

  @Option(names = "--calibration-images", paramLabel = "N", defaultValue = "500",
      description = "images drawn (shuffled, --seed) for INT8 calibration (default: ${DEFAULT-VALUE})")
  int calibrationImages;

  @Option(names = "--seed", defaultValue = "42", description = "seed for drawing calibration images "
      + "(default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    TrtConversionParams params = speed.applyTo(planning.params()).maxBatchSize(maxBatchSize)
        .maxWorkspaceSizeBytes(bytes(workspace)).maximumCachedEngines(maximumCachedEngines)
        .allowBuildAtRuntime(!noBuildAtRuntime).builderOptimizationLevel(builderOptimizationLevel)
        .executionContextsPerEngine(contextsPerEngine).build();
    if (params.precisionMode() == Precision.INT8 && calibrationData == null) {
      throw new TftrtException("INT8 needs calibration images: give --calibration-data (e.g. fashion-mnist), "
          + "or use --precision FP16 or FP32");
    }
    if (params.precisionMode() != Precision.INT8 && calibrationData != null) {
      throw new TftrtException("--calibration-data is only used for INT8; drop it or use --precision INT8");
    }
    if (calibrationImages < 1) {
      throw new TftrtException("--calibration-images must be >= 1, got " + calibrationImages);
    }
    ConvertedModelFiles.requireWritable(output, model);
    TrtGraphConverterV2 converter = new TrtGraphConverterV2(model, metaGraph.tag, metaGraph.signature, params)
        .withProgress(message -> System.err.println("  " + message));
    if (params.precisionMode() == Precision.INT8) {
      converter.convert(calibration(converter.prepared().model().inputs()));
    } else {
      converter.convert();
    }
    System.out.println(converter.summary().toText());
    try (ConvertedModel converted = converter.build(null)) {
      Path written = converter.save(output);
      System.out.println("wrote " + written);
      if (converted.tensorRt().available()) {
        converted.segments().forEach(s -> System.out.println("  " + s));
        converter.fusions().ifPresent(f -> {
          System.out.println();
          System.out.print(f);
          System.out.print(f.compareWith(converter.plan().fusions()));
        });
      } else {
        System.out.println("no engines were built (" + converted.tensorRt().describe() + "); they are built when "
            + "the model is loaded where TensorRT is" + (noBuildAtRuntime ? " (or the segments run in TensorFlow: "
            + "--no-build-at-runtime)" : ""));
      }
    }
    return 0;
  }

  private List<Map<String, TensorValue>> calibration(List<SignatureTensor> inputs) {
    if (inputs.size() != 1) {
      throw new TftrtException("calibration from images needs a model with one input; this one takes "
          + inputs.stream().map(SignatureTensor::toString).toList());
    }
    IdxDataset data = BenchCommand.dataset(calibrationData, "train").shuffled(seed).first(calibrationImages);
    return InputBatches.forCalibration(data, inputs.get(0).key(), maxBatchSize);
  }

  /** {@code 1073741824}, {@code 512M}, {@code 1G}, {@code 64k}. */
  static long bytes(String size) {
    String s = size.trim().toUpperCase(Locale.ROOT);
    long unit = 1;
    if (s.endsWith("K") || s.endsWith("M") || s.endsWith("G")) {
      unit = s.endsWith("K") ? 1L << 10 : s.endsWith("M") ? 1L << 20 : 1L << 30;
      s = s.substring(0, s.length() - 1);
    }
    try {
      return Math.multiplyExact(Long.parseLong(s), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new TftrtException("--workspace '" + size + "' is not a size; give bytes or a number with K, M or G "
          + "(e.g. 512M, 1G)");
    }
  }
}
