package io.personlab.cli;

import io.personlab.decode.DecoderConfig;
import io.personlab.segment.MaskConfig;
import picocli.CommandLine.Option;

/** Command-line knobs of the decoding core, defaulting to the paper's values. */
final class DecodingOptions {
  @Option(names = "--scoring", paramLabel = "S",
      description = "keypoint score: EXPECTED_OKS (paper, default) or HOUGH")
  DecoderConfig.Scoring scoring = DecoderConfig.Scoring.EXPECTED_OKS;

  @Option(names = "--nms", paramLabel = "N", description = "SOFT (paper, default) or HARD OKS-NMS")
  DecoderConfig.Nms nms = DecoderConfig.Nms.SOFT;

  @Option(names = "--max-people", paramLabel = "N", description = "people per image (default: ${DEFAULT-VALUE})")
  int maxPeople = 20;

  @Option(names = "--hough-cells", paramLabel = "N",
      description = "Hough cells per output cell along each axis (default: ${DEFAULT-VALUE})")
  int houghCells = DecoderConfig.paperDefaults().houghCellsPerOutputCell();

  @Option(names = "--mask-distance", paramLabel = "M",
      description = "INTERPOLATED (default: eq. 6 per cell, upsampled) or EXACT (eq. 6 per pixel)")
  MaskConfig.Distance maskDistance = MaskConfig.Distance.INTERPOLATED;

  @Option(names = "--segmentation-threshold", paramLabel = "P",
      description = "pixels whose person probability p_S is at least P are person pixels (default: ${DEFAULT-VALUE}, the paper's)")
  double segmentationThreshold = MaskConfig.paperDefaults().segmentationThreshold();

  @Option(names = "--mask-distance-threshold", paramLabel = "T",
      description = "a person pixel joins every person whose eq. 6 distance is at most T (default: ${DEFAULT-VALUE}, the paper's)")
  double maskDistanceThreshold = MaskConfig.paperDefaults().distanceThreshold();

  @Option(names = "--mask-max-side", paramLabel = "N",
      description = "masks at a resolution whose long side is at most N (default: 0 = image resolution); "
          + "boundaries move by at most half a mask pixel")
  int maskMaxSide = 0;

  @Option(names = "--bridge-threshold", paramLabel = "P",
      description = "long-range bridge across keypoints with p_k below this (default: ${DEFAULT-VALUE}; 0 = the paper's plain greedy walk)")
  double bridgeThreshold = DecoderConfig.paperDefaults().bridgeThreshold();

  DecoderConfig decoderConfig() {
    return DecoderConfig.paperDefaults().withScoring(scoring).withNms(nms).withMaxPeople(maxPeople)
        .withHoughCellsPerOutputCell(houghCells).withBridgeThreshold(bridgeThreshold);
  }

  MaskConfig maskConfig() {
    return MaskConfig.paperDefaults().withDistance(maskDistance).withMaxSide(maskMaxSide)
        .withSegmentationThreshold(segmentationThreshold).withDistanceThreshold(maskDistanceThreshold);
  }
}
