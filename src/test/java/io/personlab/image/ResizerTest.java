package io.personlab.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

  @Test
  void bgrModelsGetChannelsSwapped() {
    RgbImage img = gradient(20, 10);
    NetworkInput rgb = Resizer.forNetwork(img, 20, 1, false, 1, 0);
    NetworkInput bgr = Resizer.forNetwork(img, 20, 1, true, 1, 0);
    assertEquals(rgb.data()[0], bgr.data()[2], 0f);
    assertEquals(rgb.data()[2], bgr.data()[0], 0f);
  }
}
