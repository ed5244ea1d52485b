package dev.tftrt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tftrt.TftrtException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.types.TFloat32;

class IdxDatasetTest {
  @TempDir Path dir;

  @Test
  void readsPlainAndGzippedFilesAlike() throws IOException {
    byte[] images = idx(3, new int[] {3, 2, 2}, new byte[] {0, 51, (byte) 255, 0, 1, 2, 3, 4, 9, 9, 9, 9});
    byte[] labels = idx(1, new int[] {3}, new byte[] {7, 0, 9});
    IdxDataset plain = IdxDataset.read(write("i", images, false), write("l", labels, false));
    IdxDataset gzip = IdxDataset.read(write("i.gz", images, true), write("l.gz", labels, true));
    for (IdxDataset d : new IdxDataset[] {plain, gzip}) {
      assertEquals(3, d.size());
      assertEquals(2, d.rows());
      assertEquals(2, d.cols());
      assertEquals(7, d.label(0));
      assertArrayEquals(new int[] {0, 51, 255, 0}, d.pixels(0));
      LabeledBatch b = d.batch(0, 2);
      assertArrayEquals(new long[] {2, 2, 2, 1}, b.shape());
      assertArrayEquals(new int[] {7, 0}, b.labels());
      assertEquals(0.2f, b.images()[1], 1e-6f);
      assertEquals(1f, b.images()[2], 0f);
      assertEquals(4 / 255f, b.images()[7], 1e-7f);
      try (TFloat32 t = b.tensor()) {
        assertEquals(1f, t.getFloat(0, 1, 0, 0), 0f);
      }
    }
  }

  @Test
  void shuffleKeepsEachImageWithItsLabel() throws IOException {
    int n = 50;
    byte[] pixels = new byte[n];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      pixels[i] = (byte) i;
      labels[i] = (byte) (i % 10);
    }
    IdxDataset d = IdxDataset.read(write("i", idx(3, new int[] {n, 1, 1}, pixels), false),
        write("l", idx(1, new int[] {n}, labels), false));
    IdxDataset s = d.shuffled(1);
    IdxDataset again = d.shuffled(1);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = s.pixels(i)[0];
      assertEquals(order[i] % 10, s.label(i), "label travels with its image");
      assertEquals(order[i], again.pixels(i)[0], "same seed, same order");
    }
    int[] sorted = order.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < n; i++) {
      assertEquals(i, sorted[i], "a permutation");
    }
    assertNotEquals(Arrays.toString(sorted), Arrays.toString(order), "the order changed");
    assertArrayEquals(d.labelCounts(), s.labelCounts());
    assertEquals(5, s.first(5).size());
  }

  @Test
  void badFilesGetOneClearMessage() throws IOException {
    Path labels = write("l", idx(1, new int[] {2}, new byte[] {1, 2}), false);
    Path images = write("i", idx(3, new int[] {3, 1, 1}, new byte[] {1, 2, 3}), false);
    assertMessage(() -> IdxDataset.read(images, labels), "3 images", "2 labels");
    assertMessage(() -> IdxDataset.read(labels, labels), "not an IDX file", "3 dimension");
    byte[] whole = idx(3, new int[] {4, 2, 2}, new byte[16]);
    Path truncated = write("t.gz", Arrays.copyOf(whole, whole.length - 3), true);
    assertMessage(() -> IdxDataset.read(truncated, labels), "truncated");
    assertMessage(() -> IdxDataset.read(dir.resolve("none"), labels), "does not exist");
    IdxDataset d = IdxDataset.read(write("i2", idx(3, new int[] {2, 1, 1}, new byte[2]), false), labels);
    assertMessage(() -> d.batch(1, 2), "outside", "2 images");
  }

  private static void assertMessage(Runnable action, String... parts) {
    TftrtException e = assertThrows(TftrtException.class, action::run);
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), e.getMessage());
    }
  }

  private Path write(String name, byte[] content, boolean gzip) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      out.write(content);
    }
    return file;
  }

  private static byte[] idx(int rank, int[] dims, byte[] values) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(0x0800 | rank);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(values);
    }
    return bytes.toByteArray();
  }
}
