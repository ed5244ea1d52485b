package dev.tftrt.zoo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The zoo's models, generated once per test JVM (ResNet-50 takes about 10 s, the trained Fashion-MNIST
 * classifier about 15 s) into a temporary directory removed when the JVM exits. Tests must not modify them.
 */
public final class GeneratedModels {
  private static Path root;
  private static Path smallCnn;
  private static Path inceptionBlock;
  private static Path resnet50;
  private static FashionMnistClassifier.TrainingReport fashionMnist;

  private GeneratedModels() {}

  public static synchronized Path smallCnn() {
    if (smallCnn == null) {
      smallCnn = ModelZoo.smallCnn(root().resolve(ModelZoo.SMALL_CNN));
    }
    return smallCnn;
  }

  public static synchronized Path inceptionBlock() {
    if (inceptionBlock == null) {
      inceptionBlock = ModelZoo.inceptionBlock(root().resolve(ModelZoo.INCEPTION_BLOCK));
    }
    return inceptionBlock;
  }

  public static synchronized Path resnet50() {
    if (resnet50 == null) {
      resnet50 = ModelZoo.resnet50(root().resolve(ModelZoo.RESNET50));
    }
    return resnet50;
  }

  /** The classifier trained on all 60,000 training images for 2 epochs, with its report. */
  public static synchronized FashionMnistClassifier.TrainingReport fashionMnist() {
    if (fashionMnist == null) {
      fashionMnist = FashionMnistClassifier.train(root().resolve(ModelZoo.FASHION_MNIST), 2);
    }
    return fashionMnist;
  }

  private static Path root() {
    if (root == null) {
      try {
        root = Files.createTempDirectory("tftrt-zoo-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path dir = root;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(dir)));
    }
    return root;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort at exit
    }
  }
}
