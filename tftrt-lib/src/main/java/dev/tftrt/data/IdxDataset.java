package dev.tftrt.data;

import dev.tftrt.TftrtException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Labelled grey-scale images from a pair of IDX files (the MNIST format: big-endian header, unsigned bytes),
 * gzip-compressed or not: images {@code [n, rows, cols]} and labels {@code [n]}. Immutable; batches come out
 * as float NHWC {@code [b, rows, cols, 1]} scaled to [0, 1], the input the project's image models take.
 */
public final class IdxDataset {
  private static final int UNSIGNED_BYTE = 0x08;

  private final byte[] pixels;
  private final byte[] labels;
  private final int rows;
  private final int cols;

  private IdxDataset(byte[] pixels, byte[] labels, int rows, int cols) {
    this.pixels = pixels;
    this.labels = labels;
    this.rows = rows;
    this.cols = cols;
  }

  /** Reads an images file ({@code idx3}) and its labels file ({@code idx1}), each gzip-compressed or plain. */
  public static IdxDataset read(Path images, Path labels) {
    Idx imageFile = readIdx(images, 3);
    Idx labelFile = readIdx(labels, 1);
    if (imageFile.dims[0] != labelFile.dims[0]) {
      throw new TftrtException(images + " holds " + imageFile.dims[0] + " images but " + labels + " holds "
          + labelFile.dims[0] + " labels; give an images file and the labels file that belongs to it");
    }
    return new IdxDataset(imageFile.data, labelFile.data, imageFile.dims[1], imageFile.dims[2]);
  }

  public int size() {
    return labels.length;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** The label of image {@code i} (0..255; 0..9 for MNIST and Fashion-MNIST). */
  public int label(int i) {
    return Byte.toUnsignedInt(labels[checkIndex(i)]);
  }

  /** The raw pixels of image {@code i}, row-major, 0..255. */
  public int[] pixels(int i) {
    int pixelsPerImage = rows * cols;
    int[] out = new int[pixelsPerImage];
    int offset = checkIndex(i) * pixelsPerImage;
    for (int p = 0; p < pixelsPerImage; p++) {
      out[p] = Byte.toUnsignedInt(pixels[offset + p]);
    }
    return out;
  }

  /** Images {@code from .. from+count-1} as one float NHWC batch scaled to [0, 1], with their labels. */
  public LabeledBatch batch(int from, int count) {
    if (from < 0 || count < 0 || from + count > size()) {
      throw new TftrtException("batch [" + from + ", " + (from + count) + ") is outside the dataset's "
          + size() + " images");
    }
    int pixelsPerImage = rows * cols;
    float[] images = new float[count * pixelsPerImage];
    for (int p = 0; p < images.length; p++) {
      images[p] = Byte.toUnsignedInt(pixels[from * pixelsPerImage + p]) / 255f;
    }
    int[] batchLabels = new int[count];
    for (int i = 0; i < count; i++) {
      batchLabels[i] = label(from + i);
    }
    return new LabeledBatch(images, batchLabels, rows, cols);
  }

  /** The first {@code n} images (all of them when there are fewer). */
  public IdxDataset first(int n) {
    int count = Math.min(n, size());
    return new IdxDataset(Arrays.copyOf(pixels, count * rows * cols), Arrays.copyOf(labels, count), rows, cols);
  }

  /**
   * The same images in an order drawn from {@code seed} (Fisher-Yates): use it before taking a subset of a
   * dataset that is sorted by class.
   */
  public IdxDataset shuffled(long seed) {
    int n = size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int pixelsPerImage = rows * cols;
    byte[] newPixels = new byte[pixels.length];
    byte[] newLabels = new byte[n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(pixels, order[i] * pixelsPerImage, newPixels, i * pixelsPerImage, pixelsPerImage);
      newLabels[i] = labels[order[i]];
    }
    return new IdxDataset(newPixels, newLabels, rows, cols);
  }

  /** How many images carry each label, indexed by label. */
  public int[] labelCounts() {
    int[] counts = new int[256];
    int max = -1;
    for (byte b : labels) {
      int label = Byte.toUnsignedInt(b);
      counts[label]++;
      max = Math.max(max, label);
    }
    return Arrays.copyOf(counts, max + 1);
  }

  private int checkIndex(int i) {
    if (i < 0 || i >= size()) {
      throw new IndexOutOfBoundsException("image " + i + " of " + size());
    }
    return i;
  }

  private record Idx(int[] dims, byte[] data) {}

  private static Idx readIdx(Path file, int expectedRank) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        DataInputStream in = new DataInputStream(maybeGunzip(raw))) {
      int magic = in.readInt();
      int type = (magic >>> 8) & 0xff;
      int rank = magic & 0xff;
      if ((magic >>> 16) != 0 || type != UNSIGNED_BYTE || rank != expectedRank) {
        throw new TftrtException(file + " is not an IDX file of unsigned bytes with " + expectedRank
            + " dimension(s) (magic 0x" + Integer.toHexString(magic) + ", expected 0x"
            + Integer.toHexString(UNSIGNED_BYTE << 8 | expectedRank) + ")");
      }
      int[] dims = new int[rank];
      long total = 1;
      for (int d = 0; d < rank; d++) {
        dims[d] = in.readInt();
        total *= dims[d];
      }
      if (total > Integer.MAX_VALUE - 8 || total < 0) {
        throw new TftrtException(file + " declares " + total + " values, more than this reader holds");
      }
      byte[] data = new byte[(int) total];
      in.readFully(data);
      return new Idx(dims, data);
    } catch (NoSuchFileException e) {
      throw new TftrtException(file + " does not exist", e);
    } catch (EOFException e) {
      throw new TftrtException(file + " is truncated: it ends before the values its header declares", e);
    } catch (IOException e) {
      throw new TftrtException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static InputStream maybeGunzip(InputStream in) throws IOException {
    in.mark(2);
    int first = in.read();
    int second = in.read();
    in.reset();
    boolean gzip = first == 0x1f && second == 0x8b;
    return gzip ? new GZIPInputStream(in, 1 << 16) : in;
  }
}
