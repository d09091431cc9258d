package io.personlab.rle;

import java.util.List;

/** Set operations and overlaps on RLE masks, with maskApi.c's exact semantics. */
public final class RleOps {
  private RleOps() {}

  /**
   * Union (or intersection) of masks of one size (maskApi.c rleMerge). An empty list gives a 0x0
   * mask; masks of different sizes give a 0x0 mask, as in pycocotools.
   */
  public static Rle merge(List<Rle> masks, boolean intersect) {
    if (masks.isEmpty()) {
      return new Rle(0, 0, new int[0]);
    }
    Rle first = masks.get(0);
    if (masks.size() == 1) {
      return first;
    }
    int h = first.height();
    int w = first.width();
    int[] acc = first.counts();
    int accLength = acc.length;
    for (int i = 1; i < masks.size(); i++) {
      Rle b = masks.get(i);
      if (b.height() != h || b.width() != w) {
        return new Rle(0, 0, new int[0]);
      }
      int[] out = new int[accLength + b.counts().length + 1];
      accLength = mergeRuns(acc, accLength, b.counts(), b.counts().length, intersect, out);
      acc = out;
    }
    return new Rle(h, w, java.util.Arrays.copyOf(acc, accLength));
  }

  /** Writes the merged runs of a and b into out and returns their number. */
  private static int mergeRuns(
      int[] a, int am, int[] b, int bm, boolean intersect, int[] out) {
    long ca = am > 0 ? Integer.toUnsignedLong(a[0]) : 0;
    long cb = bm > 0 ? Integer.toUnsignedLong(b[0]) : 0;
    boolean v = false, va = false, vb = false;
    int m = 0, ia = 1, ib = 1;
    long cc = 0;
    long ct = 1;
    while (ct > 0) {
      long c = Math.min(ca, cb);
      cc += c;
      ct = 0;
      ca -= c;
      if (ca == 0 && ia < am) {
        ca = Integer.toUnsignedLong(a[ia++]);
        va = !va;
      }
      ct += ca;
      cb -= c;
      if (cb == 0 && ib < bm) {
        cb = Integer.toUnsignedLong(b[ib++]);
        vb = !vb;
      }
      ct += cb;
      boolean vp = v;
      v = intersect ? (va && vb) : (va || vb);
      if (v != vp || ct == 0) {
        out[m++] = (int) cc;
        cc = 0;
      }
    }
    return m;
  }

  /**
   * IoU of every detection with every ground-truth mask, {@code result[d][g]}, as maskApi.c
   * rleIou: pairs whose boxes do not overlap are 0 without touching the runs; masks of different
   * sizes give -1; for a crowd ground truth the union is the detection's area.
   */
  public static double[][] iou(List<Rle> dt, List<Rle> gt, boolean[] gtCrowd) {
    int m = dt.size();
    int n = gt.size();
    double[] db = new double[4 * m];
    double[] gb = new double[4 * n];
    for (int d = 0; d < m; d++) {
      dt.get(d).toBbox(db, 4 * d);
    }
    for (int g = 0; g < n; g++) {
      gt.get(g).toBbox(gb, 4 * g);
    }
    double[][] o = boxIou(db, m, gb, n, gtCrowd);
    for (int g = 0; g < n; g++) {
      boolean crowd = gtCrowd != null && gtCrowd[g];
      Rle gr = gt.get(g);
      for (int d = 0; d < m; d++) {
        if (o[d][g] > 0) {
          Rle dr = dt.get(d);
          if (dr.height() != gr.height() || dr.width() != gr.width()) {
            o[d][g] = -1;
          } else {
            o[d][g] = iou(dr.counts(), gr.counts(), crowd, dr);
          }
        }
      }
    }
    return o;
  }

  private static double iou(int[] a, int[] b, boolean crowd, Rle dt) {
    int ka = a.length, kb = b.length;
    long ca = ka > 0 ? Integer.toUnsignedLong(a[0]) : 0;
    long cb = kb > 0 ? Integer.toUnsignedLong(b[0]) : 0;
    boolean va = false, vb = false;
    int ia = 1, ib = 1;
    long inter = 0, union = 0, ct = 1;
    while (ct > 0) {
      long c = Math.min(ca, cb);
      if (va || vb) {
        union += c;
        if (va && vb) {
          inter += c;
        }
      }
      ct = 0;
      ca -= c;
      if (ca == 0 && ia < ka) {
        ca = Integer.toUnsignedLong(a[ia++]);
        va = !va;
      }
      ct += ca;
      cb -= c;
      if (cb == 0 && ib < kb) {
        cb = Integer.toUnsignedLong(b[ib++]);
        vb = !vb;
      }
      ct += cb;
    }
    // uint arithmetic in C: areas of real images stay far below 2^32.
    if (inter == 0) {
      union = 1;
    } else if (crowd) {
      union = dt.area();
    }
    return (double) inter / (double) union;
  }

  /**
   * Box IoU, {@code result[d][g]}, boxes packed as [x, y, w, h] quadruples (maskApi.c bbIou);
   * for a crowd ground truth the union is the detection's area.
   */
  public static double[][] boxIou(double[] dt, int m, double[] gt, int n, boolean[] gtCrowd) {
    double[][] o = new double[m][n];
    for (int g = 0; g < n; g++) {
      int G = 4 * g;
      double ga = gt[G + 2] * gt[G + 3];
      boolean crowd = gtCrowd != null && gtCrowd[g];
      for (int d = 0; d < m; d++) {
        int D = 4 * d;
        double da = dt[D + 2] * dt[D + 3];
        double w = Math.min(dt[D + 2] + dt[D], gt[G + 2] + gt[G]) - Math.max(dt[D], gt[G]);
        if (w <= 0) {
          continue;
        }
        double h = Math.min(dt[D + 3] + dt[D + 1], gt[G + 3] + gt[G + 1]) - Math.max(dt[D + 1], gt[G + 1]);
        if (h <= 0) {
          continue;
        }
        double i = w * h;
        double u = crowd ? da : da + ga - i;
        o[d][g] = i / u;
      }
    }
    return o;
  }
}
