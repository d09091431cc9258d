package io.personlab.maps;

import io.personlab.maps.EnsembleWeights.Head;
import java.util.List;

/**
 * Averages the maps of several networks run on the same input (same grid, same frame), per
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
    PersonLabMaps first = models.get(0);
    for (PersonLabMaps m : models) {
      if (!m.grid().equals(first.grid()) || !m.transform().equals(first.transform())
          || m.numKeypoints() != first.numKeypoints() || m.midForward().count() != first.midForward().count()) {
        throw new IllegalArgumentException("ensemble members disagree on grid, frame, keypoints or edges: "
            + m.grid() + " vs " + first.grid());
      }
    }
    int n = models.size();
    float[][] heat = new float[n][], seg = new float[n][];
    float[][] shortO = new float[n][], fwd = new float[n][], bwd = new float[n][], longO = new float[n][];
    for (int i = 0; i < n; i++) {
      PersonLabMaps m = models.get(i);
      heat[i] = m.heatmaps();
      shortO[i] = m.shortOffsets().data();
      fwd[i] = m.midForward().data();
      bwd[i] = m.midBackward().data();
      seg[i] = m.segmentation();
      longO[i] = m.longOffsets() != null ? m.longOffsets().data() : null;
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
