package io.personlab.maps;

import io.personlab.maps.EnsembleWeights.Head;
import java.util.List;

/**
 * Averages the maps of several networks run on the same input (same frame; a coarser grid is
 * resampled onto the finest), per
 * head with the ensemble's weights, normalised over the networks that have that head: a head
 * only some networks have (segmentation, long-range offsets) comes from those. Why per head:
 * networks differ in what they are good at, e.g. PoseNet's keypoints with BodyPix's masks.
 */
public final class EnsembleMerge {
  private EnsembleMerge() {}

  public static PersonLabMaps merge(List<PersonLabMaps> models, EnsembleWeights weights) {
    if (models.size() != weights.models()) {
      throw new IllegalArgumentException(models.size() + " models, weights for " + weights.models());
    }
    // the finest grid is the reference: a coarser network's maps (PoseNet at stride 16 beside
    // BodyPix at stride 8) are sampled bilinearly at its cells; one input, so one frame
    PersonLabMaps first = models.get(0);
    for (PersonLabMaps m : models) {
      if (m.grid().stride() < first.grid().stride()) {
        first = m;
      }
    }
    for (PersonLabMaps m : models) {
      if (!m.transform().equals(first.transform())
          || m.numKeypoints() != first.numKeypoints() || m.midForward().count() != first.midForward().count()) {
        throw new IllegalArgumentException("ensemble members disagree on frame, keypoints or edges");
      }
    }
    Grid ref = first.grid();
    int n = models.size();
    float[][] heat = new float[n][], seg = new float[n][];
    float[][] shortO = new float[n][], fwd = new float[n][], bwd = new float[n][], longO = new float[n][];
    for (int i = 0; i < n; i++) {
      PersonLabMaps m = models.get(i);
      heat[i] = onto(m.heatmaps(), m.grid(), ref);
      shortO[i] = onto(m.shortOffsets().data(), m.grid(), ref);
      fwd[i] = onto(m.midForward().data(), m.grid(), ref);
      bwd[i] = onto(m.midBackward().data(), m.grid(), ref);
      seg[i] = m.segmentation() != null ? onto(m.segmentation(), m.grid(), ref) : null;
      longO[i] = m.longOffsets() != null ? onto(m.longOffsets().data(), m.grid(), ref) : null;
    }
    Grid g = first.grid();
    int numK = first.numKeypoints(), numE = first.midForward().count();
    float[] h = average(heat, weights, Head.HEATMAPS, true);
    float[] s = average(shortO, weights, Head.SHORT, true);
    float[] f = average(fwd, weights, Head.MID, true);
    float[] b = average(bwd, weights, Head.MID, true);
    float[] sg = average(seg, weights, Head.SEGMENTATION, false);
    float[] l = average(longO, weights, Head.LONG, false);
    return new PersonLabMaps(g, numK, h, new VectorField(g, numK, s), new VectorField(g, numE, f),
        new VectorField(g, numE, b), sg, l != null ? new VectorField(g, numK, l) : null, first.transform());
  }

  /**
   * Planes on grid {@code from} resampled bilinearly at the cells of {@code to} (clamped, as
   * {@link Grid#sample}); the same array when the grids agree. The taps and weights of each
   * column and row are computed once, not per sample and plane.
   */
  private static float[] onto(float[] planes, Grid from, Grid to) {
    if (from.equals(to)) {
      return planes;
    }
    int count = planes.length / from.cells();
    int[] x0 = new int[to.width()], x1 = new int[to.width()];
    float[] fx = new float[to.width()];
    taps(to.width(), to.stride(), from.width(), from.stride(), x0, x1, fx);
    int[] y0 = new int[to.height()], y1 = new int[to.height()];
    float[] fy = new float[to.height()];
    taps(to.height(), to.stride(), from.height(), from.stride(), y0, y1, fy);
    int cells = to.cells(), fromCells = from.cells(), fw = from.width();
    float[] out = new float[count * cells];
    for (int p = 0; p < count; p++) {
      for (int row = 0, i = p * cells; row < to.height(); row++) {
        int r0 = p * fromCells + y0[row] * fw, r1 = p * fromCells + y1[row] * fw;
        float wy = fy[row];
        for (int col = 0; col < to.width(); col++, i++) {
          float top = planes[r0 + x0[col]] + (planes[r0 + x1[col]] - planes[r0 + x0[col]]) * fx[col];
          float bottom = planes[r1 + x0[col]] + (planes[r1 + x1[col]] - planes[r1 + x0[col]]) * fx[col];
          out[i] = top + (bottom - top) * wy;
        }
      }
    }
    return out;
  }

  /** Along one axis: the two source cells and the weight of the second for each target cell. */
  private static void taps(int n, int stride, int fromN, int fromStride, int[] lo, int[] hi, float[] frac) {
    for (int j = 0; j < n; j++) {
      double g = Math.min((double) j * stride / fromStride, fromN - 1);
      lo[j] = (int) g;
      hi[j] = Math.min(lo[j] + 1, fromN - 1);
      frac[j] = (float) (g - lo[j]);
    }
  }

  /** The weighted mean of the members that have the head; null when none has it (or all weigh 0). */
  private static float[] average(float[][] planes, EnsembleWeights weights, Head head, boolean required) {
    double total = 0;
    float[] any = null;
    for (int i = 0; i < planes.length; i++) {
      if (planes[i] != null) {
        total += weights.weight(head, i);
        any = planes[i];
      }
    }
    if (total == 0) {
      if (required) {
        throw new IllegalArgumentException("head " + head + " has weight 0 in every network that has it");
      }
      return null;
    }
    float[] out = new float[any.length];
    for (int i = 0; i < planes.length; i++) {
      float w = (float) (weights.weight(head, i) / total);
      if (planes[i] == null || w == 0) {
        continue;
      }
      float[] p = planes[i];
      for (int j = 0; j < out.length; j++) {
        out[j] += w * p[j];
      }
    }
    return out;
  }
}
