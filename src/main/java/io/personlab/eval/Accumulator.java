package io.personlab.eval;

import java.util.List;

/**
 * pycocotools' accumulate(): for each category, area range and maxDets, all images' detections
 * (in ascending image-id order, each image's cut to maxDets) are ranked by score with a stable
 * sort, and the interpolated precision is read at the 101 recall thresholds. In one JVM: the
 * {@link RankedAccumulator} steps over a ranking held as one partition.
 */
public final class Accumulator {
  private Accumulator() {}

  /**
   * @param perImage {@code perImage[k][a][i]}: category k, area range a, image i in ascending
   *     image-id order; null where the image has neither ground truth nor detection
   */
  public static Accumulation accumulate(EvalParams p, ImageEvaluation[][][] perImage) {
    int numK = perImage.length, numA = p.areaRanges().length;
    long[] npig = new long[numK * numA];
    boolean[] present = new boolean[numK];
    RankedAccumulator.Columns.Builder all =
        new RankedAccumulator.Columns.Builder(numA * p.iouThrs().length);
    ImageEvaluation[] areas = new ImageEvaluation[numA];
    for (int k = 0; k < numK; k++) {
      for (int i = 0; i < perImage[k][0].length; i++) {
        if (perImage[k][0][i] == null) {
          continue;
        }
        present[k] = true;
        for (int a = 0; a < numA; a++) {
          areas[a] = perImage[k][a][i];
          npig[k * numA + a] += areas[a].numGt();
        }
        all.addImage(k, areas);
      }
    }
    RankedAccumulator.Columns ranking = all.build().sorted();
    RankedAccumulator.Counts counts = RankedAccumulator.count(p, numK, ranking);
    return RankedAccumulator.combine(p, numK, npig, present, counts, List.of(
        RankedAccumulator.partial(p, numK, npig, RankedAccumulator.Counts.zero(p, numK), ranking)));
  }
}
