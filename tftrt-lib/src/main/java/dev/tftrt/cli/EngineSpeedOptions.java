package dev.tftrt.cli;

import dev.tftrt.TrtConversionParams;
import picocli.CommandLine.Option;

/** The engine options that change speed but not what is converted, shared by {@code convert} and {@code bench}. */
final class EngineSpeedOptions {
  @Option(names = "--cuda-graphs", description = "replay each engine's enqueue as a CUDA graph while input shapes "
      + "repeat")
  boolean cudaGraphs;

  @Option(names = "--tf32", description = "let FP32 layers use TF32 tensor cores (faster on Ampere and newer GPUs; "
      + "errors near 1e-3 instead of 1e-6; bench names the FP32 row FP32+TF32)")
  boolean tf32;

  /** {@code params} with these options set. */
  TrtConversionParams.Builder applyTo(TrtConversionParams.Builder params) {
    return params.cudaGraphs(cudaGraphs).allowTf32(tf32);
  }
}
