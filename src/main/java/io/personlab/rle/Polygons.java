package io.personlab.rle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Polygon and box rasterisation bit-exact with pycocotools (maskApi.c rleFrPoly): the polygon is
 * scaled by 5, its boundary walked densely on that grid, and the crossings of pixel centres taken
 * back down to the image grid, so that masks equal the ones COCO's ground truth was scored with.
 */
public final class Polygons {
  private static final double SCALE = 5;
  /** Boundary points beyond this come from absurd coordinates; refuse rather than exhaust memory. */
  private static final long MAX_BOUNDARY_POINTS = 1L << 27;

  private Polygons() {}

  /** One polygon given as x0, y0, x1, y1, ... in pixel coordinates (an odd last value is ignored). */
  public static Rle fromPolygon(double[] xy, int height, int width) {
    int k = xy.length / 2;
    int[] x = new int[k + 1];
    int[] y = new int[k + 1];
    for (int j = 0; j < k; j++) {
      x[j] = (int) (SCALE * xy[2 * j] + .5);
      y[j] = (int) (SCALE * xy[2 * j + 1] + .5);
    }
    if (k > 0) {
      x[k] = x[0];
      y[k] = y[0];
    }
    long total = 0;
    for (int j = 0; j < k; j++) {
      total += Math.max(Math.abs((long) x[j] - x[j + 1]), Math.abs((long) y[j] - y[j + 1])) + 1;
    }
    if (total > MAX_BOUNDARY_POINTS) {
      throw new IllegalArgumentException(
          "polygon too large to rasterise (" + total + " boundary points at 5x)");
    }
    int[] u = new int[(int) total];
    int[] v = new int[(int) total];
    int m = 0;
    for (int j = 0; j < k; j++) {
      int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
      int dx = Math.abs(xe - xs);
      int dy = Math.abs(ys - ye);
      boolean flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
      if (flip) {
        int t = xs;
        xs = xe;
        xe = t;
        t = ys;
        ys = ye;
        ye = t;
      }
      double s = dx >= dy ? (double) (ye - ys) / dx : (double) (xe - xs) / dy;
      if (dx >= dy) {
        for (int d = 0; d <= dx; d++) {
          int t = flip ? dx - d : d;
          u[m] = t + xs;
          v[m] = (int) (ys + s * t + .5);
          m++;
        }
      } else {
        for (int d = 0; d <= dy; d++) {
          int t = flip ? dy - d : d;
          v[m] = t + ys;
          u[m] = (int) (xs + s * t + .5);
          m++;
        }
      }
    }
    // Points where the boundary crosses a column of pixel centres, downsampled.
    int points = m;
    long[] a = new long[points + 1];
    int n = 0;
    // w-1 is unsigned (siz) in C: for w == 0 it wraps to 2^64-1.
    double wMinus1 = width == 0 ? 1.8446744073709552E19 : width - 1;
    for (int j = 1; j < points; j++) {
      if (u[j] != u[j - 1]) {
        double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
        xd = (xd + .5) / SCALE - .5;
        if (Math.floor(xd) != xd || xd < 0 || xd > wMinus1) {
          continue;
        }
        double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
        yd = (yd + .5) / SCALE - .5;
        if (yd < 0) {
          yd = 0;
        } else if (yd > height) {
          yd = height;
        }
        yd = Math.ceil(yd);
        // (uint)(x*(int)h + y) in C: int arithmetic wrapped to 32 bits.
        a[n++] = Integer.toUnsignedLong((int) xd * height + (int) yd);
      }
    }
    a[n++] = Integer.toUnsignedLong(height * width);
    Arrays.sort(a, 0, n);
    long p = 0;
    for (int j = 0; j < n; j++) {
      long t = a[j];
      a[j] = (a[j] - p) & 0xFFFFFFFFL;
      p = t;
    }
    IntList b = new IntList(n);
    int j = 0;
    b.add((int) a[j++]);
    while (j < n) {
      if (a[j] > 0) {
        b.add((int) a[j++]);
      } else {
        j++;
        if (j < n) {
          b.set(b.size() - 1, b.get(b.size() - 1) + (int) a[j++]);
        }
      }
    }
    return new Rle(height, width, b.toArray());
  }

  /** A box [x, y, w, h] as pycocotools rasterises it (rleFrBbox: a 4-point polygon). */
  public static Rle fromBox(double x, double y, double w, double h, int height, int width) {
    double xe = x + w;
    double ye = y + h;
    return fromPolygon(new double[] {x, y, x, ye, xe, ye, xe, y}, height, width);
  }

  /**
   * An annotation's polygon list as pycocotools' annToRLE turns it into one mask
   * (frPyObjects + merge). pycocotools reads the whole list as boxes when its first entry has
   * exactly 4 numbers; that quirk is kept so that masks agree.
   */
  public static Rle fromPolygons(List<double[]> polygons, int height, int width) {
    if (polygons.isEmpty()) {
      throw new IllegalArgumentException("empty polygon list");
    }
    int firstLength = polygons.get(0).length;
    if (firstLength < 4) {
      throw new IllegalArgumentException(
          "first polygon has " + firstLength + " numbers (pycocotools needs at least 4)");
    }
    boolean boxes = firstLength == 4;
    List<Rle> parts = new ArrayList<>(polygons.size());
    for (double[] p : polygons) {
      if (boxes) {
        if (p.length != 4) {
          throw new IllegalArgumentException(
              "polygon list read as boxes (first entry has 4 numbers) has an entry of " + p.length);
        }
        parts.add(fromBox(p[0], p[1], p[2], p[3], height, width));
      } else {
        parts.add(fromPolygon(p, height, width));
      }
    }
    return RleOps.merge(parts, false);
  }
}
