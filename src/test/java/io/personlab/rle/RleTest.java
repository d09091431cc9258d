package io.personlab.rle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RLE behaviour on small hand-made masks whose answers can be worked out by hand. */
class RleTest {

  /** 3x4 mask (h=3, w=4), column-major: columns x=0..3. */
  private static final byte[] MASK = {
    0, 1, 1, // x=0
    0, 1, 0, // x=1
    0, 0, 0, // x=2
    1, 1, 1, // x=3
  };

  @Test
  void encodesColumnMajorRunsStartingWithBackground() {
    Rle rle = Rle.encode(MASK, 3, 4);
    assertArrayEquals(new int[] {1, 2, 1, 1, 4, 3}, rle.counts());
    assertEquals(6, rle.area());
    assertArrayEquals(MASK, rle.decode());
  }

  @Test
  void maskStartingWithForegroundHasLeadingZero() {
    Rle rle = Rle.encode(new byte[] {1, 1, 0, 0}, 2, 2);
    assertArrayEquals(new int[] {0, 2, 2}, rle.counts());
  }

  @Test
  void bboxFollowsMaskApiIncludingColumnCrossingRuns() {
    // foreground run from (x=0,y=1) through (x=1,y=1): crosses a column, so full height
    assertArrayEquals(new double[] {0, 0, 4, 3}, Rle.encode(MASK, 3, 4).toBbox());
    byte[] single = new byte[12];
    single[1 * 3 + 2] = 1; // x=1, y=2
    assertArrayEquals(new double[] {1, 2, 1, 1}, Rle.encode(single, 3, 4).toBbox());
    assertArrayEquals(new double[] {0, 0, 0, 0}, Rle.empty(3, 4).toBbox());
  }

  @Test
  void compressedStringRoundTripsOnRandomMasks() {
    Random random = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      int h = 1 + random.nextInt(60), w = 1 + random.nextInt(60);
      byte[] mask = new byte[h * w];
      double density = random.nextDouble();
      for (int i = 0; i < mask.length; i++) {
        mask[i] = (byte) (random.nextDouble() < density ? 1 : 0);
      }
      Rle rle = Rle.encode(mask, h, w);
      assertEquals(rle, Rle.fromCompressedString(rle.toCompressedString(), h, w));
      assertArrayEquals(mask, rle.decode());
    }
  }

  @Test
  void knownCompressedString() {
    // pycocotools: encode(np.asfortranarray([[0,1],[1,1]], dtype=uint8)) -> counts b'12'... computed by hand:
    // column-major 0,1,1,1 -> runs [1,3] -> chars '1','3'
    assertEquals("13", Rle.encode(new byte[] {0, 1, 1, 1}, 2, 2).toCompressedString());
    // large run: 1000 = 0b1111101000 -> groups 01000 (more) 11111 -> '8'+32='X', 31 with sign bit set needs one more
    int[] counts = RleStrings.decompress(Rle.empty(40, 25).toCompressedString());
    assertArrayEquals(new int[] {1000}, counts);
  }

  @Test
  void mergeAndIouWithCrowdSemantics() {
    byte[] a = new byte[16];
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      a[i] = 1; // columns 0-1
    }
    for (int i = 4; i < 12; i++) {
      b[i] = 1; // columns 1-2
    }
    Rle ra = Rle.encode(a, 4, 4);
    Rle rb = Rle.encode(b, 4, 4);
    assertEquals(12, RleOps.merge(List.of(ra, rb), false).area());
    assertEquals(4, RleOps.merge(List.of(ra, rb), true).area());
    double[][] iou = RleOps.iou(List.of(ra), List.of(rb, rb), new boolean[] {false, true});
    assertEquals(4.0 / 12.0, iou[0][0], 0.0);
    assertEquals(4.0 / 8.0, iou[0][1], 0.0); // crowd: intersection over detection area
    double[][] mismatch = RleOps.iou(List.of(Rle.encode(a, 4, 4)), List.of(Rle.encode(a, 2, 8)), null);
    assertEquals(-1.0, mismatch[0][0], 0.0);
  }

  @Test
  void boxRasterisesToItsPixels() {
    Rle box = Polygons.fromBox(1, 1, 2, 3, 5, 5);
    assertEquals(6, box.area());
    assertArrayEquals(new double[] {1, 1, 2, 3}, box.toBbox());
  }

  @Test
  void polygonLeavingTheImageIsClipped() {
    Rle rle = Polygons.fromPolygon(new double[] {-10, -10, 20, -10, 20, 20, -10, 20}, 6, 8);
    assertEquals(48, rle.area());
  }

  @Test
  void corruptStringsAreRefusedWithTheirOffset() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RleStrings.decompress("13~"));
    assertEquals("RLE string has character '~' at offset 2 (allowed: '0'..'o')", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RleStrings.decompress("1h")); // cut mid-count
  }
}
