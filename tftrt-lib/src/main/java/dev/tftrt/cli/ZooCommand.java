package dev.tftrt.cli;

import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tftrt zoo <name> <out_dir>}: writes one of the project's generated models as a SavedModel. */
@Command(name = "zoo", mixinStandardHelpOptions = true,
    description = {"Write a model generated with TensorFlow Java as a SavedModel (serve / serving_default, "
        + "input 'input' NHWC float32 with batch -1, output 'probabilities').",
        "Models: small-cnn [-1,32,32,3] -> 10, inception-block [-1,28,28,192] -> 10, "
            + "resnet50 (v1.5, random weights) [-1,224,224,3] -> 1000."})
public final class ZooCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "<name>", description = "small-cnn, inception-block or resnet50")
  String name;

  @Parameters(index = "1", paramLabel = "<out_dir>",
      description = "directory to create (must not exist, or be empty); written atomically")
  Path out;

  @Override
  public Integer call() {
    long start = System.nanoTime();
    Path written = ModelZoo.create(name, out);
    System.out.printf("wrote %s to %s in %.1f s%n", name, written, (System.nanoTime() - start) / 1e9);
    return 0;
  }
}
