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
 * maps bilinearly at a - x. Rows are unchanged.
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
    // the sampling column in the mirrored frame for each original column
    double[] xs = new double[g.width()];
    for (int col = 0; col < xs.length; col++) {
      xs[col] = axis - g.x(col);
    }
    float[] heat = new float[numK * cells];
    VectorField shortO = VectorField.zeros(g, numK);
    VectorField fwd = VectorField.zeros(g, numE);
    VectorField bwd = VectorField.zeros(g, numE);
    boolean seg = flipped.segmentation() != null;
    boolean lng = flipped.longOffsets() != null;
    float[] segOut = seg ? new float[cells] : null;
    VectorField longO = lng ? VectorField.zeros(g, numK) : null;
    for (int row = 0, i = 0; row < g.height(); row++) {
      double y = g.y(row);
      for (int col = 0; col < g.width(); col++, i++) {
        double x = xs[col];
        for (int k = 0; k < numK; k++) {
          heat[k * cells + i] = flipped.heatmap(mk[k], x, y);
          mirror(shortO, k, i, flipped.shortOffsets(), mk[k], x, y);
          if (lng) {
            mirror(longO, k, i, flipped.longOffsets(), mk[k], x, y);
          }
        }
        for (int e = 0; e < numE; e++) {
          int f = Math.abs(me[e]) - 1;
          boolean same = me[e] > 0;
          mirror(fwd, e, i, same ? flipped.midForward() : flipped.midBackward(), f, x, y);
          mirror(bwd, e, i, same ? flipped.midBackward() : flipped.midForward(), f, x, y);
        }
        if (seg) {
          segOut[i] = g.sample(flipped.segmentation(), 0, x, y);
        }
      }
    }
    return new PersonLabMaps(g, numK, heat, shortO, fwd, bwd, segOut, longO, tf);
  }

  private static void mirror(VectorField into, int v, int cell, VectorField from, int w, double x, double y) {
    into.set(v, cell, from.sampleY(w, x, y), -from.sampleX(w, x, y));
  }
}
