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
      for (int a = 0; a < A; a++) {
        for (int m = 0; m < M; m++) {
          accumulateOne(p, perImage[k][a], k, a, m, acc);
        }
      }
    }
    return acc;
  }

  private static void accumulateOne(EvalParams p, ImageEvaluation[] images, int k, int a, int m,
      Accumulation acc) {
    int maxDet = p.maxDets()[m];
    int T = p.iouThrs().length;
    int total = 0;
    int present = 0;
    long npig = 0;
    for (ImageEvaluation e : images) {
      if (e != null) {
        present++;
        total += Math.min(e.numDetections(), maxDet);
        npig += e.numGt();
      }
    }
    if (present == 0 || npig == 0) {
      return;
    }
    double[] scores = new double[total];
    byte[] flags = new byte[T * total]; // [t][n], concatenation order
    int offset = 0;
    for (ImageEvaluation e : images) {
      if (e == null) {
        continue;
      }
      int nd = e.numDetections();
      int take = Math.min(nd, maxDet);
      System.arraycopy(e.scores(), 0, scores, offset, take);
      for (int t = 0; t < T; t++) {
        System.arraycopy(e.flags(), t * nd, flags, t * total + offset, take);
      }
      offset += take;
    }
    int[] order = StableSort.descending(scores);
    double[] recThrs = p.recThrs();
    int R = recThrs.length;
    double[] rc = new double[total];
    double[] pr = new double[total];
    double npigD = npig;
    for (int t = 0; t < T; t++) {
      int base = t * total;
      double tp = 0, fp = 0;
      for (int i = 0; i < total; i++) {
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
      acc.recall()[acc.recallIndex(t, k, a, m)] = total > 0 ? rc[total - 1] : 0;
      for (int i = total - 1; i > 0; i--) {
        if (pr[i] > pr[i - 1]) {
          pr[i - 1] = pr[i];
        }
      }
      // searchsorted(rc, recThrs, 'left'); thresholds past the last recall keep precision 0.
      int i = 0;
      for (int r = 0; r < R; r++) {
        while (i < total && rc[i] < recThrs[r]) {
          i++;
        }
        acc.precision()[acc.precisionIndex(t, r, k, a, m)] = i < total ? pr[i] : 0;
      }
    }
  }
}
