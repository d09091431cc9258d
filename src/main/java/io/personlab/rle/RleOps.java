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

  /**
   * The mask resized to {@code height x width} by nearest neighbour with pixel centres aligned:
   * output pixel (x, y) takes source pixel (floor((x + 0.5) w / width), floor((y + 0.5) h / height)).
   * Works on the runs, never on pixels: cost ~ output columns x runs per column. The mask itself
   * when it already has that size.
   */
  public static Rle resize(Rle m, int height, int width) {
    int sh = m.height(), sw = m.width();
    if (sh == height && sw == width) {
      return m;
    }
    if ((long) sh * sw == 0 || (long) height * width == 0) {
      return Rle.empty(height, width);
    }
    // the foreground row intervals [from, to) of each source column, in column order
    int[] from = new int[16], to = new int[16], colFirst = new int[sw + 1];
    int n = 0;
    long pos = 0;
    int[] counts = m.counts();
    for (int i = 0; i < counts.length; i++) {
      long end = pos + Integer.toUnsignedLong(counts[i]);
      for (long p = pos; (i & 1) == 1 && p < end; ) { // split foreground runs at column ends
        int col = (int) (p / sh);
        long colEnd = Math.min(end, (long) (col + 1) * sh);
        if (n == from.length) {
          from = java.util.Arrays.copyOf(from, 2 * n);
          to = java.util.Arrays.copyOf(to, 2 * n);
        }
        from[n] = (int) (p - (long) col * sh);
        to[n] = (int) (colEnd - (long) col * sh);
        colFirst[col + 1]++;
        n++;
        p = colEnd;
      }
      pos = end;
    }
    for (int c = 0; c < sw; c++) {
      colFirst[c + 1] += colFirst[c];
    }
    int[] rowAt = new int[sh + 1]; // first output row whose source row is >= r
    for (int r = 0, y = 0; r <= sh; r++) {
      while (y < height && nearest(y, sh, height) < r) {
        y++;
      }
      rowAt[r] = y;
    }
    RunBuilder out = new RunBuilder(height, width);
    long written = 0;
    for (int x = 0; x < width; x++) {
      int u = nearest(x, sw, width);
      long column = (long) x * height;
      for (int i = colFirst[u]; i < colFirst[u + 1]; i++) {
        int y0 = rowAt[from[i]], y1 = rowAt[to[i]];
        if (y1 > y0) {
          out.append(false, (int) (column + y0 - written));
          out.append(true, y1 - y0);
          written = column + y1;
        }
      }
    }
    return out.build();
  }

  /** The source index of output index i: floor((i + 0.5) * source / target), in integers. */
  private static int nearest(int i, int source, int target) {
    return (int) ((2L * i + 1) * source / (2L * target));
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
