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
    long total = 0; // boundary points of the dense walk
    for (int j = 0; j < k; j++) {
      total += Math.max(Math.abs((long) x[j] - x[j + 1]), Math.abs((long) y[j] - y[j + 1])) + 1;
    }
    if (total > MAX_BOUNDARY_POINTS) {
      throw new IllegalArgumentException(
          "polygon too large to rasterise (" + total + " boundary points at 5x)");
    }
    // Walk the boundary on the 5x grid point by point (the order maskApi.c stores them in) and
    // keep only the points where it crosses a column of pixel centres, downsampled. Fused so
    // that the dense boundary is never stored.
    if ((long) height * width > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("image of " + height + "x" + width + " pixels is too large for RLE");
    }
    // w-1 is unsigned (siz) in C: for w == 0 it wraps to 2^64-1.
    double wMinus1 = width == 0 ? 1.8446744073709552E19 : width - 1;
    Crossings crossings = new Crossings(height, wMinus1, (int) Math.min(total / 4 + 16, Integer.MAX_VALUE));
    int pu = 0, pv = 0; // the previous boundary point, across edges
    boolean started = false;
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
        // u moves by one every step; only steps where the column index u' = 5n + 2 can cross
        // a pixel-centre column, so visit those alone (plus the first point, joining the edge
        // to the previous one).
        int t0 = flip ? dx : 0;
        int u0 = t0 + xs;
        int v0 = (int) (ys + s * t0 + .5);
        if (started && u0 != pu) {
          crossings.add(u0, v0, pu, pv);
        }
        // !flip: u' = u_{d-1} = xs + d - 1; flip: u' = u_d = xs + dx - d.
        int d = flip ? 1 + Math.floorMod(xs + dx - 1 - 2, 5) : 1 + Math.floorMod(2 - (xs + 0), 5);
        for (; d <= dx; d += 5) {
          int t = flip ? dx - d : d;
          int tp = flip ? t + 1 : t - 1;
          crossings.add(t + xs, (int) (ys + s * t + .5), tp + xs, (int) (ys + s * tp + .5));
        }
        int tl = flip ? 0 : dx;
        pu = tl + xs;
        pv = (int) (ys + s * tl + .5);
      } else {
        for (int d = 0; d <= dy; d++) {
          int t = flip ? dy - d : d;
          int u = (int) (xs + s * t + .5);
          int v = t + ys;
          if (started && u != pu) {
            crossings.add(u, v, pu, pv);
          }
          started = true;
          pu = u;
          pv = v;
        }
      }
      started = true;
    }
    int[] a = crossings.finish(height * width);
    int n = a.length;
    Arrays.sort(a);
    int p = 0;
    for (int j = 0; j < n; j++) {
      int t = a[j];
      a[j] = a[j] - p;
      p = t;
    }
    // Merge the zero-length runs of coincident points (in place: m <= j always).
    int m = 0;
    int j = 0;
    a[m++] = a[j++];
    while (j < n) {
      if (a[j] > 0) {
        a[m++] = a[j++];
      } else {
        j++;
        if (j < n) {
          a[m - 1] += a[j++];
        }
      }
    }
    return new Rle(height, width, Arrays.copyOf(a, m));
  }

  /** Collects the downsampled column crossings of the dense boundary walk (maskApi.c's 2nd loop). */
  private static final class Crossings {
    private final int height;
    private final double wMinus1;
    private int[] values;
    private int size;

    Crossings(int height, double wMinus1, int capacity) {
      this.height = height;
      this.wMinus1 = wMinus1;
      this.values = new int[Math.max(16, capacity)];
    }

    /** The step from (pu, pv) to (u, v), u != pu: keep it if it crosses a pixel-centre column. */
    void add(int u, int v, int pu, int pv) {
      // maskApi.c: xd = (u' + .5) / 5 - .5 must be a whole number, i.e. u' = 5n + 2, xd = n.
      int uc = u < pu ? u : u - 1;
      if (Math.floorMod(uc, 5) != 2) {
        return;
      }
      int xd = Math.floorDiv(uc, 5);
      if (xd < 0 || xd > wMinus1) {
        return;
      }
      double yd = v < pv ? v : pv;
      yd = (yd + .5) / SCALE - .5;
      if (yd < 0) {
        yd = 0;
      } else if (yd > height) {
        yd = height;
      }
      yd = Math.ceil(yd);
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = xd * height + (int) yd;
    }

    int[] finish(int last) {
      int[] out = Arrays.copyOf(values, size + 1);
      out[size] = last;
      return out;
    }
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
