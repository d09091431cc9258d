package io.personlab.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.personlab.geometry.CocoKeypoints;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Eq. (4) soft-NMS and hard OKS-NMS on hand-made poses. */
class PoseNmsTest {
  private static Pose pose(double dx, double score, double keypointScore) {
    double[] x = new double[17], y = new double[17], p = new double[17], s = new double[17];
    for (int k = 0; k < 17; k++) {
      x[k] = 100 + 10 * k + dx;
      y[k] = 50 + 5 * k;
      p[k] = 1;
      s[k] = keypointScore;
    }
    return new Pose(x, y, p, s, score);
  }

  @Test
  void softNmsKeepsOnlyTheUnclaimedKeypointsOfLowerRankedPeople() {
    Pose best = pose(0, 0.9, 0.9);
    Pose duplicate = pose(3, 0.8, 0.8); // every keypoint within r = 10 of best's
    Pose other = pose(200, 0.7, 0.7);
    // a partial duplicate: keypoints 0..7 on best's, the rest far away
    double[] x = best.x().clone();
    for (int k = 8; k < 17; k++) {
      x[k] += 100;
    }
    Pose partial = new Pose(x, best.y(), best.presence(), new double[] {
      .6, .6, .6, .6, .6, .6, .6, .6, .6, .6, .6, .6, .6, .6, .6, .6, .6}, 0.6);
    List<Pose> kept = PoseNms.soft(List.of(partial, other, duplicate, best), 10, 20);
    assertEquals(3, kept.size()); // the full duplicate falls to 0 and is dropped
    assertEquals(0.9, kept.get(0).score(), 1e-12);
    assertEquals(0.7, kept.get(1).score(), 1e-12);
    assertEquals(0.6 * 9 / 17, kept.get(2).score(), 1e-12);
  }

  @Test
  void hardNmsDropsPeopleOverlappingAKeptOne() {
    double[] sigmas = CocoKeypoints.sigmas();
    List<Pose> kept = PoseNms.hard(List.of(pose(1, 0.8, 0.8), pose(0, 0.9, 0.9), pose(300, 0.5, 0.5)), 0.5, sigmas, 20);
    assertEquals(2, kept.size());
    assertEquals(0.9, kept.get(0).score(), 0);
    assertEquals(0.5, kept.get(1).score(), 0);
  }
}
