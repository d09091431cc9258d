package io.personlab.decode;

import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.Skeleton;

/**
 * Every knob of PersonLab's pose decoding (paper section 3.1), defaulting to the paper's values.
 * Distances are in decoding-frame pixels (the network input of the finest scale).
 *
 * @param skeleton keypoint types and kinematic tree the mid-range offsets follow
 * @param discRadius R: keypoint disk radius (Hough normalisation 1/(pi R^2), Expected-OKS disk); paper 32
 * @param houghCellsPerOutputCell resolution of the Hough score maps h_k: this many Hough cells
 *     per output cell along each axis (2 at stride 16 = 8 px cells; the paper votes at image
 *     resolution; on BodyPix's maps coarser cells smooth noisy votes: see the README's sweep)
 * @param voteThreshold cells whose p_k is below this cast no vote (speed only: such votes are
 *     far below the seed threshold)
 * @param seedThreshold local maxima of h_k above this seed the queue; paper 0.01
 * @param localMaximumRadius neighbourhood (in Hough cells) a seed must be the maximum of
 * @param refineSeedPeaks move a seed from its Hough cell to the h-weighted centroid of its 3x3
 *     neighbourhood, recovering sub-cell position lost to the Hough grid
 * @param nmsRadius r: seed rejection and soft-NMS radius; paper 10
 * @param midRefinementSteps refinements of mid-range offsets with short-range ones (eq. 2); paper 2
 * @param longSelfRefinementSteps long-range self refinements (eq. 5); paper 2
 * @param longShortRefinementSteps long-range refinements with short-range offsets (eq. 5); paper 2
 * @param scoring keypoint score: Expected-OKS (eq. 3, the paper's best) or the Hough score
 * @param nms soft-NMS (eq. 4, the paper's best) or hard OKS-NMS
 * @param hardNmsOksThreshold with hard NMS: suppress a person whose OKS with a kept one exceeds this
 * @param maxPeople people kept per image after NMS (20: the COCO keypoint protocol)
 * @param maxSeeds safety cap on seeds examined per image (noise can make thousands of maxima)
 * @param oksSigmas per-keypoint sigma; kappa_k = 2 sigma_k as in COCO's OKS
 * @param bridgeThreshold an extension of the paper, 0 turns it off: a placed keypoint whose
 *     p_k is below this (0.2, from the BodyPix sweep in the README) does not extend the chain; its tree neighbours are placed with the
 *     refined long-range offsets from the nearest supported keypoint on the path (needs the
 *     long-range head). Without it one unlabelled or occluded keypoint (a nose seen from behind)
 *     sends the rest of the chain astray and splits the person in two
 * @param bridgeMaxDistance a bridge starts only from a supported keypoint whose long-range
 *     offsets agree with the person's supported keypoints: eq. (6)'s distance at most this
 *     (lambda at least R, as a few keypoints give a tiny box)
 */
public record DecoderConfig(
    Skeleton skeleton,
    double discRadius,
    int houghCellsPerOutputCell,
    float voteThreshold,
    double seedThreshold,
    int localMaximumRadius,
    boolean refineSeedPeaks,
    double nmsRadius,
    int midRefinementSteps,
    int longSelfRefinementSteps,
    int longShortRefinementSteps,
    Scoring scoring,
    Nms nms,
    double hardNmsOksThreshold,
    int maxPeople,
    int maxSeeds,
    double[] oksSigmas,
    double bridgeThreshold,
    double bridgeMaxDistance) implements java.io.Serializable {

  /** Keypoint-level score (paper section 3.1, "Keypoint- and instance-level detection scoring"). */
  public enum Scoring {
    EXPECTED_OKS,
    HOUGH
  }

  /** Instance-level suppression. */
  public enum Nms {
    SOFT,
    HARD
  }

  public DecoderConfig {
    if (oksSigmas.length != skeleton.numKeypoints()) {
      throw new IllegalArgumentException("one OKS sigma per keypoint type");
    }
    if (discRadius <= 0 || houghCellsPerOutputCell < 1 || nmsRadius < 0 || maxPeople < 1
        || localMaximumRadius < 1 || maxSeeds < 1 || midRefinementSteps < 0
        || longSelfRefinementSteps < 0 || longShortRefinementSteps < 0) {
      throw new IllegalArgumentException("decoder configuration out of range: " + this);
    }
  }

  /** The paper's settings for COCO's 17 keypoints and the PoseNet/BodyPix tree. */
  public static DecoderConfig paperDefaults() {
    return new DecoderConfig(CocoKeypoints.POSE_CHAIN, 32, 2, 0.001f, 0.01, 1, true, 10, 2, 2, 2,
        Scoring.EXPECTED_OKS, Nms.SOFT, 0.5, 20, 2000, CocoKeypoints.sigmas(), 0.2, 0.25);
  }

  public DecoderConfig withScoring(Scoring s) {
    return copy(c -> c.scoring = s);
  }

  public DecoderConfig withNms(Nms n) {
    return copy(c -> c.nms = n);
  }

  public DecoderConfig withBridgeThreshold(double t) {
    return copy(c -> c.bridgeThreshold = t);
  }

  public DecoderConfig withMaxPeople(int m) {
    return copy(c -> c.maxPeople = m);
  }

  public DecoderConfig withHoughCellsPerOutputCell(int n) {
    return copy(c -> c.houghCellsPerOutputCell = n);
  }

  /** This configuration with some components changed (records have no withers). */
  private DecoderConfig copy(java.util.function.Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return f.build();
  }

  /** The components, mutable, for {@link #copy}. */
  private static final class Fields {
    Skeleton skeleton;
    double discRadius;
    int houghCellsPerOutputCell;
    float voteThreshold;
    double seedThreshold;
    int localMaximumRadius;
    boolean refineSeedPeaks;
    double nmsRadius;
    int midRefinementSteps;
    int longSelfRefinementSteps;
    int longShortRefinementSteps;
    Scoring scoring;
    Nms nms;
    double hardNmsOksThreshold;
    int maxPeople;
    int maxSeeds;
    double[] oksSigmas;
    double bridgeThreshold;
    double bridgeMaxDistance;

    Fields(DecoderConfig c) {
      skeleton = c.skeleton;
      discRadius = c.discRadius;
      houghCellsPerOutputCell = c.houghCellsPerOutputCell;
      voteThreshold = c.voteThreshold;
      seedThreshold = c.seedThreshold;
      localMaximumRadius = c.localMaximumRadius;
      refineSeedPeaks = c.refineSeedPeaks;
      nmsRadius = c.nmsRadius;
      midRefinementSteps = c.midRefinementSteps;
      longSelfRefinementSteps = c.longSelfRefinementSteps;
      longShortRefinementSteps = c.longShortRefinementSteps;
      scoring = c.scoring;
      nms = c.nms;
      hardNmsOksThreshold = c.hardNmsOksThreshold;
      maxPeople = c.maxPeople;
      maxSeeds = c.maxSeeds;
      oksSigmas = c.oksSigmas;
      bridgeThreshold = c.bridgeThreshold;
      bridgeMaxDistance = c.bridgeMaxDistance;
    }

    DecoderConfig build() {
      return new DecoderConfig(skeleton, discRadius, houghCellsPerOutputCell, voteThreshold, seedThreshold,
          localMaximumRadius, refineSeedPeaks, nmsRadius, midRefinementSteps, longSelfRefinementSteps,
          longShortRefinementSteps, scoring, nms, hardNmsOksThreshold, maxPeople, maxSeeds, oksSigmas,
          bridgeThreshold, bridgeMaxDistance);
    }
  }
}
