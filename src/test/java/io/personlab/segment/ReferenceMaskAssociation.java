package io.personlab.segment;

import io.personlab.decode.RefinedField;
import io.personlab.decode.Pose;
import io.personlab.geometry.FrameTransform;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.rle.Rle;
import io.personlab.rle.RunBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-pixel implementation {@link MaskAssociation} replaced, kept as the reference its masks
 * must equal exactly: an image-sized foreground buffer, then every pixel of each person's candidate
 * quads evaluated on its own.
 */
final class ReferenceMaskAssociation {
  private final MaskConfig config;
  private final int longSelfSteps;
  private final int longShortSteps;

  ReferenceMaskAssociation(MaskConfig config, int longSelfSteps, int longShortSteps) {
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
    byte[] foreground = foreground(px, activeQuad, seg, segThr, g, imgW, imgH);
    float[] refined = longRefined.refinedAt(neededCell);
    float[] distance = new float[g.cells()];
    boolean[] candidate = new boolean[qw * qh];
    for (Pose pose : poses) {
      out.add(mask(pose, maps, longRefined, refined, px, activeQuad, neededCell, distance, candidate, foreground));
    }
    return out;
  }

  /** p_S >= threshold at every image pixel (column-major), bilinear from the grid; 0 outside active quads. */
  private static byte[] foreground(PixelGrid px, boolean[] activeQuad, float[] seg, float segThr, Grid g,
      int imgW, int imgH) {
    byte[] fg = new byte[imgW * imgH];
    int gw = g.width();
    for (int qy = 0; qy < px.quadsY; qy++) {
      int y0 = qy, y1 = Math.min(qy + 1, g.height() - 1);
      for (int qx = 0; qx < px.quadsX; qx++) {
        if (!activeQuad[qy * px.quadsX + qx]) {
          continue;
        }
        int x0 = qx, x1 = Math.min(qx + 1, gw - 1);
        float s00 = seg[y0 * gw + x0], s01 = seg[y0 * gw + x1], s10 = seg[y1 * gw + x0], s11 = seg[y1 * gw + x1];
        for (int u = px.colStart[qx]; u <= px.colEnd[qx]; u++) {
          double fx = px.fracX[u];
          double top = s00 + (s01 - s00) * fx, bottom = s10 + (s11 - s10) * fx;
          int column = u * imgH;
          for (int v = px.rowStart[qy]; v <= px.rowEnd[qy]; v++) {
            if (top + (bottom - top) * px.fracY[v] >= segThr) {
              fg[column + v] = 1;
            }
          }
        }
      }
    }
    return fg;
  }

  private Rle mask(Pose pose, PersonLabMaps maps, RefinedField L, float[] refined, PixelGrid px,
      boolean[] activeQuad, boolean[] neededCell, float[] distance, boolean[] candidate, byte[] foreground) {
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
    int[] order = MaskAssociation.byWeight(w);
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
    if (u0 > u1 || v0 > v1) {
      return runs.build();
    }
    runs.append(false, u0 * imgH);
    for (int u = u0; u <= u1; u++) {
      runs.append(false, v0);
      int qx = px.quadX[u];
      double fx = px.fracX[u];
      int x0 = qx, x1 = Math.min(qx + 1, gw - 1);
      int column = u * imgH;
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
        double top = distance[c00] + (distance[c01] - distance[c00]) * fx;
        double bottom = distance[c10] + (distance[c11] - distance[c10]) * fx;
        for (int v = vs; v <= ve; v++) {
          boolean member = false;
          if (foreground[column + v] != 0) {
            double fy = px.fracY[v];
            double d;
            if (exact) {
              double w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
              d = MaskAssociation.exactDistance(pose, L, c00, c01, c10, c11, w00, w01, w10, w11,
                  px.frameX[u], px.frameY[v]) * norm;
            } else {
              d = top + (bottom - top) * fy;
            }
            member = d <= t;
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
    return runs.build();
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
}
