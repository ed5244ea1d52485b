package dev.tftrt.cli;

import dev.tftrt.savedmodel.SavedModelFreezer;
import picocli.CommandLine.Option;

/** Which MetaGraphDef and signature of a SavedModel a command works on: the same two options everywhere. */
final class MetaGraphOptions {
  @Option(names = "--tag", paramLabel = "TAGS", defaultValue = SavedModelFreezer.DEFAULT_TAG,
      description = "MetaGraphDef tags, comma-separated (default: ${DEFAULT-VALUE})")
  String tag;

  @Option(names = "--signature", paramLabel = "KEY", defaultValue = SavedModelFreezer.DEFAULT_SIGNATURE,
      description = "signature key (default: ${DEFAULT-VALUE})")
  String signature;
}
