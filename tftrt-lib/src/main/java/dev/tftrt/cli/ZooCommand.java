package dev.tftrt.cli;

import dev.tftrt.zoo.FashionMnistClassifier;
import dev.tftrt.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tftrt zoo <name> <out_dir>}: writes one of the project's generated models as a SavedModel. */
@Command(name = "zoo", mixinStandardHelpOptions = true,
    description = {"Write a model generated with TensorFlow Java as a SavedModel (serve / serving_default, "
        + "input 'input' NHWC float32 with batch -1, output 'probabilities').",
        "Models: small-cnn [-1,32,32,3] -> 10, inception-block [-1,28,28,192] -> 10, "
            + "resnet50 (v1.5, random weights) [-1,224,224,3] -> 1000, "
            + "fashion-mnist (a CNN trained here on Fashion-MNIST, needs dataset-fashion-mnist) [-1,28,28,1] -> 10."})
public final class ZooCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "<name>",
      description = "small-cnn, inception-block, resnet50 or fashion-mnist")
  String name;

  @Parameters(index = "1", paramLabel = "<out_dir>",
      description = "directory to create (must not exist, or be empty); written atomically")
  Path out;

  @Option(names = "--epochs", defaultValue = "3", description = "fashion-mnist: training epochs (default: 3)")
  int epochs;

  @Option(names = "--train-images", defaultValue = "60000",
      description = "fashion-mnist: how many training images to use (default: all 60000)")
  int trainImages;

  @Override
  public Integer call() {
    long start = System.nanoTime();
    if (name.equals(ModelZoo.FASHION_MNIST)) {
      FashionMnistClassifier.TrainingReport report =
          FashionMnistClassifier.train(out, epochs, trainImages, System.err::println);
      System.out.printf("wrote %s to %s in %.1f s: test top-1 %.4f%n", name, report.model(), report.seconds(),
          report.testAccuracy());
      return 0;
    }
    Path written = ModelZoo.create(name, out);
    System.out.printf("wrote %s to %s in %.1f s%n", name, written, (System.nanoTime() - start) / 1e9);
    return 0;
  }
}
