package io.personlab.segment;

/**
 * Knobs of PersonLab's instance segmentation (paper section 3.2), defaulting to the paper's.
 *
 * @param segmentationThreshold pixels with p_S at least this are person pixels; paper 0.5
 * @param distanceThreshold t: a person pixel joins every person with D_ij at most t; paper 0.25
 * @param distance how D_ij reaches image resolution (see {@link Distance})
 * @param exactCandidateFactor EXACT only: pixels are examined in grid quads where some corner
 *     has D below this many times t (the distance varies smoothly within a quad)
 */
public record MaskConfig(
    double segmentationThreshold, double distanceThreshold, Distance distance, double exactCandidateFactor)
    implements java.io.Serializable {

  /**
   * Both modes upsample p_S bilinearly to every image pixel and refine the long-range offsets at
   * the network's resolution (eq. 5), as the paper does.
   */
  public enum Distance {
    /** eq. (6) at every output cell, the distance field upsampled bilinearly to image pixels (fast). */
    INTERPOLATED,
    /** eq. (6) at every image pixel, from bilinearly upsampled long-range offsets. */
    EXACT
  }

  public MaskConfig {
    if (!(distanceThreshold > 0) || exactCandidateFactor < 1) {
      throw new IllegalArgumentException("mask configuration out of range: " + this);
    }
  }

  public static MaskConfig paperDefaults() {
    return new MaskConfig(0.5, 0.25, Distance.INTERPOLATED, 2.0);
  }

  public MaskConfig withDistance(Distance d) {
    return new MaskConfig(segmentationThreshold, distanceThreshold, d, exactCandidateFactor);
  }
}
