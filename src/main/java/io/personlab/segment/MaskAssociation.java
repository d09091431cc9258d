package io.personlab.segment;

import io.personlab.decode.OffsetRefinement;
import io.personlab.decode.Pose;
import io.personlab.geometry.FrameTransform;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.maps.VectorField;
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
 * are computed; no image-sized buffer is allocated per person.
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
    return masks(maps, OffsetRefinement.refineLong(maps.longOffsets(), maps.shortOffsets(),
        longSelfSteps, longShortSteps), poses);
  }

  /** As {@link #masks(PersonLabMaps, List)} with the long-range offsets already refined (eq. 5). */
  public List<Rle> masks(PersonLabMaps maps, VectorField longRefined, List<Pose> poses) {
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
    float[] distance = new float[g.cells()];
    boolean[] candidate = new boolean[qw * qh];
    for (Pose pose : poses) {
      if (!any) {
        out.add(Rle.empty(imgH, imgW));
        continue;
      }
      out.add(mask(pose, maps, longRefined, px, activeQuad, neededCell, distance, candidate));
    }
    return out;
  }

  private Rle mask(Pose pose, PersonLabMaps maps, VectorField longRefined, PixelGrid px,
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
    // eq. (6) at the cells that corner an active quad
    int cells = g.cells();
    float[] L = longRefined.data();
    for (int row = 0, i = 0; row < g.height(); row++) {
      double cy = g.y(row);
      for (int col = 0; col < g.width(); col++, i++) {
        if (!neededCell[i]) {
          continue;
        }
        double cx = g.x(col);
        double d = 0;
        for (int k = 0; k < numK; k++) {
          if (w[k] <= 0) {
            continue;
          }
          double ex = cx + L[(2 * k + 1) * cells + i] - pose.x()[k];
          double ey = cy + L[2 * k * cells + i] - pose.y()[k];
          d += w[k] * Math.sqrt(ex * ex + ey * ey);
        }
        distance[i] = (float) (d * norm);
      }
    }
    boolean exact = config.distance() == MaskConfig.Distance.EXACT;
    double t = config.distanceThreshold();
    double candidateLimit = exact ? t * config.exactCandidateFactor() : t;
    int qw = px.quadsX, qh = px.quadsY;
    int qx0 = qw, qx1 = -1, qy0 = qh, qy1 = -1;
    for (int qy = 0; qy < qh; qy++) {
      for (int qx = 0; qx < qw; qx++) {
        int q = qy * qw + qx;
        boolean c = false;
        if (activeQuad[q]) {
          int x0 = qx, x1 = Math.min(qx + 1, g.width() - 1);
          int y0 = qy, y1 = Math.min(qy + 1, g.height() - 1);
          double min = Math.min(
              Math.min(distance[y0 * g.width() + x0], distance[y0 * g.width() + x1]),
              Math.min(distance[y1 * g.width() + x0], distance[y1 * g.width() + x1]));
          c = min <= candidateLimit;
        }
        candidate[q] = c;
        if (c) {
          qx0 = Math.min(qx0, qx);
          qx1 = Math.max(qx1, qx);
          qy0 = Math.min(qy0, qy);
          qy1 = Math.max(qy1, qy);
        }
      }
    }
    if (qx1 < 0) {
      return Rle.empty(imgH, imgW);
    }
    int u0 = px.firstColumn(qx0), u1 = px.lastColumn(qx1);
    int v0 = px.firstRow(qy0), v1 = px.lastRow(qy1);
    RunBuilder runs = new RunBuilder(imgH, imgW);
    if (u0 > u1 || v0 > v1) {
      return runs.build();
    }
    runs.append(false, u0 * imgH);
    float[] seg = maps.segmentation();
    float segThr = (float) config.segmentationThreshold();
    int gw = g.width();
    for (int u = u0; u <= u1; u++) {
      runs.append(false, v0);
      int qx = px.quadX[u];
      double fx = px.fracX[u];
      int x0 = qx, x1 = Math.min(qx + 1, gw - 1);
      for (int v = v0; v <= v1; v++) {
        int qy = px.quadY[v];
        boolean member = false;
        if (candidate[qy * qw + qx]) {
          double fy = px.fracY[v];
          int y0 = qy, y1 = Math.min(qy + 1, g.height() - 1);
          int c00 = y0 * gw + x0, c01 = y0 * gw + x1, c10 = y1 * gw + x0, c11 = y1 * gw + x1;
          double w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
          double ps = seg[c00] * w00 + seg[c01] * w01 + seg[c10] * w10 + seg[c11] * w11;
          if (ps >= segThr) {
            double d;
            if (exact) {
              d = exactDistance(pose, L, cells, c00, c01, c10, c11, w00, w01, w10, w11,
                  px.frameX[u], px.frameY[v]) * norm;
            } else {
              d = distance[c00] * w00 + distance[c01] * w01 + distance[c10] * w10 + distance[c11] * w11;
            }
            member = d <= t;
          }
        }
        runs.append(member, 1);
      }
      runs.append(false, imgH - 1 - v1);
    }
    return runs.build();
  }

  /** Sum_k p_k |G_k(x) - y_k| with G_k(x) = x + L_k(x), L_k bilinear at the pixel. */
  private static double exactDistance(Pose pose, float[] L, int cells, int c00, int c01, int c10,
      int c11, double w00, double w01, double w10, double w11, double fx, double fy) {
    double d = 0;
    double[] w = pose.presence();
    for (int k = 0; k < w.length; k++) {
      if (w[k] <= 0) {
        continue;
      }
      int xb = (2 * k + 1) * cells, yb = 2 * k * cells;
      double lx = L[xb + c00] * w00 + L[xb + c01] * w01 + L[xb + c10] * w10 + L[xb + c11] * w11;
      double ly = L[yb + c00] * w00 + L[yb + c01] * w01 + L[yb + c10] * w10 + L[yb + c11] * w11;
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
