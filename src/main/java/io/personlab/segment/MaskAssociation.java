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

  /**
   * One mask per pose, in image pixels (the maps' transform's image size), or at the capped size
   * of {@link MaskConfig#maskSize} when the configuration caps it.
   */
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
    int[] size = config.maskSize(tf.imageWidth(), tf.imageHeight());
    if (size[0] != tf.imageWidth() || size[1] != tf.imageHeight()) {
      tf = tf.forImageSize(size[0], size[1]); // the capped mask is an image of its own over the same frame
    }
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
    Embedded image = new Embedded(g, px, activeQuad, neededCell, longRefined.refinedAt(neededCell),
        longRefined.count());
    for (Pose pose : poses) {
      out.add(mask(pose, maps, longRefined, image));
    }
    return out;
  }

  /**
   * Per image: the embedded positions G_k(x) = x + L_k(x) of the needed cells and, per person,
   * the distance field and candidate quads, reset after each person where they were touched.
   */
  private static final class Embedded {
    final Grid g;
    final PixelGrid px;
    final boolean[] activeQuad;
    final int numK;
    final int[] needed; // the cells at corners of active quads
    final double[] embedded; // (cell * numK + k) * 2: G_k x, then y (as eq. 6 adds them: double)
    final double[] centroid; // cell * 2: C(x), the mean of the G_k(x)
    final float[] distance; // +infinity where not computed for the current person
    final boolean[] candidate;
    final int[] touchedCells, touchedQuads;
    int cellsTouched, quadsTouched;
    boolean resetAll; // set by the raster fallback, which touches everything
    // Per keypoint type (and for C at numK), built when a person first asks: needed cells by the
    // bucket of G_k (counting sort), bucket b's cells at sorted[start[b] .. start[b + 1]).
    final int[][] bucketStart, bucketCells;
    final double bucket;
    final int bucketsX, bucketsY;

    Embedded(Grid g, PixelGrid px, boolean[] activeQuad, boolean[] neededCell, float[] refined, int numK) {
      this.g = g;
      this.px = px;
      this.activeQuad = activeQuad;
      this.numK = numK;
      int cells = g.cells(), n = 0;
      for (boolean b : neededCell) {
        n += b ? 1 : 0;
      }
      needed = new int[n];
      embedded = new double[cells * numK * 2];
      centroid = new double[cells * 2];
      for (int cell = 0, i = 0; cell < cells; cell++) {
        if (!neededCell[cell]) {
          continue;
        }
        needed[i++] = cell;
        double cx = g.x(cell % g.width()), cy = g.y(cell / g.width());
        double sx = 0, sy = 0;
        for (int k = 0; k < numK; k++) {
          sx += embedded[(cell * numK + k) * 2] = cx + refined[(2 * k + 1) * cells + cell];
          sy += embedded[(cell * numK + k) * 2 + 1] = cy + refined[2 * k * cells + cell];
        }
        centroid[cell * 2] = sx / numK;
        centroid[cell * 2 + 1] = sy / numK;
      }
      distance = new float[cells];
      Arrays.fill(distance, Float.POSITIVE_INFINITY);
      candidate = new boolean[activeQuad.length];
      touchedCells = new int[2 * n + 4 * activeQuad.length]; // disk cells, then exact corners
      touchedQuads = new int[activeQuad.length];
      bucketStart = new int[numK + 1][];
      bucketCells = new int[numK + 1][];
      bucket = 2.0 * g.stride();
      bucketsX = (int) Math.ceil(g.width() * g.stride() / bucket) + 1;
      bucketsY = (int) Math.ceil(g.height() * g.stride() / bucket) + 1;
    }

    int bucketX(double x) {
      return clampIndex(Math.floor(x / bucket), bucketsX);
    }

    int bucketY(double y) {
      return clampIndex(Math.floor(y / bucket), bucketsY);
    }

    private static int clampIndex(double b, int n) {
      return b < 0 ? 0 : (b >= n - 1 ? n - 1 : (int) b); // NaN -> 0
    }

    /** Buckets the needed cells by G_k, or by C for k = numK. */
    void index(int k) {
      if (bucketStart[k] != null) {
        return;
      }
      int[] start = new int[bucketsX * bucketsY + 1];
      int[] of = new int[needed.length];
      for (int i = 0; i < needed.length; i++) {
        double[] at = k < numK ? embedded : centroid;
        int o = k < numK ? (needed[i] * numK + k) * 2 : needed[i] * 2;
        of[i] = bucketY(at[o + 1]) * bucketsX + bucketX(at[o]);
        start[of[i] + 1]++;
      }
      for (int b = 0; b < bucketsX * bucketsY; b++) {
        start[b + 1] += start[b];
      }
      int[] fill = Arrays.copyOf(start, start.length - 1);
      int[] sorted = new int[needed.length];
      for (int i = 0; i < needed.length; i++) {
        sorted[fill[of[i]]++] = needed[i];
      }
      bucketStart[k] = start;
      bucketCells[k] = sorted;
    }

    void touchCell(int cell) {
      if (!resetAll) {
        touchedCells[cellsTouched++] = cell;
      }
    }

    void reset() {
      if (resetAll) {
        Arrays.fill(distance, Float.POSITIVE_INFINITY);
        Arrays.fill(candidate, false);
        resetAll = false;
      }
      for (int i = 0; i < cellsTouched; i++) {
        distance[touchedCells[i]] = Float.POSITIVE_INFINITY;
      }
      for (int i = 0; i < quadsTouched; i++) {
        candidate[touchedQuads[i]] = false;
      }
      cellsTouched = 0;
      quadsTouched = 0;
    }
  }

  private Rle mask(Pose pose, PersonLabMaps maps, RefinedField L, Embedded e) {
    try {
      return maskOf(pose, maps, L, e);
    } finally {
      e.reset();
    }
  }

  private Rle maskOf(Pose pose, PersonLabMaps maps, RefinedField L, Embedded e) {
    Grid g = e.g;
    PixelGrid px = e.px;
    int imgW = px.fracX.length, imgH = px.fracY.length; // the mask's size
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
    // Triangle bounds: D <= limit needs w* |G_k*(x) - y_k*| <= stop for the heaviest keypoint k*,
    // and, all weights being at least w_min > 0, sum_k w_k |e_k| >= w_min |sum_k e_k|, i.e.
    // w_min K |C(x) - mean_k y_k| <= stop with C(x) the mean of the G_k(x) (much the tighter when
    // no keypoint is nearly absent). Only cells whose G_k* (or C) lies in the smaller disk (padded
    // against rounding) can be candidates.
    int slot = order[0];
    double radius = stop / w[slot];
    double yx = pose.x()[slot], yy = pose.y()[slot];
    int numK = e.numK;
    double wMin = order.length == numK ? w[order[numK - 1]] : 0;
    if (wMin > 0 && stop / (wMin * numK) < radius) {
      slot = numK;
      radius = stop / (wMin * numK);
      yx = 0;
      yy = 0;
      for (int k = 0; k < numK; k++) {
        yx += pose.x()[k];
        yy += pose.y()[k];
      }
      yx /= numK;
      yy /= numK;
    }
    radius = radius * (1 + 1e-6) + 1e-6;
    e.index(slot);
    int[] start = e.bucketStart[slot], sorted = e.bucketCells[slot];
    int bx0 = e.bucketX(yx - radius), bx1 = e.bucketX(yx + radius);
    int by0 = e.bucketY(yy - radius), by1 = e.bucketY(yy + radius);
    int gw = g.width(), qw = px.quadsX, qh = px.quadsY;
    float[] distance = e.distance;
    boolean[] candidate = e.candidate;
    int qx0 = qw, qx1 = -1, qy0 = qh, qy1 = -1;
    for (int by = by0; by <= by1; by++) {
      for (int b = by * e.bucketsX + bx0, bEnd = by * e.bucketsX + bx1; b <= bEnd; b++) {
        for (int i = start[b]; i < start[b + 1]; i++) {
          int cell = sorted[i];
          double d = cellDistance(pose, e.embedded, e.numK, order, cell, stop, norm);
          distance[cell] = (float) d;
          e.touchCell(cell);
          if (!(distance[cell] <= limit)) {
            continue;
          }
          // the active quads with this corner are candidates
          int row = cell / gw, col = cell % gw;
          for (int qy = Math.max(0, row - 1); qy <= Math.min(row, qh - 1); qy++) {
            for (int qx = Math.max(0, col - 1); qx <= Math.min(col, qw - 1); qx++) {
              int q = qy * qw + qx;
              if (e.activeQuad[q] && !candidate[q]) {
                candidate[q] = true;
                e.touchedQuads[e.quadsTouched++] = q;
                qx0 = Math.min(qx0, qx);
                qx1 = Math.max(qx1, qx);
                qy0 = Math.min(qy0, qy);
                qy1 = Math.max(qy1, qy);
              }
            }
          }
        }
      }
    }
    if (qx1 < 0) {
      return Rle.empty(imgH, imgW);
    }
    if (!exact) {
      // corners cut short by the early exit (or outside the disk) are needed exactly for interpolation
      boolean crossed = false;
      for (int i = 0, n = e.quadsTouched; i < n; i++) {
        int q = e.touchedQuads[i];
        int qx = q % qw, qy = q / qw;
        int x0 = qx, x1 = Math.min(qx + 1, gw - 1);
        int y0 = qy, y1 = Math.min(qy + 1, g.height() - 1);
        crossed |= exactCorner(pose, e, order, y0 * gw + x0, norm, limit);
        crossed |= exactCorner(pose, e, order, y0 * gw + x1, norm, limit);
        crossed |= exactCorner(pose, e, order, y1 * gw + x0, norm, limit);
        crossed |= exactCorner(pose, e, order, y1 * gw + x1, norm, limit);
      }
      if (crossed) {
        int[] box = rasterCandidates(pose, e, order, stop, norm, limit);
        qx0 = box[0];
        qx1 = box[1];
        qy0 = box[2];
        qy1 = box[3];
      }
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
        // the distance first: in a crowd it is the selective condition
        long near = interval(vs, ve);
        if (!surelyIn(distance[c00], distance[c01], distance[c10], distance[c11], t, -1)) {
          double top = distance[c00] + (distance[c01] - distance[c00]) * fx;
          double bottom = distance[c10] + (distance[c11] - distance[c10]) * fx;
          near = span(top, bottom, t, false, px.fracY, vs, ve);
          if (first(near) > last(near)) {
            continue;
          }
        }
        long in = near;
        float s00 = seg[c00], s01 = seg[c01], s10 = seg[c10], s11 = seg[c11];
        if (!surelyIn(s00, s01, s10, s11, segThr, 1)) {
          in = span(s00 + (s01 - s00) * fx, s10 + (s11 - s10) * fx, segThr, true, px.fracY, first(near), last(near));
          if (first(in) > last(in)) {
            continue;
          }
        }
        runs.append(false, (int) (column + first(in) - written));
        runs.append(true, last(in) - first(in) + 1);
        written = column + last(in) + 1;
      }
    }
  }

  /**
   * Whether all four corners pass (sign 1: >= thr, -1: <= thr) by a margin that the rounding of
   * the bilinear expression cannot cross: it is within 2^-22 of the corners' largest magnitude
   * of their convex hull (one float subtraction, then double operations), so every pixel of the
   * quad passes and its evaluation can be skipped without changing the result.
   */
  private static boolean surelyIn(float a, float b, float c, float d, double thr, int sign) {
    double m = Math.max(Math.max(Math.abs(a), Math.abs(b)), Math.max(Math.abs(c), Math.abs(d)));
    double margin = 1e-6 * (m + Math.abs(thr));
    return sign > 0 ? Math.min(Math.min(a, b), Math.min(c, d)) >= thr + margin
        : Math.max(Math.max(a, b), Math.max(c, d)) <= thr - margin;
  }

  private static final long EMPTY = 0xffffffffL; // first 0, last -1

  /**
   * The rows lo..hi (an interval: first in the high half, last in the low half) whose value
   * {@code top + (bottom - top) * fy[v]} is at least (or at most) thr; the value is monotone in v.
   */
  private static long span(double top, double bottom, double thr, boolean atLeast, double[] fy, int lo, int hi) {
    boolean atLo = passes(top, bottom, fy[lo], thr, atLeast), atHi = passes(top, bottom, fy[hi], thr, atLeast);
    if (atLo == atHi) {
      return atLo ? interval(lo, hi) : EMPTY;
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
    return atLo ? interval(lo, l) : interval(h, hi);
  }

  private static long interval(int first, int last) {
    return ((long) first << 32) | (last & 0xffffffffL);
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
  private static double cellDistance(Pose pose, double[] embedded, int numK, int[] order, int cell,
      double stop, double norm) {
    double[] w = pose.presence(), x = pose.x(), y = pose.y();
    double d = 0;
    int base = cell * numK * 2;
    for (int k : order) {
      double ex = embedded[base + 2 * k] - x[k];
      double ey = embedded[base + 2 * k + 1] - y[k];
      d += w[k] * Math.sqrt(ex * ex + ey * ey);
      if (d > stop) {
        return Double.POSITIVE_INFINITY;
      }
    }
    return d * norm;
  }

  /** The exact distance where the early exit left +infinity; true if it is within the limit after all. */
  private static boolean exactCorner(Pose pose, Embedded e, int[] order, int cell, double norm, double limit) {
    if (e.distance[cell] != Float.POSITIVE_INFINITY) {
      return false;
    }
    e.distance[cell] = (float) cellDistance(pose, e.embedded, e.numK, order, cell, Double.POSITIVE_INFINITY, norm);
    e.touchCell(cell);
    return e.distance[cell] <= limit;
  }

  /**
   * Candidate quads as the per-pixel algorithm found them, in raster order with the exact corner
   * values of earlier candidates: needed only when an early exit (d > stop) rounds to a float
   * distance within the limit, which can make a later quad a candidate. Returns the quad box.
   */
  private static int[] rasterCandidates(Pose pose, Embedded e, int[] order, double stop, double norm, double limit) {
    Grid g = e.g;
    int gw = g.width(), qw = e.px.quadsX, qh = e.px.quadsY;
    e.resetAll = true;
    Arrays.fill(e.candidate, false);
    for (int cell : e.needed) {
      e.distance[cell] = (float) cellDistance(pose, e.embedded, e.numK, order, cell, stop, norm);
    }
    int[] box = {qw, -1, qh, -1};
    for (int qy = 0; qy < qh; qy++) {
      int y0 = qy, y1 = Math.min(qy + 1, g.height() - 1);
      for (int qx = 0; qx < qw; qx++) {
        int q = qy * qw + qx;
        int x0 = qx, x1 = Math.min(qx + 1, gw - 1);
        int c00 = y0 * gw + x0, c01 = y0 * gw + x1, c10 = y1 * gw + x0, c11 = y1 * gw + x1;
        float[] d = e.distance;
        if (e.activeQuad[q] && (d[c00] <= limit || d[c01] <= limit || d[c10] <= limit || d[c11] <= limit)) {
          e.candidate[q] = true;
          box[0] = Math.min(box[0], qx);
          box[1] = Math.max(box[1], qx);
          box[2] = Math.min(box[2], qy);
          box[3] = Math.max(box[3], qy);
          exactCorner(pose, e, order, c00, norm, limit);
          exactCorner(pose, e, order, c01, norm, limit);
          exactCorner(pose, e, order, c10, norm, limit);
          exactCorner(pose, e, order, c11, norm, limit);
        }
      }
    }
    return box;
  }

  /** Keypoint types with positive weight, heaviest first. */
  static int[] byWeight(double[] w) {
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
  static double exactDistance(Pose pose, RefinedField L, int c00, int c01, int c10,
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
}
