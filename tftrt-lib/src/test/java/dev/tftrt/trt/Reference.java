package dev.tftrt.trt;

import java.util.Random;

/** Plain Java computations that GPU results are checked against. */
final class Reference {
  private Reference() {}

  static float[] random(Random r, int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * scale);
    }
    return a;
  }

  /**
   * NCHW convolution with KCRS weights, stride 1, symmetric zero padding {@code pad}, optional bias and ReLU.
   */
  static float[] conv(float[] x, int n, int c, int h, int w, float[] kernel, float[] bias, int k, int r,
      int pad, boolean relu) {
    int oh = h + 2 * pad - r + 1;
    int ow = w + 2 * pad - r + 1;
    float[] y = new float[n * k * oh * ow];
    for (int b = 0; b < n; b++) {
      for (int o = 0; o < k; o++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            double s = bias == null ? 0 : bias[o];
            for (int ci = 0; ci < c; ci++) {
              for (int u = 0; u < r; u++) {
                int yy = i + u - pad;
                if (yy < 0 || yy >= h) {
                  continue;
                }
                for (int v = 0; v < r; v++) {
                  int xx = j + v - pad;
                  if (xx < 0 || xx >= w) {
                    continue;
                  }
                  s += x[((b * c + ci) * h + yy) * w + xx] * kernel[((o * c + ci) * r + u) * r + v];
                }
              }
            }
            y[((b * k + o) * oh + i) * ow + j] = relu ? (float) Math.max(0, s) : (float) s;
          }
        }
      }
    }
    return y;
  }

  /** Concatenation of NCHW tensors along channels. */
  static float[] concatChannels(int n, int hw, float[][] parts, int[] channels) {
    int total = 0;
    for (int c : channels) {
      total += c;
    }
    float[] y = new float[n * total * hw];
    for (int b = 0; b < n; b++) {
      int offset = 0;
      for (int p = 0; p < parts.length; p++) {
        System.arraycopy(parts[p], b * channels[p] * hw, y, (b * total + offset) * hw, channels[p] * hw);
        offset += channels[p];
      }
    }
    return y;
  }

  /** ||a - b|| / ||b||. */
  static double relativeL2(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      num += d * d;
      den += (double) b[i] * b[i];
    }
    return Math.sqrt(num / den);
  }
}
