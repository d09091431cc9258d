package io.personlab.eval;

import java.util.Arrays;

/**
 * pycocotools' accumulate(): for each category, area range and maxDets, all images' detections
 * (in ascending image-id order, each image's cut to maxDets) are ranked by score with a stable
 * sort, and the interpolated precision is read at the 101 recall thresholds.
 */
public final class Accumulator {
  private Accumulator() {}

  /**
   * @param perImage {@code perImage[k][a][i]}: category k, area range a, image i in ascending
   *     image-id order; null where the image has neither ground truth nor detection
   */
  public static Accumulation accumulate(EvalParams p, ImageEvaluation[][][] perImage) {
    int T = p.iouThrs().length, R = p.recThrs().length, A = p.areaRanges().length;
    int M = p.maxDets().length, K = perImage.length;
    double[] precision = new double[T * R * K * A * M];
    double[] recall = new double[T * K * A * M];
    Arrays.fill(precision, -1);
    Arrays.fill(recall, -1);
    Accumulation acc = new Accumulation(p, K, precision, recall);
    for (int k = 0; k < K; k++) {
      accumulateCategory(p, perImage[k], k, acc);
    }
    return acc;
  }

  /**
   * Which images are present (non-null) does not depend on the area range, and the detections
   * kept under a smaller maxDets are a prefix of each image's list; so one stable sort of all
   * kept detections serves every area range and maxDets: filtering it keeps the relative order
   * a separate sort of the shorter concatenation would give.
   */
  private static void accumulateCategory(EvalParams p, ImageEvaluation[][] byArea, int k,
      Accumulation acc) {
    int T = p.iouThrs().length;
    int A = byArea.length;
    ImageEvaluation[] first = byArea[0];
    int total = 0;
    int present = 0;
    for (ImageEvaluation e : first) {
      if (e != null) {
        present++;
        total += e.numDetections();
      }
    }
    if (present == 0) {
      return;
    }
    double[] scores = new double[total];
    int[] rank = new int[total]; // position of each detection within its image's list
    int offset = 0;
    for (ImageEvaluation e : first) {
      if (e == null) {
        continue;
      }
      int nd = e.numDetections();
      System.arraycopy(e.scores(), 0, scores, offset, nd);
      for (int d = 0; d < nd; d++) {
        rank[offset + d] = d;
      }
      offset += nd;
    }
    int[] order = StableSort.descending(scores);
    byte[] flags = new byte[T * total]; // [t][n] in concatenation order
    int[] kept = new int[total];
    double[] rc = new double[total];
    double[] pr = new double[total];
    for (int a = 0; a < A; a++) {
      ImageEvaluation[] images = byArea[a];
      long npig = 0;
      offset = 0;
      for (ImageEvaluation e : images) {
        if (e == null) {
          continue;
        }
        npig += e.numGt();
        int nd = e.numDetections();
        for (int t = 0; t < T; t++) {
          System.arraycopy(e.flags(), t * nd, flags, t * total + offset, nd);
        }
        offset += nd;
      }
      if (npig == 0) {
        continue;
      }
      for (int m = 0; m < p.maxDets().length; m++) {
        int maxDet = p.maxDets()[m];
        int n = 0;
        for (int i : order) {
          if (rank[i] < maxDet) {
            kept[n++] = i;
          }
        }
        precisionAndRecall(p, flags, total, kept, n, npig, k, a, m, acc, rc, pr);
      }
    }
  }

  private static void precisionAndRecall(EvalParams p, byte[] flags, int total, int[] order, int nd,
      long npig, int k, int a, int m, Accumulation acc, double[] rc, double[] pr) {
    int T = p.iouThrs().length;
    double[] recThrs = p.recThrs();
    int R = recThrs.length;
    double npigD = npig;
    for (int t = 0; t < T; t++) {
      int base = t * total;
      double tp = 0, fp = 0;
      for (int i = 0; i < nd; i++) {
        byte f = flags[base + order[i]];
        if ((f & ImageEvaluation.IGNORED) == 0) {
          if ((f & ImageEvaluation.MATCHED) != 0) {
            tp++;
          } else {
            fp++;
          }
        }
        rc[i] = tp / npigD;
        pr[i] = tp / (fp + tp + NumpyMath.EPS);
      }
      acc.recall()[acc.recallIndex(t, k, a, m)] = nd > 0 ? rc[nd - 1] : 0;
      for (int i = nd - 1; i > 0; i--) {
        if (pr[i] > pr[i - 1]) {
          pr[i - 1] = pr[i];
        }
      }
      // searchsorted(rc, recThrs, 'left'); thresholds past the last recall keep precision 0.
      int i = 0;
      for (int r = 0; r < R; r++) {
        while (i < nd && rc[i] < recThrs[r]) {
          i++;
        }
        acc.precision()[acc.precisionIndex(t, r, k, a, m)] = i < nd ? pr[i] : 0;
      }
    }
  }
}
