package dev.tftrt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On the real files of the Debian package dataset-fashion-mnist (installed by ./tftrt and CI). */
class FashionMnistTest {
  @Test
  void trainSplitHasSixtyThousandBalancedImages() {
    IdxDataset train = FashionMnist.train();
    assertEquals(60_000, train.size());
    assertEquals(28, train.rows());
    assertEquals(28, train.cols());
    assertEquals(9, train.label(0), "the first training image is an ankle boot");
    int[] counts = train.labelCounts();
    assertEquals(10, counts.length);
    assertTrue(Arrays.stream(counts).allMatch(c -> c == 6_000), Arrays.toString(counts));
  }

  @Test
  void testSplitHasTenThousandImagesAsFloatBatches() {
    IdxDataset test = FashionMnist.test();
    assertEquals(10_000, test.size());
    assertArrayEquals(new int[] {9, 2, 1, 1, 6}, test.batch(0, 5).labels());
    assertEquals(FashionMnist.CLASS_NAMES.size(), test.labelCounts().length);
    LabeledBatch b = test.batch(9_990, 10);
    assertArrayEquals(new long[] {10, 28, 28, 1}, b.shape());
    double max = 0;
    for (float v : b.images()) {
      assertTrue(v >= 0 && v <= 1, "scaled to [0, 1]: " + v);
      max = Math.max(max, v);
    }
    assertEquals(1.0, max, 1e-6, "the brightest pixel is 255");
  }

  @Test
  void missingFilesNameTheDebianPackage(@TempDir Path empty) {
    TftrtException e = assertThrows(TftrtException.class, () -> FashionMnist.test(empty));
    assertTrue(e.getMessage().contains("dataset-fashion-mnist") && e.getMessage().contains(empty.toString()),
        e.getMessage());
    assertTrue(!FashionMnist.isInstalled(empty) && FashionMnist.isInstalled());
  }
}
