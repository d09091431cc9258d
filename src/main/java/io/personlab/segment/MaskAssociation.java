package io.personlab.segment;

import io.personlab.decode.RefinedField;
import io.personlab.decode.Pose;
import io.personlab.geometry.FrameTransform;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.rle.Rle;
import io.personlab.rle.RunBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PersonLab's instance segmentation (paper section 3.2) at original image resolution: pixels
 * with p_S >= 0.5 join every person j whose embedding distance D_ij (eq. 6, on the refined
 * long-range offsets of eq. 5) is at most t; a pixel may join several people or none.
 *
 * <p>How the maps reach image resolution: each image pixel centre is mapped to the decoding
 * frame and then to grid coordinates; p_S is interpolated bilinearly from the four surrounding
 * cells. Work is confined to grid quads that can contain a member pixel: a quad none of whose
 * corners has p_S >= 0.5 cannot (bilinear values are convex combinations), nor, in INTERPOLATED
 * mode, one whose corners all have D > t. Masks are encoded as RLE column by column while they
 * are computed; no image-sized buffer is allocated. In INTERPOLATED mode each quad contributes at
 * most one run per image column, found by binary search, so the cost follows the grid and the
 * number of image columns, not the pixels.
 */
public final class MaskAssociation {
  private final MaskConfig config;
  private final int longSelfSteps;
  private final int longShortSteps;

  public MaskAssociation(MaskConfig config, int longSelfSteps, int longShortSteps) {
    this.config = config;
    this.longSelfSteps = longSelfSteps;
    this.longShortSteps = longShortSteps;
  }

  /** One mask per pose, in image pixels (the maps' transform's image size). */
  public List<Rle> masks(PersonLabMaps maps, List<Pose> poses) {
    return masks(maps, RefinedField.longRange(maps.longOffsets(), maps.shortOffsets(),
        longSelfSteps, longShortSteps), poses);
  }

  /** As {@link #masks(PersonLabMaps, List)} with the long-range offsets refined (eq. 5, lazily). */
  public List<Rle> masks(PersonLabMaps maps, RefinedField longRefined, List<Pose> poses) {
    if (!maps.hasMaskHeads()) {
      throw new IllegalArgumentException("the maps have no segmentation or long-range offsets");
    }
    FrameTransform tf = maps.transform();
    int imgW = tf.imageWidth(), imgH = tf.imageHeight();
    if (poses.isEmpty()) {
      return List.of();
    }
    Grid g = maps.grid();
    PixelGrid px = new PixelGrid(g, tf);
    float[] seg = maps.segmentation();
    float segThr = (float) config.segmentationThreshold();
    int qw = px.quadsX, qh = px.quadsY;
    boolean[] activeQuad = new boolean[qw * qh];
    boolean[] neededCell = new boolean[g.cells()];
    boolean any = false;
    for (int qy = 0; qy < qh; qy++) {
      for (int qx = 0; qx < qw; qx++) {
        int x0 = qx, x1 = Math.min(qx + 1, g.width() - 1);
        int y0 = qy, y1 = Math.min(qy + 1, g.height() - 1);
        int c00 = y0 * g.width() + x0, c01 = y0 * g.width() + x1;
        int c10 = y1 * g.width() + x0, c11 = y1 * g.width() + x1;
        if (seg[c00] >= segThr || seg[c01] >= segThr || seg[c10] >= segThr || seg[c11] >= segThr) {
          activeQuad[qy * qw + qx] = true;
          neededCell[c00] = neededCell[c01] = neededCell[c10] = neededCell[c11] = true;
          any = true;
        }
      }
    }
    List<Rle> out = new ArrayList<>(poses.size());
    if (!any) {
      for (int j = 0; j < poses.size(); j++) {
        out.add(Rle.empty(imgH, imgW));
      }
      return out;
    }
    float[] refined = longRefined.refinedAt(neededCell);
    float[] distance = new float[g.cells()];
    boolean[] candidate = new boolean[qw * qh];
    for (Pose pose : poses) {
      out.add(mask(pose, maps, longRefined, refined, px, activeQuad, neededCell, distance, candidate));
    }
    return out;
  }

  private Rle mask(Pose pose, PersonLabMaps maps, RefinedField L, float[] refined, PixelGrid px,
      boolean[] activeQuad, boolean[] neededCell, float[] distance, boolean[] candidate) {
    Grid g = maps.grid();
    FrameTransform tf = maps.transform();
    int imgW = tf.imageWidth(), imgH = tf.imageHeight();
    int numK = pose.numKeypoints();
    double[] w = pose.presence();
    double sumW = 0;
    for (double v : w) {
      sumW += v;
    }
    if (!(sumW > 0)) {
      return Rle.empty(imgH, imgW);
    }
    double norm = 1.0 / (pose.scale() * sumW);
    // Keypoints by weight, heaviest first, so that the sum of eq. (6) passes the limit early.
    int[] order = byWeight(w);
    boolean exact = config.distance() == MaskConfig.Distance.EXACT;
    double t = config.distanceThreshold();
    double limit = exact ? t * config.exactCandidateFactor() : t;
    double stop = limit / norm;
    int gw = g.width();
    int cells = g.cells();
    for (int row = 0, i = 0; row < g.height(); row++) {
      double cy = g.y(row);
      for (int col = 0; col < gw; col++, i++) {
        if (neededCell[i]) {
          distance[i] = (float) cellDistance(pose, refined, cells, order, i, g.x(col), cy, stop, norm);
        }
      }
    }
    int qw = px.quadsX, qh = px.quadsY;
    int qx0 = qw, qx1 = -1, qy0 = qh, qy1 = -1;
    for (int qy = 0; qy < qh; qy++) {
      int y0 = qy, y1 = Math.min(qy + 1, g.height() - 1);
      for (int qx = 0; qx < qw; qx++) {
        int q = qy * qw + qx;
        boolean c = false;
        int x0 = qx, x1 = Math.min(qx + 1, gw - 1);
        if (activeQuad[q]) {
          c = distance[y0 * gw + x0] <= limit || distance[y0 * gw + x1] <= limit
              || distance[y1 * gw + x0] <= limit || distance[y1 * gw + x1] <= limit;
        }
        candidate[q] = c;
        if (c) {
          qx0 = Math.min(qx0, qx);
          qx1 = Math.max(qx1, qx);
          qy0 = Math.min(qy0, qy);
          qy1 = Math.max(qy1, qy);
          if (!exact) {
            // corners cut short by the early exit are needed exactly for interpolation
            exactCorner(pose, refined, order, g, y0 * gw + x0, distance, norm);
            exactCorner(pose, refined, order, g, y0 * gw + x1, distance, norm);
            exactCorner(pose, refined, order, g, y1 * gw + x0, distance, norm);
            exactCorner(pose, refined, order, g, y1 * gw + x1, distance, norm);
          }
        }
      }
    }
    if (qx1 < 0) {
      return Rle.empty(imgH, imgW);
    }
    int u0 = px.firstColumn(qx0), u1 = px.lastColumn(qx1);
    int v0 = px.firstRow(qy0), v1 = px.lastRow(qy1);
    RunBuilder runs = new RunBuilder(imgH, imgW);
    if (u0 <= u1 && v0 <= v1) {
      if (exact) {
        exactRuns(runs, pose, L, maps.segmentation(), px, g, candidate, u0, u1, v0, v1, norm);
      } else {
        interpolatedRuns(runs, maps.segmentation(), distance, px, g, candidate, u0, u1, v0, v1);
      }
    }
    return runs.build();
  }

  /**
   * INTERPOLATED: within one quad and one image column, bilinear p_S and D are both
   * {@code top + (bottom - top) * fy}, monotone in the row's fraction fy, so each condition holds
   * on a prefix or suffix of the quad's rows and membership on one interval, found by binary
   * search with the per-pixel expressions (bit-identical to evaluating every pixel).
   */
  private void interpolatedRuns(RunBuilder runs, float[] seg, float[] distance, PixelGrid px, Grid g,
      boolean[] candidate, int u0, int u1, int v0, int v1) {
    int imgH = px.fracY.length, gw = g.width(), qw = px.quadsX;
    double segThr = (float) config.segmentationThreshold();
    double t = config.distanceThreshold();
    long written = 0; // column-major pixels emitted so far
    for (int u = u0; u <= u1; u++) {
      int qx = px.quadX[u];
      double fx = px.fracX[u];
      int x0 = qx, x1 = Math.min(qx + 1, gw - 1);
      long column = (long) u * imgH;
      for (int qy = px.quadY[v0]; qy <= px.quadY[v1]; qy++) {
        int vs = Math.max(v0, px.rowStart[qy]), ve = Math.min(v1, px.rowEnd[qy]);
        if (vs > ve || !candidate[qy * qw + qx]) {
          continue;
        }
        int y0 = qy, y1 = Math.min(qy + 1, g.height() - 1);
        int c00 = y0 * gw + x0, c01 = y0 * gw + x1, c10 = y1 * gw + x0, c11 = y1 * gw + x1;
        float s00 = seg[c00], s01 = seg[c01], s10 = seg[c10], s11 = seg[c11];
        long fg = span(s00 + (s01 - s00) * fx, s10 + (s11 - s10) * fx, segThr, true, px.fracY, vs, ve);
        if (first(fg) > last(fg)) {
          continue;
        }
        double top = distance[c00] + (distance[c01] - distance[c00]) * fx;
        double bottom = distance[c10] + (distance[c11] - distance[c10]) * fx;
        long in = span(top, bottom, t, false, px.fracY, first(fg), last(fg));
        if (first(in) > last(in)) {
          continue;
        }
        runs.append(false, (int) (column + first(in) - written));
        runs.append(true, last(in) - first(in) + 1);
        written = column + last(in) + 1;
      }
    }
  }

  private static final long EMPTY = 0xffffffffL; // first 0, last -1

  /**
   * The rows lo..hi (an interval: first in the high half, last in the low half) whose value
   * {@code top + (bottom - top) * fy[v]} is at least (or at most) thr; the value is monotone in v.
   */
  private static long span(double top, double bottom, double thr, boolean atLeast, double[] fy, int lo, int hi) {
    boolean atLo = passes(top, bottom, fy[lo], thr, atLeast), atHi = passes(top, bottom, fy[hi], thr, atLeast);
    if (atLo == atHi) {
      return atLo ? ((long) lo << 32) | (hi & 0xffffffffL) : EMPTY;
    }
    int l = lo, h = hi; // passes(l) == atLo != passes(h)
    while (h - l > 1) {
      int m = (l + h) >>> 1;
      if (passes(top, bottom, fy[m], thr, atLeast) == atLo) {
        l = m;
      } else {
        h = m;
      }
    }
    return atLo ? ((long) lo << 32) | (l & 0xffffffffL) : ((long) h << 32) | (hi & 0xffffffffL);
  }

  private static boolean passes(double top, double bottom, double fy, double thr, boolean atLeast) {
    double v = top + (bottom - top) * fy;
    return atLeast ? v >= thr : v <= thr;
  }

  private static int first(long span) {
    return (int) (span >>> 32);
  }

  private static int last(long span) {
    return (int) span;
  }

  /** EXACT (the reference mode): eq. (6) and p_S at every pixel of the candidate quads. */
  private void exactRuns(RunBuilder runs, Pose pose, RefinedField L, float[] seg, PixelGrid px, Grid g,
      boolean[] candidate, int u0, int u1, int v0, int v1, double norm) {
    int imgH = px.fracY.length, gw = g.width(), qw = px.quadsX;
    double segThr = (float) config.segmentationThreshold();
    double t = config.distanceThreshold();
    runs.append(false, u0 * imgH);
    for (int u = u0; u <= u1; u++) {
      runs.append(false, v0);
      int qx = px.quadX[u];
      double fx = px.fracX[u];
      int x0 = qx, x1 = Math.min(qx + 1, gw - 1);
      boolean run = false; // the run being built down this column, and its length
      int length = 0;
      for (int qy = px.quadY[v0]; qy <= px.quadY[v1]; qy++) {
        int vs = Math.max(v0, px.rowStart[qy]), ve = Math.min(v1, px.rowEnd[qy]);
        if (vs > ve) {
          continue;
        }
        if (!candidate[qy * qw + qx]) {
          if (run) {
            runs.append(true, length);
            run = false;
            length = 0;
          }
          length += ve - vs + 1;
          continue;
        }
        int y0 = qy, y1 = Math.min(qy + 1, g.height() - 1);
        int c00 = y0 * gw + x0, c01 = y0 * gw + x1, c10 = y1 * gw + x0, c11 = y1 * gw + x1;
        float s00 = seg[c00], s01 = seg[c01], s10 = seg[c10], s11 = seg[c11];
        double segTop = s00 + (s01 - s00) * fx, segBottom = s10 + (s11 - s10) * fx;
        for (int v = vs; v <= ve; v++) {
          boolean member = false;
          double fy = px.fracY[v];
          if (segTop + (segBottom - segTop) * fy >= segThr) {
            double w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
            member = exactDistance(pose, L, c00, c01, c10, c11, w00, w01, w10, w11,
                px.frameX[u], px.frameY[v]) * norm <= t;
          }
          if (member != run) {
            runs.append(run, length);
            run = member;
            length = 0;
          }
          length++;
        }
      }
      runs.append(run, length);
      runs.append(false, imgH - 1 - v1);
    }
  }

  /** eq. (6) at a cell; once the partial sum passes {@code stop}, +infinity (known to exceed it). */
  private static double cellDistance(Pose pose, float[] refined, int cells, int[] order, int cell,
      double cx, double cy, double stop, double norm) {
    double[] w = pose.presence();
    double d = 0;
    for (int k : order) {
      double ex = cx + refined[(2 * k + 1) * cells + cell] - pose.x()[k];
      double ey = cy + refined[2 * k * cells + cell] - pose.y()[k];
      d += w[k] * Math.sqrt(ex * ex + ey * ey);
      if (d > stop) {
        return Double.POSITIVE_INFINITY;
      }
    }
    return d * norm;
  }

  private static void exactCorner(Pose pose, float[] refined, int[] order, Grid g, int cell,
      float[] distance, double norm) {
    if (distance[cell] == Float.POSITIVE_INFINITY) {
      distance[cell] = (float) cellDistance(pose, refined, g.cells(), order, cell, g.x(cell % g.width()),
          g.y(cell / g.width()), Double.POSITIVE_INFINITY, norm);
    }
  }

  /** Keypoint types with positive weight, heaviest first. */
  private static int[] byWeight(double[] w) {
    int n = 0;
    for (double v : w) {
      if (v > 0) {
        n++;
      }
    }
    int[] order = new int[n];
    for (int k = 0, i = 0; k < w.length; k++) {
      if (w[k] > 0) {
        order[i++] = k;
      }
    }
    for (int i = 1; i < n; i++) { // insertion sort: at most K entries
      int x = order[i];
      int j = i - 1;
      while (j >= 0 && w[order[j]] < w[x]) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = x;
    }
    return order;
  }

  /** Sum_k p_k |G_k(x) - y_k| with G_k(x) = x + L_k(x), L_k bilinear at the pixel. */
  private static double exactDistance(Pose pose, RefinedField L, int c00, int c01, int c10,
      int c11, double w00, double w01, double w10, double w11, double fx, double fy) {
    double d = 0;
    double[] w = pose.presence();
    for (int k = 0; k < w.length; k++) {
      if (w[k] <= 0) {
        continue;
      }
      double lx = L.dx(k, c00) * w00 + L.dx(k, c01) * w01 + L.dx(k, c10) * w10 + L.dx(k, c11) * w11;
      double ly = L.dy(k, c00) * w00 + L.dy(k, c01) * w01 + L.dy(k, c10) * w10 + L.dy(k, c11) * w11;
      double ex = fx + lx - pose.x()[k];
      double ey = fy + ly - pose.y()[k];
      d += w[k] * Math.sqrt(ex * ex + ey * ey);
    }
    return d;
  }

  /** Per image column and row: frame coordinate, grid quad and bilinear fraction. */
  private static final class PixelGrid {
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
}
