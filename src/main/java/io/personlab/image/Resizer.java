package io.personlab.image;

import io.personlab.geometry.FrameTransform;

/**
 * Resizes an image for a network of a given stride: the long side becomes {@code longSide}
 * (the other in proportion), then the image is padded on the right and bottom to the next size
 * of the form stride*k + 1, where output cell centres fall exactly on input pixels. Resampling is
 * separable with a triangle filter widened by the downscale factor (antialiased, like PIL's
 * bilinear), pixel centres aligned, so image pixel u sits at network pixel
 * u * s + (s - 1) / 2 exactly. Values are written normalised (v * scale + offset); padding is
 * the normalised value of mid-gray.
 */
public final class Resizer {
  private Resizer() {}

  /** The padded network size for a size: the smallest stride*k + 1 at least {@code size}. */
  public static int paddedSize(int size, int stride) {
    return ((size - 1 + stride - 1) / stride) * stride + 1;
  }

  public static NetworkInput forNetwork(RgbImage img, int longSide, int stride, boolean bgr,
      double scale, double offset) {
    return forNetwork(DecodedImage.full(img), longSide, stride, bgr, scale, offset);
  }

  /**
   * The same for an image decoded at reduced size: sizes and the transform are those of the
   * original image; the filter is centred where the transform puts each network pixel, in the
   * coordinates of the decoded pixels.
   */
  public static NetworkInput forNetwork(DecodedImage img, int longSide, int stride, boolean bgr,
      double scale, double offset) {
    if (longSide < 1) {
      throw new IllegalArgumentException("long side must be positive");
    }
    int w0 = img.width(), h0 = img.height();
    double s = (double) longSide / Math.max(w0, h0);
    int w1 = Math.max(1, (int) Math.round(w0 * s));
    int h1 = Math.max(1, (int) Math.round(h0 * s));
    int wp = paddedSize(w1, stride), hp = paddedSize(h1, stride);
    double sx = (double) w1 / w0, sy = (double) h1 / h0;
    float[] out = new float[hp * wp * 3];
    float pad = (float) (127.5 * scale + offset);
    java.util.Arrays.fill(out, pad);
    // Vertical pass first, into a float buffer (h1 x wd x 3): whole rows at a time, a plain loop
    // the JIT vectorises. The horizontal taps, gathers that do not vectorise, then run on the h1
    // output rows only rather than on every decoded row.
    int wd = img.pixels().width(), hd = img.pixels().height();
    Weights wx = Weights.of(wd, w1, sx, img.factor(), img.shiftX());
    Weights wy = Weights.of(hd, h1, sy, img.factor(), img.shiftY());
    int n = 3 * wd;
    float[] tmp = new float[h1 * n];
    byte[] src = img.pixels().rgb();
    for (int y = 0; y < h1; y++) {
      int t = y * n;
      for (int i = 0, base = y * wy.taps, row = wy.start[y] * n; i < wy.count[y]; i++, row += n) {
        float w = wy.weight[base + i];
        for (int k = 0; k < n; k++) {
          tmp[t + k] += w * (src[row + k] & 0xff);
        }
      }
    }
    float fs = (float) scale, fo = (float) offset;
    int c0 = bgr ? 2 : 0, c2 = bgr ? 0 : 2;
    for (int y = 0; y < h1; y++) {
      int srcRow = y * n, dstRow = 3 * y * wp;
      for (int x = 0; x < w1; x++) {
        float r = 0, g = 0, b = 0;
        int start = wx.start[x];
        for (int i = 0, base = x * wx.taps; i < wx.count[x]; i++) {
          float w = wx.weight[base + i];
          int p = srcRow + 3 * (start + i);
          r += w * tmp[p];
          g += w * tmp[p + 1];
          b += w * tmp[p + 2];
        }
        int d = dstRow + 3 * x;
        out[d + c0] = clamp(r) * fs + fo;
        out[d + 1] = clamp(g) * fs + fo;
        out[d + c2] = clamp(b) * fs + fo;
      }
    }
    FrameTransform tf = new FrameTransform(w0, h0, sx, sy, (sx - 1) / 2, (sy - 1) / 2);
    return new NetworkInput(out, hp, wp, tf);
  }

  private static float clamp(float v) {
    return v < 0 ? 0 : (v > 255 ? 255 : v);
  }

  /** Per output index: first source index, number of taps and normalised weights. */
  private static final class Weights {
    final int taps;
    final int[] start;
    final int[] count;
    final float[] weight;

    private Weights(int taps, int n) {
      this.taps = taps;
      start = new int[n];
      count = new int[n];
      weight = new float[taps * n];
    }

    /**
     * Weights from {@code in} source pixels, decoded at 1/factor with the given shift, to
     * {@code out} pixels at scale {@code s} of the original image.
     */
    static Weights of(int in, int out, double s, int factor, int shift) {
      // Triangle radius in source pixels: 1/s original pixels when downscaling (antialiased).
      // A decoded pixel already averages factor x factor originals (variance (f^2 - 1) / 12 per
      // axis), so the triangle narrows to keep the total blur (variance r^2 / 6) the same.
      double r = s < 1 ? Math.sqrt(Math.max(0, 1 / (s * s) - (factor * factor - 1) / 2.0)) / factor : 1.0 / factor;
      double support = Math.max(1, r);
      int taps = (int) Math.ceil(support) * 2 + 1;
      Weights w = new Weights(taps, out);
      for (int o = 0; o < out; o++) {
        // original coordinate u = (o + 0.5) / s - 0.5 of the output pixel centre, in decoded
        // pixels, whose centres sit at u = (i + 0.5) * factor - 0.5 - shift
        double centre = ((o + 0.5) / s + shift) / factor - 0.5;
        int lo = Math.max(0, (int) Math.floor(centre - support));
        int hi = Math.min(in - 1, (int) Math.ceil(centre + support));
        double sum = 0;
        int n = 0;
        for (int i = lo; i <= hi && n < taps; i++) {
          double t = 1 - Math.abs(i - centre) / support;
          if (t > 0) {
            if (n == 0) {
              w.start[o] = i;
            }
            w.weight[o * taps + n] = (float) t;
            sum += t;
            n++;
          } else if (n > 0) {
            break;
          }
        }
        if (n == 0) { // tiny image: nearest pixel
          w.start[o] = Math.min(in - 1, Math.max(0, (int) Math.round(centre)));
          w.weight[o * taps] = 1;
          n = 1;
          sum = 1;
        }
        for (int i = 0; i < n; i++) {
          w.weight[o * taps + i] /= (float) sum;
        }
        w.count[o] = n;
      }
      return w;
    }
  }
}
