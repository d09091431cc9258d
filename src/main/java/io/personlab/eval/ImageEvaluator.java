package io.personlab.eval;

import io.personlab.coco.CocoAnnotation;
import io.personlab.rle.Rle;
import io.personlab.rle.RleOps;
import java.util.ArrayList;
import java.util.List;

/**
 * pycocotools' computeIoU / computeOks and evaluateImg for one image and one category, all area
 * ranges at once (the similarity matrix is computed once). Stateless apart from its parameters;
 * safe to share between threads.
 */
public final class ImageEvaluator {
  private final EvalParams params;
  private final double[] oksVars;

  public ImageEvaluator(EvalParams params) {
    this.params = params;
    double[] s = params.oksSigmas();
    oksVars = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      double twice = s[i] * 2;
      oksVars[i] = twice * twice;
    }
  }

  /**
   * Evaluates one image and category.
   *
   * @param gts ground truths of the image and category, in file order
   * @param dts detections of the image and category, in file order
   * @param imageHeight image size, for rasterising polygons (segm only)
   * @return one entry per area range, or null when there is neither ground truth nor detection
   */
  public ImageEvaluation[] evaluate(
      long imageId, List<CocoAnnotation> gts, List<Detection> dts, int imageHeight, int imageWidth) {
    Detailed d = evaluateDetailed(imageId, gts, dts, imageHeight, imageWidth);
    return d == null ? null : d.perArea();
  }

  /**
   * {@link #evaluate}'s result and, for each ground truth (file order), the best OKS/IoU any kept
   * detection reaches with it (0 without detections): the per-image quality a user sorts by.
   */
  public record Detailed(ImageEvaluation[] perArea, double[] bestSimilarity) {}

  /** As {@link #evaluate}, with each ground truth's best similarity; null for an empty image. */
  public Detailed evaluateDetailed(
      long imageId, List<CocoAnnotation> gts, List<Detection> dts, int imageHeight, int imageWidth) {
    if (gts.isEmpty() && dts.isEmpty()) {
      return null;
    }
    int[] order = StableSort.descending(scoresOf(dts));
    int numDt = Math.min(order.length, params.maxDetLast());
    Detection[] dt = new Detection[numDt];
    for (int i = 0; i < numDt; i++) {
      dt[i] = dts.get(order[i]);
    }
    int numGt = gts.size();
    double[][] ious = similarity(gts, dt, imageHeight, imageWidth);

    boolean[] ignoreBase = new boolean[numGt];
    for (int g = 0; g < numGt; g++) {
      ignoreBase[g] = ignoredInEveryRange(gts.get(g), params.iouType());
    }
    double[][] ranges = params.areaRanges();
    ImageEvaluation[] out = new ImageEvaluation[ranges.length];
    double[] scores = new double[numDt];
    for (int d = 0; d < numDt; d++) {
      scores[d] = dt[d].score();
    }
    for (int a = 0; a < ranges.length; a++) {
      out[a] = match(imageId, gts, dt, ious, ignoreBase, ranges[a][0], ranges[a][1], scores);
    }
    double[] best = new double[numGt];
    if (ious != null) {
      for (double[] row : ious) {
        for (int g = 0; g < numGt; g++) {
          best[g] = Math.max(best[g], row[g]);
        }
      }
    }
    return new Detailed(out, best);
  }

  /** pycocotools' gt['ignore']: crowd regions, and for keypoints people without any keypoint. */
  public static boolean ignoredInEveryRange(CocoAnnotation a, IouType type) {
    return a.crowd() || (type == IouType.KEYPOINTS && a.numKeypoints() == 0);
  }

  private ImageEvaluation match(long imageId, List<CocoAnnotation> gtsInFileOrder, Detection[] dt,
      double[][] ious, boolean[] ignoreBase, double lo, double hi, double[] scores) {
    int numGt = gtsInFileOrder.size();
    int numDt = dt.length;
    // Ground truths not ignored first, file order kept (stable argsort of the ignore flags).
    int[] gtOrder = new int[numGt];
    boolean[] gtIgnore = new boolean[numGt];
    int next = 0;
    int kept = 0;
    for (int pass = 0; pass < 2; pass++) {
      for (int g = 0; g < numGt; g++) {
        double area = gtsInFileOrder.get(g).area();
        boolean ignore = ignoreBase[g] || area < lo || area > hi;
        if (ignore == (pass == 1)) {
          gtOrder[next] = g;
          gtIgnore[next] = ignore;
          next++;
          if (!ignore) {
            kept++;
          }
        }
      }
    }
    double[] thresholds = params.iouThrs();
    int numT = thresholds.length;
    byte[] flags = new byte[numT * numDt];
    if (ious != null) {
      boolean[] gtMatched = new boolean[numGt];
      for (int t = 0; t < numT; t++) {
        java.util.Arrays.fill(gtMatched, false);
        double threshold = Math.min(thresholds[t], 1 - 1e-10);
        for (int d = 0; d < numDt; d++) {
          double best = threshold;
          int m = -1;
          double[] row = ious[d];
          for (int gi = 0; gi < numGt; gi++) {
            int g = gtOrder[gi];
            if (gtMatched[gi] && !gtsInFileOrder.get(g).crowd()) {
              continue;
            }
            if (m > -1 && !gtIgnore[m] && gtIgnore[gi]) {
              break;
            }
            if (row[g] < best) {
              continue;
            }
            best = row[g];
            m = gi;
          }
          if (m == -1) {
            continue;
          }
          byte f = 0;
          if (gtIgnore[m]) {
            f |= ImageEvaluation.IGNORED;
          }
          // pycocotools stores the matched gt id and tests it for != 0.
          if (gtsInFileOrder.get(gtOrder[m]).id() != 0) {
            f |= ImageEvaluation.MATCHED;
          }
          flags[t * numDt + d] = f;
          gtMatched[m] = true; // the detection id (>= 1) marks the gt as taken
        }
      }
    }
    // Unmatched detections outside the area range are ignored.
    for (int d = 0; d < numDt; d++) {
      double area = dt[d].area();
      if (area < lo || area > hi) {
        for (int t = 0; t < numT; t++) {
          if ((flags[t * numDt + d] & ImageEvaluation.MATCHED) == 0) {
            flags[t * numDt + d] |= ImageEvaluation.IGNORED;
          }
        }
      }
    }
    return new ImageEvaluation(imageId, scores, flags, kept);
  }

  /** ious[d][g] with gts in file order, or null where pycocotools' ious is empty. */
  private double[][] similarity(List<CocoAnnotation> gts, Detection[] dt, int h, int w) {
    if (gts.isEmpty() || dt.length == 0) {
      return null;
    }
    return switch (params.iouType()) {
      case KEYPOINTS -> oks(gts, dt);
      case BBOX -> boxIou(gts, dt);
      case SEGM -> maskIou(gts, dt, h, w);
    };
  }

  private double[][] boxIou(List<CocoAnnotation> gts, Detection[] dt) {
    int n = gts.size();
    double[] gb = new double[4 * n];
    boolean[] crowd = new boolean[n];
    for (int g = 0; g < n; g++) {
      CocoAnnotation a = gts.get(g);
      if (a.bbox() == null) {
        throw InvalidRecordException.groundTruth(
            "annotation #" + a.index() + " (id " + a.id() + ") has no bbox, needed for bbox evaluation");
      }
      System.arraycopy(a.bbox(), 0, gb, 4 * g, 4);
      crowd[g] = a.crowd();
    }
    double[] db = new double[4 * dt.length];
    for (int d = 0; d < dt.length; d++) {
      System.arraycopy(dt[d].bbox(), 0, db, 4 * d, 4);
    }
    return RleOps.boxIou(db, dt.length, gb, n, crowd);
  }

  private double[][] maskIou(List<CocoAnnotation> gts, Detection[] dt, int h, int w) {
    List<Rle> g = new ArrayList<>(gts.size());
    boolean[] crowd = new boolean[gts.size()];
    for (int i = 0; i < gts.size(); i++) {
      CocoAnnotation a = gts.get(i);
      if (a.segmentation() == null) {
        throw InvalidRecordException.groundTruth(
            "annotation #" + a.index() + " (id " + a.id() + ") has no segmentation, needed for segm evaluation");
      }
      try {
        g.add(a.segmentation().toRle(h, w));
      } catch (IllegalArgumentException e) {
        throw InvalidRecordException.groundTruth(
            "annotation #" + a.index() + " (id " + a.id() + "): bad segmentation: " + e.getMessage(), e);
      }
      crowd[i] = a.crowd();
    }
    List<Rle> d = new ArrayList<>(dt.length);
    for (Detection det : dt) {
      if (det.mask() != null) {
        d.add(det.mask());
      } else if (det.segmentation() != null) {
        try {
          d.add(det.segmentation().toRle(h, w));
        } catch (IllegalArgumentException e) {
          throw InvalidRecordException.result(
              "result #" + det.index() + ": bad segmentation: " + e.getMessage(), e);
        }
      } else {
        throw InvalidRecordException.result(
              "result #" + det.index() + " has no segmentation, needed for segm evaluation");
      }
    }
    return RleOps.iou(d, g, crowd);
  }

  private double[][] oks(List<CocoAnnotation> gts, Detection[] dt) {
    int k = oksVars.length;
    double[][] ious = new double[dt.length][gts.size()];
    double[] e = new double[k];
    for (int j = 0; j < gts.size(); j++) {
      CocoAnnotation gt = gts.get(j);
      double[] g = gt.keypoints();
      if (g == null || g.length != 3 * k) {
        throw InvalidRecordException.groundTruth(
            "annotation #" + gt.index() + " (id " + gt.id() + ") has "
            + (g == null ? "no keypoints" : g.length + " keypoint values, expected " + 3 * k));
      }
      if (gt.bbox() == null) {
        throw InvalidRecordException.groundTruth(
            "annotation #" + gt.index() + " (id " + gt.id() + ") has no bbox, needed for OKS");
      }
      int labelled = 0;
      for (int i = 0; i < k; i++) {
        if (g[3 * i + 2] > 0) {
          labelled++;
        }
      }
      double[] bb = gt.bbox();
      double x0 = bb[0] - bb[2], x1 = bb[0] + bb[2] * 2;
      double y0 = bb[1] - bb[3], y1 = bb[1] + bb[3] * 2;
      double areaEps = gt.area() + NumpyMath.EPS;
      for (int i = 0; i < dt.length; i++) {
        double[] d = dt[i].keypoints();
        if (d == null) {
          throw InvalidRecordException.result(
              "result #" + dt[i].index() + " has no keypoints, needed for keypoint evaluation");
        }
        int n = 0;
        for (int t = 0; t < k; t++) {
          double dx, dy;
          if (labelled > 0) {
            if (!(g[3 * t + 2] > 0)) {
              continue;
            }
            dx = d[3 * t] - g[3 * t];
            dy = d[3 * t + 1] - g[3 * t + 1];
          } else {
            double xd = d[3 * t], yd = d[3 * t + 1];
            dx = Math.max(0, x0 - xd) + Math.max(0, xd - x1);
            dy = Math.max(0, y0 - yd) + Math.max(0, yd - y1);
          }
          double v = (dx * dx + dy * dy) / oksVars[t] / areaEps / 2;
          e[n++] = StrictMath.exp(-v);
        }
        ious[i][j] = NumpyMath.sum(e, 0, n) / n;
      }
    }
    return ious;
  }

  private static double[] scoresOf(List<Detection> dts) {
    double[] s = new double[dts.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = dts.get(i).score();
    }
    return s;
  }
}
