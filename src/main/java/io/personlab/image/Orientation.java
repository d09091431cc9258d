package io.personlab.image;

/** EXIF orientation (1..8) applied to pixels, so that images are upright as viewers show them. */
final class Orientation {
  private Orientation() {}

  static RgbImage apply(RgbImage img, int orientation) {
    if (orientation <= 1 || orientation > 8) {
      return img;
    }
    int w = img.width(), h = img.height();
    boolean swap = orientation >= 5; // 5..8 transpose the axes
    int ow = swap ? h : w, oh = swap ? w : h;
    byte[] src = img.rgb();
    byte[] out = new byte[src.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int nx, ny;
        switch (orientation) {
          case 2 -> { nx = w - 1 - x; ny = y; }
          case 3 -> { nx = w - 1 - x; ny = h - 1 - y; }
          case 4 -> { nx = x; ny = h - 1 - y; }
          case 5 -> { nx = y; ny = x; }
          case 6 -> { nx = h - 1 - y; ny = x; }
          case 7 -> { nx = h - 1 - y; ny = w - 1 - x; }
          default -> { nx = y; ny = w - 1 - x; } // 8
        }
        int s = 3 * (y * w + x), d = 3 * (ny * ow + nx);
        out[d] = src[s];
        out[d + 1] = src[s + 1];
        out[d + 2] = src[s + 2];
      }
    }
    return new RgbImage(ow, oh, out);
  }
}
