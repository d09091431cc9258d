package io.personlab.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.coco.CocoAnnotation;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.FrameTransform;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.targets.TargetEncoder;
import io.personlab.testing.Scenes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Greedy decoding, scoring (eq. 3) and NMS on maps encoded from hand-made people. */
class PoseDecoderTest {
  private static final TargetEncoder ENCODER = new TargetEncoder(CocoKeypoints.POSE_CHAIN, 32);
  private static final int W = 480, H = 400;

  static PersonLabMaps maps(List<CocoAnnotation> people, int stride) {
    FrameTransform tf = FrameTransform.identity(W, H);
    return ENCODER.oracleMaps(people, tf, TargetEncoder.gridFor(tf, stride));
  }

  /** The decoded pose nearest to the annotation, and its largest keypoint error over labelled keypoints. */
  static double worstError(List<Pose> poses, double[] kp) {
    double best = Double.POSITIVE_INFINITY;
    for (Pose p : poses) {
      double worst = 0;
      for (int k = 0; k < 17; k++) {
        if (kp[3 * k + 2] > 0) {
          worst = Math.max(worst, Math.hypot(p.x()[k] - kp[3 * k], p.y()[k] - kp[3 * k + 1]));
        }
      }
      best = Math.min(best, worst);
    }
    return best;
  }

  @Test
  void onePersonIsRecoveredWithinAPixelAtEveryStride() {
    double[] kp = Scenes.standing(200.3, 60.7, 300);
    for (int stride : new int[] {4, 8, 16}) {
      List<Pose> poses = new PoseDecoder(DecoderConfig.paperDefaults())
          .decode(maps(List.of(Scenes.person(1, kp, 15, W, H)), stride));
      assertEquals(1, poses.size(), "stride " + stride);
      assertTrue(worstError(poses, kp) < 1.0, "stride " + stride + ": error " + worstError(poses, kp));
      Pose p = poses.get(0);
      for (int k = 0; k < 17; k++) {
        // eq. (3): p_k = 1 and the votes sit at the keypoint, so Expected-OKS is close to 1
        assertTrue(p.keypointScores()[k] > 0.85 && p.keypointScores()[k] <= 1.0 + 1e-9,
            "keypoint " + k + " score " + p.keypointScores()[k]);
      }
      assertTrue(p.score() > 0.85 && p.score() <= 1.0 + 1e-9);
    }
  }

  @Test
  void crowdedOverlappingPeopleAreSeparated() {
    List<CocoAnnotation> people = new ArrayList<>();
    double[][] kps = {Scenes.standing(150, 50, 300), Scenes.standing(190, 70, 290), Scenes.standing(330, 40, 320)};
    for (int i = 0; i < kps.length; i++) {
      people.add(Scenes.person(i + 1, kps[i], 12, W, H));
    }
    List<Pose> poses = new PoseDecoder(DecoderConfig.paperDefaults()).decode(maps(people, 8));
    assertEquals(3, poses.size());
    for (double[] kp : kps) {
      assertTrue(worstError(poses, kp) < 1.5, "error " + worstError(poses, kp));
    }
  }

  @Test
  void peopleAtTheImageBorderAreFound() {
    double[] kp = Scenes.standing(0, 30, 330); // the right half of the body is at x < 0
    for (int k = 0; k < 17; k++) {
      if (kp[3 * k] < 0) {
        kp[3 * k] = 0; // annotated on the border
      }
    }
    List<Pose> poses = new PoseDecoder(DecoderConfig.paperDefaults())
        .decode(maps(List.of(Scenes.person(1, kp, 10, W, H)), 8));
    assertEquals(1, poses.size());
    assertTrue(worstError(poses, kp) < 1.0);
  }

  @Test
  void anUnlabelledKeypointOnTheTreePathIsBridgedWithLongRangeOffsets() {
    // a person seen from behind: no nose, eyes or ears; the chain from one shoulder to the
    // other passes through the nose
    double[] kp = Scenes.without(Scenes.standing(240, 50, 300), 0, 1, 2, 3, 4);
    PersonLabMaps maps = maps(List.of(Scenes.person(1, kp, 15, W, H)), 8);
    List<Pose> bridged = new PoseDecoder(DecoderConfig.paperDefaults()).decode(maps);
    assertEquals(1, bridged.size());
    assertTrue(worstError(bridged, kp) < 1.0, "error " + worstError(bridged, kp));
    // the paper's plain greedy walk loses the far side of the body
    List<Pose> plain = new PoseDecoder(DecoderConfig.paperDefaults().withBridgeThreshold(0)).decode(maps);
    assertTrue(worstError(plain, kp) > 20, "error " + worstError(plain, kp));
  }

  @Test
  void anEmptyImageGivesNoPeople() {
    assertEquals(List.of(), new PoseDecoder(DecoderConfig.paperDefaults()).decode(maps(List.of(), 8)));
  }

  @Test
  void theCapOnPeopleKeepsTheBest() {
    List<CocoAnnotation> people = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      people.add(Scenes.person(i + 1, Scenes.standing(40 + 80 * i, 40, 120 + 20 * i), 8, W, H));
    }
    PersonLabMaps m = maps(people, 8);
    assertEquals(6, new PoseDecoder(DecoderConfig.paperDefaults()).decode(m).size());
    List<Pose> three = new PoseDecoder(DecoderConfig.paperDefaults().withMaxPeople(3)).decode(m);
    assertEquals(3, three.size());
    assertTrue(three.get(0).score() >= three.get(1).score() && three.get(1).score() >= three.get(2).score());
  }

  @Test
  void houghScoringAndHardNmsFindTheSamePeople() {
    double[][] kps = {Scenes.standing(120, 50, 250), Scenes.standing(330, 60, 280)};
    List<CocoAnnotation> people = List.of(Scenes.person(1, kps[0], 12, W, H), Scenes.person(2, kps[1], 12, W, H));
    PersonLabMaps m = maps(people, 8);
    DecoderConfig hough = DecoderConfig.paperDefaults().withScoring(DecoderConfig.Scoring.HOUGH)
        .withNms(DecoderConfig.Nms.HARD);
    List<Pose> poses = new PoseDecoder(hough).decode(m);
    assertEquals(2, poses.size());
    for (double[] kp : kps) {
      assertTrue(worstError(poses, kp) < 1.0);
    }
  }

  @Test
  void decodingUsesTheGridNotTheImage() {
    Grid g = maps(List.of(), 16).grid();
    assertEquals(400 / 16 + 1, g.height()); // cells cover the last pixel row (399 <= 25 * 16)
  }
}
