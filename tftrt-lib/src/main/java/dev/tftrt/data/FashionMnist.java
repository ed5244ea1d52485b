package dev.tftrt.data;

import dev.tftrt.TftrtException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Zalando, MIT): 60,000 training and 10,000 test images of clothing, 28x28, ten classes, as the
 * Debian package {@code dataset-fashion-mnist} installs it.
 */
public final class FashionMnist {
  /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
  public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  /** Label {@code i} names class {@code CLASS_NAMES.get(i)}. */
  public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  private FashionMnist() {}

  /** The 60,000 training images from {@link #DEFAULT_DIR}. */
  public static IdxDataset train() {
    return train(DEFAULT_DIR);
  }

  /** The 10,000 test images from {@link #DEFAULT_DIR}. */
  public static IdxDataset test() {
    return test(DEFAULT_DIR);
  }

  public static IdxDataset train(Path dir) {
    return read(dir, "train");
  }

  public static IdxDataset test(Path dir) {
    return read(dir, "t10k");
  }

  /** Whether both splits are in {@link #DEFAULT_DIR}. */
  public static boolean isInstalled() {
    return isInstalled(DEFAULT_DIR);
  }

  public static boolean isInstalled(Path dir) {
    return List.of("train", "t10k").stream().allMatch(split ->
        Files.isRegularFile(images(dir, split)) && Files.isRegularFile(labels(dir, split)));
  }

  private static IdxDataset read(Path dir, String split) {
    for (Path file : List.of(images(dir, split), labels(dir, split))) {
      if (!Files.isRegularFile(file)) {
        throw new TftrtException("Fashion-MNIST is not in " + dir + " (" + file.getFileName() + " is missing); "
            + "install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), "
            + "or give the directory that holds " + split + "-images-idx3-ubyte.gz and "
            + split + "-labels-idx1-ubyte.gz");
      }
    }
    return IdxDataset.read(images(dir, split), labels(dir, split));
  }

  private static Path images(Path dir, String split) {
    return dir.resolve(split + "-images-idx3-ubyte.gz");
  }

  private static Path labels(Path dir, String split) {
    return dir.resolve(split + "-labels-idx1-ubyte.gz");
  }
}
