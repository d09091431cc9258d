package io.personlab.testing;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.Segmentation;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.rle.Polygons;
import java.util.List;

/** Hand-made COCO people for decoder tests. */
public final class Scenes {
  private Scenes() {}

  /** Keypoints of a standing person whose nose is at (x, y), {@code tall} pixels tall. */
  public static double[] standing(double x, double y, double tall) {
    double[] t = {
      0.00, 0.00, 0.03, -0.02, -0.03, -0.02, 0.06, -0.01, -0.06, -0.01,
      0.12, 0.12, -0.12, 0.12, 0.16, 0.29, -0.16, 0.29, 0.17, 0.44, -0.17, 0.44,
      0.08, 0.47, -0.08, 0.47, 0.09, 0.70, -0.09, 0.70, 0.09, 0.92, -0.09, 0.92,
    };
    double[] kp = new double[3 * CocoKeypoints.K];
    for (int k = 0; k < CocoKeypoints.K; k++) {
      kp[3 * k] = x + t[2 * k] * tall;
      kp[3 * k + 1] = y + t[2 * k + 1] * tall;
      kp[3 * k + 2] = 2;
    }
    return kp;
  }

  /** Marks keypoint types as unlabelled (v = 0, position 0, as COCO writes them). */
  public static double[] without(double[] kp, int... types) {
    double[] out = kp.clone();
    for (int k : types) {
      out[3 * k] = 0;
      out[3 * k + 1] = 0;
      out[3 * k + 2] = 0;
    }
    return out;
  }

  /** A person annotation: keypoints and a box mask around them, padded. */
  public static CocoAnnotation person(long id, double[] kp, double pad, int imageWidth, int imageHeight) {
    double x0 = Double.POSITIVE_INFINITY, y0 = Double.POSITIVE_INFINITY;
    double x1 = Double.NEGATIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
    int labelled = 0;
    for (int k = 0; k < kp.length / 3; k++) {
      if (kp[3 * k + 2] > 0) {
        labelled++;
        x0 = Math.min(x0, kp[3 * k]);
        x1 = Math.max(x1, kp[3 * k]);
        y0 = Math.min(y0, kp[3 * k + 1]);
        y1 = Math.max(y1, kp[3 * k + 1]);
      }
    }
    double[] poly = {x0 - pad, y0 - pad, x1 + pad, y0 - pad, x1 + pad, y1 + pad, x0 - pad, y1 + pad};
    double area = Polygons.fromPolygon(poly, imageHeight, imageWidth).area();
    return new CocoAnnotation((int) id, id, 1, 1, area, false,
        new double[] {x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad}, kp, labelled,
        new Segmentation.PolygonList(List.of(poly)));
  }

  /** A crowd region (box). */
  public static CocoAnnotation crowd(long id, double x, double y, double w, double h, int imageWidth, int imageHeight) {
    double[] poly = {x, y, x + w, y, x + w, y + h, x, y + h};
    return new CocoAnnotation((int) id, id, 1, 1, w * h, true, new double[] {x, y, w, h},
        new double[3 * CocoKeypoints.K], 0, new Segmentation.PolygonList(List.of(poly)));
  }
}
