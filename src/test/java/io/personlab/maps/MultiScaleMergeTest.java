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

/** The multi-scale merge: equal-weight average on the finest grid; two scales of one image decode alike. */
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

  /** Random maps (every head) on {@code g}, seen through {@code t}. */
  private static PersonLabMaps randomMaps(Grid g, FrameTransform t, java.util.Random rnd) {
    int cells = g.cells();
    float[] heat = new float[17 * cells];
    for (int i = 0; i < heat.length; i++) {
      heat[i] = rnd.nextFloat();
    }
    float[] seg = new float[cells];
    for (int i = 0; i < cells; i++) {
      seg[i] = rnd.nextFloat();
    }
    VectorField shortO = VectorField.zeros(g, 17), longO = VectorField.zeros(g, 17);
    VectorField fwd = VectorField.zeros(g, 16), bwd = VectorField.zeros(g, 16);
    for (VectorField f : List.of(shortO, longO, fwd, bwd)) {
      for (int v = 0; v < f.count(); v++) {
        for (int i = 0; i < cells; i++) {
          f.set(v, i, rnd.nextFloat() * 40 - 20, rnd.nextFloat() * 40 - 20);
        }
      }
    }
    return new PersonLabMaps(g, 17, heat, shortO, fwd, bwd, seg, longO, t);
  }

  @Test
  void disagreeingScalesAverageWithEqualWeightsOnTheFinestGrid() {
    java.util.Random rnd = new java.util.Random(14);
    // a 64x64 image: at 1x on a 9x9 grid of stride 8, and at 0.5x (32x32 frame) on a 5x5 grid
    PersonLabMaps fine = randomMaps(new Grid(9, 9, 8), FrameTransform.identity(64, 64), rnd);
    PersonLabMaps coarse = randomMaps(new Grid(5, 5, 8), new FrameTransform(64, 64, 0.5, 0.5, 0, 0), rnd);
    for (List<PersonLabMaps> order : List.of(List.of(coarse, fine), List.of(fine, coarse))) {
      PersonLabMaps m = MultiScaleMerge.merge(order);
      assertEquals(fine.grid(), m.grid(), "the finest grid is the reference");
      assertEquals(fine.transform(), m.transform());
      // fine cell (col, row) -> image point (8 col, 8 row) -> coarse frame (4 col, 4 row): coarse
      // cell (1, 1) exactly for (2, 2); halfway between coarse (1, 1) and (2, 1) for (3, 2);
      // halfway between coarse (1, 1) and (1, 2) for (2, 3)
      int[][] cases = {{2 * 9 + 2, 6, 6}, {2 * 9 + 3, 6, 7}, {3 * 9 + 2, 6, 11}};
      for (int[] c : cases) {
        int i = c[0], a = c[1], b = c[2];
        String at = "fine cell " + i;
        for (int k = 0; k < 17; k++) {
          double coarseP = (coarse.heatmaps()[k * 25 + a] + coarse.heatmaps()[k * 25 + b]) / 2.0;
          assertEquals((fine.heatmaps()[k * 81 + i] + coarseP) / 2, m.heatmaps()[k * 81 + i], 1e-6,
              at + " heatmap " + k);
          assertVector(fine.shortOffsets(), coarse.shortOffsets(), m.shortOffsets(), k, i, a, b, at + " short " + k);
          assertVector(fine.longOffsets(), coarse.longOffsets(), m.longOffsets(), k, i, a, b, at + " long " + k);
        }
        for (int e = 0; e < 16; e++) {
          assertVector(fine.midForward(), coarse.midForward(), m.midForward(), e, i, a, b, at + " mid fwd " + e);
          assertVector(fine.midBackward(), coarse.midBackward(), m.midBackward(), e, i, a, b, at + " mid bwd " + e);
        }
        double coarseS = (coarse.segmentation()[a] + coarse.segmentation()[b]) / 2.0;
        assertEquals((fine.segmentation()[i] + coarseS) / 2, m.segmentation()[i], 1e-6, at + " segmentation");
      }
    }
  }

  /** Merged = (fine + 2 x coarse, the coarse offsets rescaled to fine-frame pixels) / 2. */
  private static void assertVector(VectorField fine, VectorField coarse, VectorField merged, int v, int i,
      int a, int b, String what) {
    double cy = 2 * (coarse.dy(v, a) + coarse.dy(v, b)) / 2.0;
    double cx = 2 * (coarse.dx(v, a) + coarse.dx(v, b)) / 2.0;
    assertEquals((fine.dy(v, i) + cy) / 2, merged.dy(v, i), 1e-5, what + " dy");
    assertEquals((fine.dx(v, i) + cx) / 2, merged.dx(v, i), 1e-5, what + " dx");
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
