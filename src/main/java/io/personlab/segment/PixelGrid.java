package io.personlab.segment;

import io.personlab.geometry.FrameTransform;
import io.personlab.maps.Grid;
import java.util.Arrays;

/**
 * Per image column and row: frame coordinate, grid quad and bilinear fraction (the pixel-to-grid
 * mapping of the masks, shared by {@link MaskAssociation} and the per-pixel reference in tests).
 */
final class PixelGrid {
  final int quadsX, quadsY;
  final int[] quadX, quadY;
  final double[] fracX, fracY, frameX, frameY;
  final int[] colStart, colEnd, rowStart, rowEnd; // image pixel range of each quad column/row

  PixelGrid(Grid g, FrameTransform tf) {
    quadsX = Math.max(1, g.width() - 1);
    quadsY = Math.max(1, g.height() - 1);
    quadX = new int[tf.imageWidth()];
    fracX = new double[tf.imageWidth()];
    frameX = new double[tf.imageWidth()];
    for (int u = 0; u < quadX.length; u++) {
      frameX[u] = tf.toFrameX(u);
      double gx = clamp(frameX[u] / g.stride(), g.width() - 1);
      quadX[u] = Math.min((int) gx, quadsX - 1);
      fracX[u] = g.width() == 1 ? 0 : gx - quadX[u];
    }
    quadY = new int[tf.imageHeight()];
    fracY = new double[tf.imageHeight()];
    frameY = new double[tf.imageHeight()];
    for (int v = 0; v < quadY.length; v++) {
      frameY[v] = tf.toFrameY(v);
      double gy = clamp(frameY[v] / g.stride(), g.height() - 1);
      quadY[v] = Math.min((int) gy, quadsY - 1);
      fracY[v] = g.height() == 1 ? 0 : gy - quadY[v];
    }
    colStart = new int[quadsX];
    colEnd = new int[quadsX];
    ranges(quadX, colStart, colEnd);
    rowStart = new int[quadsY];
    rowEnd = new int[quadsY];
    ranges(quadY, rowStart, rowEnd);
  }

  /** For each quad, the first and last pixel in it (an empty range: start > end). */
  private static void ranges(int[] quadOf, int[] start, int[] end) {
    java.util.Arrays.fill(start, Integer.MAX_VALUE);
    java.util.Arrays.fill(end, -1);
    for (int i = 0; i < quadOf.length; i++) {
      start[quadOf[i]] = Math.min(start[quadOf[i]], i);
      end[quadOf[i]] = Math.max(end[quadOf[i]], i);
    }
  }

  int firstColumn(int qx) {
    return first(quadX, qx);
  }

  int lastColumn(int qx) {
    return last(quadX, qx);
  }

  int firstRow(int qy) {
    return first(quadY, qy);
  }

  int lastRow(int qy) {
    return last(quadY, qy);
  }

  /** First index whose quad is >= q (quads never decrease along a row or column). */
  private static int first(int[] quads, int q) {
    int i = Arrays.binarySearch(quads, q);
    if (i < 0) {
      return -i - 1;
    }
    while (i > 0 && quads[i - 1] == q) {
      i--;
    }
    return i;
  }

  /** Last index whose quad is <= q. */
  private static int last(int[] quads, int q) {
    int i = Arrays.binarySearch(quads, q);
    if (i < 0) {
      return -i - 2;
    }
    while (i < quads.length - 1 && quads[i + 1] == q) {
      i++;
    }
    return i;
  }

  private static double clamp(double v, double max) {
    return v < 0 ? 0 : (v > max ? max : v);
  }
}
