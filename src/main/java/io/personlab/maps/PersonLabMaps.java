package io.personlab.maps;

import io.personlab.geometry.FrameTransform;

/**
 * Everything the network says about one image at one scale, in the decoding frame:
 * keypoint probabilities p_k (planar [K][cells]), short-range offsets S_k, mid-range offsets
 * M along each skeleton edge (forward parent->child and backward), and optionally the person
 * segmentation probability p_S ([cells]) and long-range offsets L_k (a model without those heads
 * still yields poses, without masks). Offsets are in frame pixels.
 */
public record PersonLabMaps(
    Grid grid,
    int numKeypoints,
    float[] heatmaps,
    VectorField shortOffsets,
    VectorField midForward,
    VectorField midBackward,
    float[] segmentation,
    VectorField longOffsets,
    FrameTransform transform) {

  public PersonLabMaps {
    int cells = grid.cells();
    if (heatmaps.length != numKeypoints * cells) {
      throw new IllegalArgumentException("heatmaps: " + heatmaps.length + " floats, expected " + numKeypoints * cells);
    }
    check("short-range offsets", shortOffsets, grid, numKeypoints);
    check("mid-range forward offsets", midForward, grid, midForward.count());
    check("mid-range backward offsets", midBackward, grid, midForward.count());
    if (segmentation != null && segmentation.length != cells) {
      throw new IllegalArgumentException("segmentation: " + segmentation.length + " floats, expected " + cells);
    }
    if (longOffsets != null) {
      check("long-range offsets", longOffsets, grid, numKeypoints);
    }
  }

  private static void check(String what, VectorField f, Grid grid, int count) {
    if (!f.grid().equals(grid) || f.count() != count) {
      throw new IllegalArgumentException(what + ": " + f.count() + " vectors on " + f.grid()
          + ", expected " + count + " on " + grid);
    }
  }

  /** True when the maps carry what instance masks need (segmentation and long-range offsets). */
  public boolean hasMaskHeads() {
    return segmentation != null && longOffsets != null;
  }

  /** Bilinear p_k at a frame point. */
  public float heatmap(int k, double x, double y) {
    return grid.sample(heatmaps, k, x, y);
  }

  /** In place: p = sigmoid(logit), for networks that emit logits. */
  public static void sigmoidInPlace(float[] values) {
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (1.0 / (1.0 + Math.exp(-values[i])));
    }
  }

  /** Planar [C][cells] from an NHWC tensor of C channels. */
  public static float[] planesFromNhwc(float[] nhwc, Grid grid, int channels) {
    int cells = grid.cells();
    if (nhwc.length != cells * channels) {
      throw new IllegalArgumentException("tensor has " + nhwc.length + " floats, expected "
          + cells + " cells x " + channels + " channels");
    }
    float[] out = new float[nhwc.length];
    for (int i = 0, src = 0; i < cells; i++, src += channels) {
      for (int c = 0; c < channels; c++) {
        out[c * cells + i] = nhwc[src + c];
      }
    }
    return out;
  }
}
