package io.personlab.segment;

/**
 * Knobs of PersonLab's instance segmentation (paper section 3.2), defaulting to the paper's.
 *
 * @param segmentationThreshold pixels with p_S at least this are person pixels; paper 0.5
 * @param distanceThreshold t: a person pixel joins every person with D_ij at most t; paper 0.25
 * @param distance how D_ij reaches image resolution (see {@link Distance})
 * @param exactCandidateFactor EXACT only: pixels are examined in grid quads where some corner
 *     has D below this many times t (the distance varies smoothly within a quad)
 * @param maxSide 0: masks at image resolution; otherwise masks are computed and stored at a
 *     resolution whose long side is at most this (the image scaled by m = maxSide / long side, each
 *     side rounded); a boundary then sits within half a mask pixel, 1 / (2m) image pixels, of
 *     where the full-resolution mask puts it
 */
public record MaskConfig(
    double segmentationThreshold, double distanceThreshold, Distance distance, double exactCandidateFactor,
    int maxSide) implements java.io.Serializable {

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
    if (!(segmentationThreshold > 0 && segmentationThreshold < 1) || !(distanceThreshold > 0)
        || exactCandidateFactor < 1 || maxSide < 0) {
      throw new IllegalArgumentException("mask configuration out of range: " + this);
    }
  }

  public static MaskConfig paperDefaults() {
    return new MaskConfig(0.5, 0.25, Distance.INTERPOLATED, 2.0, 0);
  }

  public MaskConfig withDistance(Distance d) {
    return new MaskConfig(segmentationThreshold, distanceThreshold, d, exactCandidateFactor, maxSide);
  }

  public MaskConfig withSegmentationThreshold(double p) {
    return new MaskConfig(p, distanceThreshold, distance, exactCandidateFactor, maxSide);
  }

  public MaskConfig withDistanceThreshold(double t) {
    return new MaskConfig(segmentationThreshold, t, distance, exactCandidateFactor, maxSide);
  }

  public MaskConfig withMaxSide(int side) {
    return new MaskConfig(segmentationThreshold, distanceThreshold, distance, exactCandidateFactor, side);
  }

  /** The mask size {width, height} for an image: the image's own unless maxSide caps it. */
  public int[] maskSize(int imageWidth, int imageHeight) {
    int longSide = Math.max(imageWidth, imageHeight);
    if (maxSide == 0 || longSide <= maxSide) {
      return new int[] {imageWidth, imageHeight};
    }
    double m = (double) maxSide / longSide;
    return new int[] {Math.max(1, (int) Math.round(imageWidth * m)), Math.max(1, (int) Math.round(imageHeight * m))};
  }
}
