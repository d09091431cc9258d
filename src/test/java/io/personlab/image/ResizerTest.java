package io.personlab.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.geometry.FrameTransform;
import org.junit.jupiter.api.Test;

/** Network input sizes and the exact image -> network transform. */
class ResizerTest {
  private static RgbImage gradient(int w, int h) {
    byte[] rgb = new byte[3 * w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int o = 3 * (y * w + x);
        rgb[o] = (byte) (x * 255 / (w - 1));
        rgb[o + 1] = (byte) (y * 255 / (h - 1));
        rgb[o + 2] = (byte) 128;
      }
    }
    return new RgbImage(w, h, rgb);
  }

  @Test
  void longSideAndStrideAlignedPadding() {
    NetworkInput in = Resizer.forNetwork(gradient(640, 427), 513, 16, false, 1 / 127.5, -1);
    assertEquals(513, in.width());
    assertEquals(353, in.height()); // 427 * 513/640 = 342 -> padded to 16*22+1
    assertEquals(Resizer.paddedSize(342, 16), 353);
    assertEquals(17, Resizer.paddedSize(17, 16));
    assertEquals(33, Resizer.paddedSize(18, 16));
  }

  @Test
  void imagePixelsMapToTheNetworkPixelsThatShowThem() {
    RgbImage img = gradient(200, 100);
    NetworkInput in = Resizer.forNetwork(img, 401, 8, false, 1, 0); // raw 0..255 values
    FrameTransform tf = in.transform();
    // red encodes x: an image column u appears at network x = tf.toFrameX(u)
    for (int u : new int[] {20, 100, 180}) {
      double x = tf.toFrameX(u);
      int nx = (int) Math.round(x);
      float red = in.data()[3 * (50 * in.width() + nx)];
      double expected = (tf.toImageX(nx)) * 255.0 / 199;
      assertEquals(expected, red, 1.5, "column " + u);
    }
    assertEquals(401.0 / 200, tf.scaleX(), 1e-12);
    assertEquals(0.5 * (401.0 / 200 - 1), tf.offsetX(), 1e-12);
    // padding (an image 90 high becomes 180 rows, padded to 185) is normalised mid-gray
    NetworkInput padded = Resizer.forNetwork(gradient(200, 90), 401, 8, false, 1, 0);
    assertEquals(185, padded.height());
    assertEquals(127.5f, padded.data()[3 * (padded.height() - 1) * padded.width()], 0f);
    assertEquals(0f, padded.data()[3 * 179 * padded.width()], 0f); // last image row, column 0: red 0
  }

  /**
   * The transform is exact, not just close: on an image of single bright pixels (where a shift
   * of half a frame pixel changes a resampled value by tens of grey levels), every frame pixel
   * holds what the antialiased triangle filter, centred at the source position the transform maps
   * that frame pixel to, predicts. The prediction is computed here independently of the
   * resizer's weight tables; float rounding keeps the measured error below 1e-3 grey levels, so
   * the tolerance (0.01) is two orders of magnitude below the effect of a 0.05 px misalignment.
   */
  @Test
  void everyFramePixelHoldsTheFilterAppliedAtItsMappedSourcePosition() {
    for (int[] c : new int[][] {{300, 200, 97, 16}, {300, 200, 161, 8}, {40, 30, 129, 8}, {37, 23, 91, 1}}) {
      int w0 = c[0], h0 = c[1];
      RgbImage img = dots(w0, h0);
      NetworkInput in = Resizer.forNetwork(img, c[2], c[3], false, 1, 0);
      FrameTransform tf = in.transform();
      double s = (double) c[2] / Math.max(w0, h0);
      int w1 = (int) Math.round(w0 * s), h1 = (int) Math.round(h0 * s);
      assertEquals((double) w1 / w0, tf.scaleX(), 1e-12);
      assertEquals((double) h1 / h0, tf.scaleY(), 1e-12);
      double worst = 0;
      for (int y = 0; y < h1; y++) {
        double[] ky = kernel(h0, tf.toImageY(y), tf.scaleY());
        for (int x = 0; x < w1; x++) {
          double[] kx = kernel(w0, tf.toImageX(x), tf.scaleX());
          double expected = 0;
          for (int v = 0; v < h0; v++) {
            for (int u = 0; u < w0; u++) {
              if (ky[v] != 0 && kx[u] != 0) {
                expected += ky[v] * kx[u] * (img.rgb()[3 * (v * w0 + u)] & 0xff);
              }
            }
          }
          float got = in.data()[3 * (y * in.width() + x)];
          worst = Math.max(worst, Math.abs(got - expected));
          assertEquals(expected, got, 0.01, "frame pixel (" + x + ", " + y + ") of " + w0 + "x" + h0
              + " -> long side " + c[2] + ": source (" + tf.toImageX(x) + ", " + tf.toImageY(y) + ")");
        }
      }
      assertTrue(worst < 1e-3, "float rounding only: worst error " + worst);
    }
  }

  /**
   * The bright pixels map exactly: an isolated bright pixel at image (u, v), upscaled by an odd
   * integer factor, lands on the single frame pixel (tf.toFrameX(u), tf.toFrameY(v)), which
   * holds full brightness, its neighbours 1/3 less per step (a half-pixel error moves the peak).
   */
  @Test
  void aBrightPixelLandsOnTheFramePixelTheTransformNames() {
    RgbImage img = dots(40, 30); // bright pixels at (u, v) with u % 7 == 3 and v % 5 == 2
    NetworkInput in = Resizer.forNetwork(img, 120, 1, false, 1, 0); // scale 3, offset 1
    FrameTransform tf = in.transform();
    for (int u = 3; u < 40; u += 7) {
      for (int v = 2; v < 30; v += 5) {
        double fx = tf.toFrameX(u), fy = tf.toFrameY(v);
        int x = (int) Math.round(fx), y = (int) Math.round(fy);
        assertEquals(x, fx, 1e-9, "frame x of image column " + u);
        assertEquals(y, fy, 1e-9, "frame y of image row " + v);
        assertEquals(255f, in.data()[3 * (y * in.width() + x)], 1e-3f, "peak at (" + u + ", " + v + ")");
        assertEquals(170f, in.data()[3 * (y * in.width() + x + 1)], 1e-3f);
        assertEquals(170f, in.data()[3 * ((y - 1) * in.width() + x)], 1e-3f);
        assertEquals(u, tf.toImageX(x), 1e-9);
        assertEquals(v, tf.toImageY(y), 1e-9);
      }
    }
  }

  /** Black, with a white pixel at every (u, v) with u % 7 == 3 and v % 5 == 2. */
  private static RgbImage dots(int w, int h) {
    byte[] rgb = new byte[3 * w * h];
    for (int v = 2; v < h; v += 5) {
      for (int u = 3; u < w; u += 7) {
        int o = 3 * (v * w + u);
        rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) 255;
      }
    }
    return new RgbImage(w, h, rgb);
  }

  /**
   * Normalised weights over the n source pixels of a triangle filter centred at source position
   * c, of radius 1/scale source pixels when downscaling (antialiased) and 1 when upscaling.
   */
  private static double[] kernel(int n, double c, double scale) {
    double radius = Math.max(1, 1 / scale);
    double[] k = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      k[i] = Math.max(0, 1 - Math.abs(i - c) / radius);
      sum += k[i];
    }
    for (int i = 0; i < n; i++) {
      k[i] /= sum;
    }
    return k;
  }

  /**
   * The reduced-decode mapping without a JPEG codec: a smooth pattern reduced 1/4 by block
   * averages (what DCT scaling approximates; a partial last block averages the pixels it has)
   * and then oriented, against the full image oriented, for all eight EXIF orientations of a
   * 203 x 149 image (3 and 1 pixels beyond the last full blocks). A block average is not the
   * full path's triangle filter, so values differ (measured worst 7.3 grey levels, at the image
   * border; 4.1 inside); but with the shift every orientation is the same computation mirrored,
   * so every orientation's worst difference equals orientation 1's (to float rounding), while
   * without the shift the flipped orientations are off by 17.5 (one pixel) to 59.6 (three).
   */
  @Test
  void aBlockAveragedImageGivesTheFullImagesInputInEveryOrientation() {
    int w = 203, h = 149, f = 4;
    RgbImage stored = smooth(w, h);
    RgbImage reduced = blockAverage(stored, f);
    double reference = 0;
    for (int orientation = 1; orientation <= 8; orientation++) {
      DecodedImage d = DecodedImage.oriented(reduced, w, h, f, orientation);
      RgbImage upright = Orientation.apply(stored, orientation);
      assertEquals(upright.width(), d.width());
      assertEquals(upright.height(), d.height());
      NetworkInput a = Resizer.forNetwork(d, 41, 8, false, 1, 0);
      NetworkInput b = Resizer.forNetwork(upright, 41, 8, false, 1, 0);
      assertEquals(b.transform(), a.transform());
      double worst = worst(a, b);
      if (orientation == 1) {
        reference = worst;
        assertTrue(worst < 8, "worst " + worst);
      }
      assertEquals(reference, worst, 1e-3, "orientation " + orientation);
      if (d.shiftX() != 0 || d.shiftY() != 0) {
        DecodedImage unshifted = new DecodedImage(d.pixels(), d.width(), d.height(), f, 0, 0);
        double off = worst(Resizer.forNetwork(unshifted, 41, 8, false, 1, 0), b);
        assertTrue(off > 16, "orientation " + orientation + ": without the shift, worst " + off);
      }
    }
  }

  private static double worst(NetworkInput a, NetworkInput b) {
    double worst = 0;
    for (int i = 0; i < a.data().length; i++) {
      worst = Math.max(worst, Math.abs(a.data()[i] - b.data()[i]));
    }
    return worst;
  }

  /** Slow sinusoids (periods 37 and 29 px) and a ramp, different per channel, so flips show. */
  private static RgbImage smooth(int w, int h) {
    byte[] rgb = new byte[3 * w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int o = 3 * (y * w + x);
        rgb[o] = (byte) Math.round(128 + 100 * Math.sin(2 * Math.PI * x / 37));
        rgb[o + 1] = (byte) Math.round(128 + 100 * Math.sin(2 * Math.PI * y / 29));
        rgb[o + 2] = (byte) ((x + y) / 2);
      }
    }
    return new RgbImage(w, h, rgb);
  }

  /** ceil(w/f) x ceil(h/f) block means, rounded; a partial block averages the pixels it covers. */
  private static RgbImage blockAverage(RgbImage img, int f) {
    int w = img.width(), h = img.height(), rw = (w + f - 1) / f, rh = (h + f - 1) / f;
    byte[] out = new byte[3 * rw * rh];
    for (int by = 0; by < rh; by++) {
      for (int bx = 0; bx < rw; bx++) {
        for (int c = 0; c < 3; c++) {
          int sum = 0, n = 0;
          for (int y = by * f; y < Math.min(h, by * f + f); y++) {
            for (int x = bx * f; x < Math.min(w, bx * f + f); x++) {
              sum += img.rgb()[3 * (y * w + x) + c] & 0xff;
              n++;
            }
          }
          out[3 * (by * rw + bx) + c] = (byte) Math.round((float) sum / n);
        }
      }
    }
    return new RgbImage(rw, rh, out);
  }

  @Test
  void bgrModelsGetChannelsSwapped() {
    RgbImage img = gradient(20, 10);
    NetworkInput rgb = Resizer.forNetwork(img, 20, 1, false, 1, 0);
    NetworkInput bgr = Resizer.forNetwork(img, 20, 1, true, 1, 0);
    assertEquals(rgb.data()[0], bgr.data()[2], 0f);
    assertEquals(rgb.data()[2], bgr.data()[0], 0f);
  }
}
