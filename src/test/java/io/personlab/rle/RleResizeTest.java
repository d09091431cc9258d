package io.personlab.rle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Nearest-neighbour resizing on runs equals decoding to pixels, resizing them and encoding again. */
class RleResizeTest {

  private static Rle byPixels(Rle m, int height, int width) {
    byte[] src = m.decode();
    byte[] out = new byte[height * width];
    for (int x = 0; x < width; x++) {
      int u = (int) Math.floor((x + 0.5) * m.width() / width);
      for (int y = 0; y < height; y++) {
        int v = (int) Math.floor((y + 0.5) * m.height() / height);
        out[x * height + y] = src[u * m.height() + v];
      }
    }
    return Rle.encode(out, height, width);
  }

  /** Random blobs: a few rectangles and some speckle, so runs cross column ends and touch edges. */
  private static Rle random(Random r, int height, int width) {
    byte[] px = new byte[height * width];
    for (int b = 0; b < 4; b++) {
      int x0 = r.nextInt(width), y0 = r.nextInt(height);
      int x1 = Math.min(width, x0 + 1 + r.nextInt(width)), y1 = Math.min(height, y0 + 1 + r.nextInt(height));
      for (int x = x0; x < x1; x++) {
        for (int y = y0; y < y1; y++) {
          px[x * height + y] = 1;
        }
      }
    }
    for (int i = 0; i < px.length / 20; i++) {
      px[r.nextInt(px.length)] ^= 1;
    }
    return Rle.encode(px, height, width);
  }

  @Test
  void matchesResizingThePixels() {
    Random r = new Random(7);
    int[][] sizes = { // source h, w, target h, w
      {7, 5, 23, 17}, {1, 1, 9, 4}, {12, 16, 3000 / 40, 4000 / 40}, {30, 40, 300, 400}, {577, 769, 3000, 4000},
      {97, 1201, 96, 1200}, {10, 10, 4, 7}, {13, 9, 13, 27},
    };
    for (int[] s : sizes) {
      for (int trial = 0; trial < 3; trial++) {
        Rle m = random(r, s[0], s[1]);
        assertEquals(byPixels(m, s[2], s[3]), RleOps.resize(m, s[2], s[3]),
            s[0] + "x" + s[1] + " -> " + s[2] + "x" + s[3]);
      }
    }
    Rle full = new Rle(4, 3, new int[] {0, 12});
    assertEquals(new Rle(8, 6, new int[] {0, 48}), RleOps.resize(full, 8, 6));
    assertEquals(Rle.empty(8, 6), RleOps.resize(Rle.empty(4, 3), 8, 6));
    assertSame(full, RleOps.resize(full, 4, 3));
  }
}
