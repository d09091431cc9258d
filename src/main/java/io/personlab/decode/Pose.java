package io.personlab.decode;

/**
 * One decoded person in the decoding frame: keypoint positions, the probability p_k that each
 * is present (the heatmap at the keypoint), keypoint scores s_{j,k} and the instance score s_j.
 * Arrays are indexed by keypoint type and not copied.
 */
public record Pose(double[] x, double[] y, double[] presence, double[] keypointScores, double score) {

  public int numKeypoints() {
    return x.length;
  }

  /** lambda_j: the square root of the area of the box around all keypoints (at least 1 pixel). */
  public double scale() {
    return Math.sqrt(Math.max(1.0, boxArea(x, y)));
  }

  static double boxArea(double[] x, double[] y) {
    double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
    double y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < x.length; k++) {
      x0 = Math.min(x0, x[k]);
      x1 = Math.max(x1, x[k]);
      y0 = Math.min(y0, y[k]);
      y1 = Math.max(y1, y[k]);
    }
    return (x1 - x0) * (y1 - y0);
  }
}
