package io.personlab.bench;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.Segmentation;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.rle.Polygons;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Synthetic COCO people for benchmarks and tests: a standing pose template, randomly scaled,
 * placed and slightly jittered, with every keypoint labelled and a mask polygon around the
 * keypoints (their convex hull, padded). Deterministic for a seed.
 */
public final class SyntheticScenes {
  /** Template keypoints (x, y) for a person 1 unit tall, feet at y = 1, centred on x = 0. */
  private static final double[] TEMPLATE = {
    0.00, 0.06, 0.03, 0.04, -0.03, 0.04, 0.06, 0.05, -0.06, 0.05,
    0.12, 0.18, -0.12, 0.18, 0.16, 0.35, -0.16, 0.35, 0.17, 0.50, -0.17, 0.50,
    0.08, 0.53, -0.08, 0.53, 0.09, 0.76, -0.09, 0.76, 0.09, 0.98, -0.09, 0.98,
  };

  private SyntheticScenes() {}

  /** {@code people} people in a width x height image. */
  public static List<CocoAnnotation> people(int people, int width, int height, long seed) {
    Random random = new Random(seed);
    List<CocoAnnotation> out = new ArrayList<>(people);
    int k = CocoKeypoints.K;
    for (int j = 0; j < people; j++) {
      double tall = height * (0.25 + 0.45 * random.nextDouble());
      double cx = width * (0.1 + 0.8 * random.nextDouble());
      double top = (height - tall) * random.nextDouble();
      double[] kp = new double[3 * k];
      double[] xy = new double[2 * k];
      for (int i = 0; i < k; i++) {
        double x = cx + TEMPLATE[2 * i] * tall + random.nextGaussian() * 0.01 * tall;
        double y = top + TEMPLATE[2 * i + 1] * tall + random.nextGaussian() * 0.01 * tall;
        x = Math.max(0, Math.min(width - 1, x));
        y = Math.max(0, Math.min(height - 1, y));
        kp[3 * i] = x;
        kp[3 * i + 1] = y;
        kp[3 * i + 2] = 2;
        xy[2 * i] = x;
        xy[2 * i + 1] = y;
      }
      double[] hull = paddedHull(xy, 0.07 * tall);
      Segmentation.PolygonList seg = new Segmentation.PolygonList(List.of(hull));
      double area = Polygons.fromPolygon(hull, height, width).area();
      double[] bbox = bounds(hull);
      out.add(new CocoAnnotation(j, j + 1, 1, 1, area, false, bbox, kp, k, seg));
    }
    return out;
  }

  /** Convex hull (monotone chain) of the points, each hull vertex pushed out by {@code pad}. */
  static double[] paddedHull(double[] xy, double pad) {
    int n = xy.length / 2;
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    java.util.Arrays.sort(idx, (a, b) -> xy[2 * a] != xy[2 * b]
        ? Double.compare(xy[2 * a], xy[2 * b]) : Double.compare(xy[2 * a + 1], xy[2 * b + 1]));
    int[] hull = new int[2 * n];
    int m = 0;
    for (int pass = 0; pass < 2; pass++) {
      int start = m;
      for (int t = 0; t < n; t++) {
        int i = idx[pass == 0 ? t : n - 1 - t];
        while (m >= start + 2 && cross(xy, hull[m - 2], hull[m - 1], i) <= 0) {
          m--;
        }
        hull[m++] = i;
      }
      m--;
    }
    double cx = 0, cy = 0;
    for (int i = 0; i < m; i++) {
      cx += xy[2 * hull[i]];
      cy += xy[2 * hull[i] + 1];
    }
    cx /= m;
    cy /= m;
    double[] out = new double[2 * m];
    for (int i = 0; i < m; i++) {
      double x = xy[2 * hull[i]], y = xy[2 * hull[i] + 1];
      double d = Math.max(1e-9, Math.hypot(x - cx, y - cy));
      out[2 * i] = x + (x - cx) / d * pad;
      out[2 * i + 1] = y + (y - cy) / d * pad;
    }
    return out;
  }

  private static double cross(double[] p, int o, int a, int b) {
    return (p[2 * a] - p[2 * o]) * (p[2 * b + 1] - p[2 * o + 1])
        - (p[2 * a + 1] - p[2 * o + 1]) * (p[2 * b] - p[2 * o]);
  }

  private static double[] bounds(double[] xy) {
    double x0 = Double.POSITIVE_INFINITY, y0 = Double.POSITIVE_INFINITY;
    double x1 = Double.NEGATIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < xy.length; i += 2) {
      x0 = Math.min(x0, xy[i]);
      x1 = Math.max(x1, xy[i]);
      y0 = Math.min(y0, xy[i + 1]);
      y1 = Math.max(y1, xy[i + 1]);
    }
    return new double[] {x0, y0, x1 - x0, y1 - y0};
  }
}
