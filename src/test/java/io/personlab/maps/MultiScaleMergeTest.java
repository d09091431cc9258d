package io.personlab.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.coco.CocoAnnotation;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.FrameTransform;
import io.personlab.people.PeopleDecoder;
import io.personlab.people.Person;
import io.personlab.targets.TargetEncoder;
import io.personlab.testing.Scenes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The multi-scale merge: two scales of one image decode to the same people as one. */
class MultiScaleMergeTest {
  private static final int W = 400, H = 300;

  @Test
  void scalesOfOneImageMergeOntoTheFinestGrid() {
    List<CocoAnnotation> people = List.of(
        Scenes.person(1, Scenes.standing(120, 40, 230), 15, W, H),
        Scenes.person(2, Scenes.standing(280, 50, 220), 15, W, H));
    TargetEncoder encoder = new TargetEncoder(CocoKeypoints.POSE_CHAIN, 32);
    // the image at 1x (frame = image) and at 0.5x (frame = image / 2)
    FrameTransform full = FrameTransform.identity(W, H);
    FrameTransform half = new FrameTransform(W, H, 0.5, 0.5, 0, 0);
    List<CocoAnnotation> halfPeople = people.stream().map(a -> scaled(a, 0.5)).toList();
    PersonLabMaps mFull = encoder.oracleMaps(people, full, TargetEncoder.gridFor(full, 8));
    PersonLabMaps mHalf = encoder.oracleMaps(halfPeople, new FrameTransform(W / 2, H / 2, 1, 1, 0, 0),
        TargetEncoder.gridFor(new FrameTransform(W / 2, H / 2, 1, 1, 0, 0), 8));
    mHalf = new PersonLabMaps(mHalf.grid(), mHalf.numKeypoints(), mHalf.heatmaps(), mHalf.shortOffsets(),
        mHalf.midForward(), mHalf.midBackward(), mHalf.segmentation(), mHalf.longOffsets(), half);

    PersonLabMaps merged = MultiScaleMerge.merge(List.of(mHalf, mFull));
    assertEquals(mFull.grid(), merged.grid(), "the finest grid is the reference");
    List<Person> single = PeopleDecoder.paperDefaults().decode(mFull);
    List<Person> multi = PeopleDecoder.paperDefaults().decode(List.of(mHalf, mFull));
    assertEquals(2, single.size());
    assertEquals(2, multi.size());
    for (Person s : single) {
      double best = Double.POSITIVE_INFINITY;
      for (Person m : multi) {
        double worst = 0;
        for (int k = 0; k < 17; k++) {
          worst = Math.max(worst, Math.hypot(s.x(k) - m.x(k), s.y(k) - m.y(k)));
        }
        best = Math.min(best, worst);
      }
      assertTrue(best < 2.0, "multi-scale keypoints within 2 px of single-scale: " + best);
    }
  }

  private static CocoAnnotation scaled(CocoAnnotation a, double s) {
    double[] kp = a.keypoints().clone();
    for (int k = 0; k < kp.length; k += 3) {
      kp[k] *= s;
      kp[k + 1] *= s;
    }
    return Scenes.person(a.id(), kp, 15 * s, (int) (W * s), (int) (H * s));
  }
}
