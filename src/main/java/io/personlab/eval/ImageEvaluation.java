package io.personlab.eval;

import java.io.Serializable;

/**
 * What one image contributes to one (category, area range) of the accumulation: pycocotools'
 * evalImgs entry reduced to what accumulate reads. Per-image results are independent, so they
 * can be computed anywhere (threads, Spark tasks) and merged by {@link Accumulator}.
 *
 * @param imageId the image
 * @param scores detection scores, highest first (stable), cut to the largest maxDets
 * @param flags per threshold t and detection d, {@code flags[t * D + d]}: {@link #MATCHED}
 *     and/or {@link #IGNORED}
 * @param numGt ground truths not ignored in this area range
 */
public record ImageEvaluation(long imageId, double[] scores, byte[] flags, int numGt)
    implements Serializable {
  /** The detection matched a ground truth at this threshold. */
  public static final byte MATCHED = 1;
  /** The detection is ignored (matched a crowd/ignored ground truth, or outside the area range). */
  public static final byte IGNORED = 2;

  public int numDetections() {
    return scores.length;
  }
}
