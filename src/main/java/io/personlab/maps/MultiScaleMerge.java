package io.personlab.maps;

import io.personlab.geometry.FrameTransform;
import java.util.List;

/**
 * Combines the maps of several input scales of one image into one set of maps, decoded once.
 *
 * <p>How: the scale with the finest grid relative to the image (the largest input) is the
 * reference; every other scale is resampled onto the reference grid — for each reference cell,
 * the image point it stands for is located in that scale's frame and its maps are sampled
 * bilinearly there, offsets rescaled to reference-frame pixels — and the probabilities and
 * offsets of all scales are averaged with equal weights.
 *
 * <p>Why: averaging per-pixel predictions is the usual test-time ensemble; merging before
 * decoding (rather than decoding each scale and merging people) lets every later stage (Hough
 * voting, greedy grouping, scoring, NMS, masks) run once on evidence from all scales, and the
 * finest grid keeps the detail of the largest input. Small people are then found mostly through
 * the large scales, large people through the small ones, whose receptive fields cover them.
 */
public final class MultiScaleMerge {
  private MultiScaleMerge() {}

  public static PersonLabMaps merge(List<PersonLabMaps> scales) {
    if (scales.isEmpty()) {
      throw new IllegalArgumentException("no scales to merge");
    }
    PersonLabMaps ref = scales.get(0);
    for (PersonLabMaps m : scales) {
      if (m.transform().scaleX() / m.grid().stride() > ref.transform().scaleX() / ref.grid().stride()) {
        ref = m;
      }
    }
    if (scales.size() == 1) {
      return ref;
    }
    Grid g = ref.grid();
    int cells = g.cells();
    int numK = ref.numKeypoints();
    int numE = ref.midForward().count();
    boolean masks = scales.stream().allMatch(PersonLabMaps::hasMaskHeads);
    float[] heat = new float[numK * cells];
    VectorField shortO = VectorField.zeros(g, numK);
    VectorField fwd = VectorField.zeros(g, numE);
    VectorField bwd = VectorField.zeros(g, numE);
    float[] seg = masks ? new float[cells] : null;
    VectorField longO = masks ? VectorField.zeros(g, numK) : null;
    FrameTransform rt = ref.transform();
    float weight = 1f / scales.size();
    for (PersonLabMaps m : scales) {
      if (m.numKeypoints() != numK || m.midForward().count() != numE) {
        throw new IllegalArgumentException("scales disagree on keypoint types or edges");
      }
      FrameTransform mt = m.transform();
      if (mt.imageWidth() != rt.imageWidth() || mt.imageHeight() != rt.imageHeight()) {
        throw new IllegalArgumentException("scales are of different images");
      }
      if (m.grid().equals(g) && mt.equals(rt)) {
        // the same frame (e.g. the flipped pass of the reference scale): cell by cell
        addAll(heat, m.heatmaps(), weight);
        addAll(shortO.data(), m.shortOffsets().data(), weight);
        addAll(fwd.data(), m.midForward().data(), weight);
        addAll(bwd.data(), m.midBackward().data(), weight);
        if (masks) {
          addAll(seg, m.segmentation(), weight);
          addAll(longO.data(), m.longOffsets().data(), weight);
        }
        continue;
      }
      double rx = rt.scaleX() / mt.scaleX(); // reference pixels per pixel of this scale
      double ry = rt.scaleY() / mt.scaleY();
      for (int row = 0, i = 0; row < g.height(); row++) {
        double my = mt.toFrameY(rt.toImageY(g.y(row)));
        for (int col = 0; col < g.width(); col++, i++) {
          double mx = mt.toFrameX(rt.toImageX(g.x(col)));
          for (int k = 0; k < numK; k++) {
            heat[k * cells + i] += weight * m.heatmap(k, mx, my);
            add(shortO, k, i, m.shortOffsets(), mx, my, rx, ry, weight);
            if (masks) {
              add(longO, k, i, m.longOffsets(), mx, my, rx, ry, weight);
            }
          }
          for (int e = 0; e < numE; e++) {
            add(fwd, e, i, m.midForward(), mx, my, rx, ry, weight);
            add(bwd, e, i, m.midBackward(), mx, my, rx, ry, weight);
          }
          if (masks) {
            seg[i] += weight * m.grid().sample(m.segmentation(), 0, mx, my);
          }
        }
      }
    }
    return new PersonLabMaps(g, numK, heat, shortO, fwd, bwd, seg, longO, rt);
  }

  private static void addAll(float[] into, float[] from, float weight) {
    for (int i = 0; i < into.length; i++) {
      into[i] += weight * from[i];
    }
  }

  private static void add(VectorField into, int v, int cell, VectorField from, double x, double y,
      double rx, double ry, float weight) {
    into.set(v, cell,
        into.dy(v, cell) + (float) (weight * ry * from.sampleY(v, x, y)),
        into.dx(v, cell) + (float) (weight * rx * from.sampleX(v, x, y)));
  }
}
