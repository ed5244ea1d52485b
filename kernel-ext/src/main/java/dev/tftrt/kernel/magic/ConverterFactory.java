package dev.tftrt.kernel.magic;

import dev.tftrt.TrtConversionParams;
import dev.tftrt.TrtGraphConverterV2;
import java.nio.file.Path;

/** Opens a SavedModel for conversion, as {@code new TrtGraphConverterV2(dir, params)} does in a cell. */
@FunctionalInterface
public interface ConverterFactory {
  TrtGraphConverterV2 open(Path savedModel, TrtConversionParams params);
}
