package io.personlab.eval;

import java.util.Arrays;

/**
 * COCOeval's parameters (pycocotools Params), with its defaults per iouType. Arrays are not
 * copied: treat them as read-only.
 *
 * @param iouThrs IoU/OKS thresholds, T of them
 * @param recThrs recall thresholds, R of them
 * @param maxDets detections kept per image, ascending; the last one cuts before matching
 * @param areaRanges [lo, hi] object area ranges, A of them
 * @param areaLabels their names ("all", "small", ...), used by the summary
 * @param oksSigmas per-keypoint OKS sigmas (keypoints only)
 */
public record EvalParams(
    IouType iouType,
    double[] iouThrs,
    double[] recThrs,
    int[] maxDets,
    double[][] areaRanges,
    String[] areaLabels,
    double[] oksSigmas) implements java.io.Serializable {

  /** The COCO keypoint sigmas, divided by 10 in float64 as pycocotools does. */
  public static final double[] COCO_KEYPOINT_SIGMAS = cocoSigmas();

  private static double[] cocoSigmas() {
    double[] s = {.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89};
    for (int i = 0; i < s.length; i++) {
      s[i] = s[i] / 10.0;
    }
    return s;
  }

  public EvalParams {
    if (iouThrs.length == 0 || recThrs.length == 0 || maxDets.length == 0 || areaRanges.length == 0) {
      throw new IllegalArgumentException("evaluation parameters need thresholds, maxDets and area ranges");
    }
    if (areaLabels.length != areaRanges.length) {
      throw new IllegalArgumentException("one label per area range");
    }
    maxDets = maxDets.clone();
    Arrays.sort(maxDets);
  }

  /** pycocotools' defaults for the given iouType. */
  public static EvalParams defaults(IouType type) {
    double[] iouThrs = NumpyMath.linspace(.5, 0.95, (int) Math.round((0.95 - .5) / .05) + 1);
    double[] recThrs = NumpyMath.linspace(.0, 1.00, (int) Math.round((1.00 - .0) / .01) + 1);
    double big = 1e5 * 1e5;
    if (type == IouType.KEYPOINTS) {
      return new EvalParams(type, iouThrs, recThrs, new int[] {20},
          new double[][] {{0, big}, {32 * 32, 96 * 96}, {96 * 96, big}},
          new String[] {"all", "medium", "large"}, COCO_KEYPOINT_SIGMAS);
    }
    return new EvalParams(type, iouThrs, recThrs, new int[] {1, 10, 100},
        new double[][] {{0, big}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, big}},
        new String[] {"all", "small", "medium", "large"}, COCO_KEYPOINT_SIGMAS);
  }

  public int maxDetLast() {
    return maxDets[maxDets.length - 1];
  }
}
