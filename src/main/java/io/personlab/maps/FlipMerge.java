package io.personlab.maps;

import io.personlab.geometry.FrameTransform;
import io.personlab.geometry.Skeleton;

/**
 * Flip test-time augmentation: the maps the network computed on the left/right mirrored image,
 * brought back to the original image's frame, to be averaged with the original's maps (by
 * {@link MultiScaleMerge}, like another scale).
 *
 * <p>The frame: the mirrored input holds the original content mirrored within its own extent
 * (image pixel u becomes w - 1 - u) and is padded on the right/bottom like the original, so a
 * frame point x of the original is x' = a - x in the mirrored input, with a = frameX(0) +
 * frameX(w - 1) (= w1 - 1 for content w1 pixels wide). Unless a is a multiple of the stride the
 * mirrored grid's cells fall between the original's, so each original cell samples the mirrored
 * maps at a - x, linearly along the row (rows coincide).
 *
 * <p>The content: a mirrored person's left side is where the right was, so the mirrored map of
 * keypoint type k is the original's map of its mirror type (left_x / right_x swapped), an edge's
 * mid-range offsets come from the mirrored edge (forward and backward swapped if that edge runs
 * the other way), and the x component of every vector is negated. Heatmaps and segmentation are
 * only mirrored.
 */
public final class FlipMerge {
  private FlipMerge() {}

  /** The maps of the mirrored input as maps of the original, on the same grid and transform. */
  public static PersonLabMaps unflip(PersonLabMaps flipped, Skeleton skeleton) {
    Grid g = flipped.grid();
    int cells = g.cells();
    int numK = flipped.numKeypoints();
    int numE = flipped.midForward().count();
    if (numK != skeleton.numKeypoints() || numE != skeleton.numEdges()) {
      throw new IllegalArgumentException("maps and skeleton disagree on keypoint types or edges");
    }
    int[] mk = skeleton.mirroredKeypoints();
    int[] me = skeleton.mirroredEdges();
    FrameTransform tf = flipped.transform();
    double axis = tf.toFrameX(0) + tf.toFrameX(tf.imageWidth() - 1);
    // Original column c samples the mirrored maps at grid x (axis - c * stride) / stride: one
    // linear interpolation along the row, between columns lo[c] and lo[c] + 1 (clamped to the
    // grid as Grid.sample clamps), done plane by plane.
    int w = g.width();
    int[] lo = new int[w], hi = new int[w];
    float[] frac = new float[w];
    for (int col = 0; col < w; col++) {
      double gx = Math.min(Math.max((axis - g.x(col)) / g.stride(), 0), w - 1);
      lo[col] = (int) gx;
      hi[col] = Math.min(lo[col] + 1, w - 1);
      frac[col] = (float) (gx - lo[col]);
    }
    Row row = new Row(g, lo, hi, frac);
    float[] heat = new float[numK * cells];
    VectorField shortO = VectorField.zeros(g, numK);
    VectorField fwd = VectorField.zeros(g, numE);
    VectorField bwd = VectorField.zeros(g, numE);
    for (int k = 0; k < numK; k++) {
      row.mirror(flipped.heatmaps(), mk[k], heat, k, 1);
      vector(row, flipped.shortOffsets(), mk[k], shortO, k);
    }
    for (int e = 0; e < numE; e++) {
      int f = Math.abs(me[e]) - 1;
      boolean same = me[e] > 0;
      vector(row, same ? flipped.midForward() : flipped.midBackward(), f, fwd, e);
      vector(row, same ? flipped.midBackward() : flipped.midForward(), f, bwd, e);
    }
    float[] seg = null;
    if (flipped.segmentation() != null) {
      seg = new float[cells];
      row.mirror(flipped.segmentation(), 0, seg, 0, 1);
    }
    VectorField longO = null;
    if (flipped.longOffsets() != null) {
      longO = VectorField.zeros(g, numK);
      for (int k = 0; k < numK; k++) {
        vector(row, flipped.longOffsets(), mk[k], longO, k);
      }
    }
    return new PersonLabMaps(g, numK, heat, shortO, fwd, bwd, seg, longO, tf);
  }

  /** Vector {@code from} of the mirrored field into vector {@code to}: y as is, x negated. */
  private static void vector(Row row, VectorField in, int from, VectorField out, int to) {
    row.mirror(in.data(), 2 * from, out.data(), 2 * to, 1);
    row.mirror(in.data(), 2 * from + 1, out.data(), 2 * to + 1, -1);
  }

  /** The per-column interpolation of one grid's mirror image. */
  private record Row(Grid g, int[] lo, int[] hi, float[] frac) {
    /** Plane {@code from} of {@code in}, mirrored and times {@code sign}, into plane {@code to} of {@code out}. */
    void mirror(float[] in, int from, float[] out, int to, float sign) {
      int w = g.width(), cells = g.cells();
      for (int r = 0; r < g.height(); r++) {
        int src = from * cells + r * w, dst = to * cells + r * w;
        for (int c = 0; c < w; c++) {
          float a = in[src + lo[c]], b = in[src + hi[c]];
          out[dst + c] = sign * (a + (b - a) * frac[c]);
        }
      }
    }
  }
}
