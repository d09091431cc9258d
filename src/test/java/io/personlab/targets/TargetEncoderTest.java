package io.personlab.targets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.Segmentation;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.FrameTransform;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.testing.Scenes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The training targets of paper section 3 on hand-made people. */
class TargetEncoderTest {
  private static final int W = 320, H = 320;
  private static final TargetEncoder ENCODER = new TargetEncoder(CocoKeypoints.POSE_CHAIN, 32);
  private static final FrameTransform TF = FrameTransform.identity(W, H);
  private static final Grid GRID = TargetEncoder.gridFor(TF, 8);

  private static int cell(double x, double y) {
    return (int) Math.round(y / 8) * GRID.width() + (int) Math.round(x / 8);
  }

  @Test
  void heatmapDisksAndShortOffsetsToTheClosestPerson() {
    double[] a = Scenes.standing(100, 40, 240);
    double[] b = Scenes.standing(140, 40, 240); // noses 40 px apart: their disks overlap
    Targets t = ENCODER.encode(List.of(Scenes.person(1, a, 10, W, H), Scenes.person(2, b, 10, W, H)), TF, GRID);
    PersonLabMaps m = t.maps();
    int cells = GRID.cells();
    // nose disks: radius 32 around (100, 40) and (140, 40)
    assertEquals(1f, m.heatmaps()[cell(72, 40)]); // 28 px from a
    assertEquals(0f, m.heatmaps()[cell(64, 40)]); // 36 px from a
    // (112, 40) is 12 px from a, 28 from b: points at a
    assertEquals(100 - 112, m.shortOffsets().dx(0, cell(112, 40)), 1e-6);
    // (128, 40) is 28 px from a, 12 from b: points at b
    assertEquals(140 - 128, m.shortOffsets().dx(0, cell(128, 40)), 1e-6);
    assertEquals(1, t.shortValid()[cell(128, 40)]);
    assertEquals(0, t.shortValid()[1 * cells + cell(0, 300)]);
  }

  @Test
  void midRangeOnlyWhereBothEndsAreLabelled() {
    double[] kp = Scenes.without(Scenes.standing(150, 50, 240), 3); // no left ear: edge 1 (left_eye -> left_ear)
    Targets t = ENCODER.encode(List.of(Scenes.person(1, kp, 10, W, H)), TF, GRID);
    int cells = GRID.cells();
    int atLeftEye = cell(kp[3], kp[4]);
    assertEquals(0, t.midForwardValid()[1 * cells + atLeftEye]);
    assertEquals(1, t.midForwardValid()[0 * cells + cell(kp[0], kp[1])]); // nose -> left_eye
    // forward edge 0 at the nose cell points at the left eye
    int nose = cell(kp[0], kp[1]);
    assertEquals(kp[3] - GRID.x(nose % GRID.width()), t.maps().midForward().dx(0, nose), 1e-5);
    assertEquals(kp[4] - GRID.y(nose / GRID.width()), t.maps().midForward().dy(0, nose), 1e-5);
  }

  @Test
  void longRangeInsideExactlyOnePersonAndIgnoreForCrowdAndPeopleWithoutKeypoints() {
    CocoAnnotation a = Scenes.person(1, Scenes.standing(100, 40, 240), 10, W, H);
    CocoAnnotation b = Scenes.person(2, Scenes.standing(150, 60, 240), 10, W, H); // overlaps a
    CocoAnnotation crowd = Scenes.crowd(3, 250, 200, 60, 100, W, H);
    // a person with a mask but no labelled keypoint (num_keypoints 0), overlapping b's right edge
    // (b's mask spans x 99..201, this one x 184..300, y 16..136)
    double[] poly = {184, 16, 300, 16, 300, 136, 184, 136};
    CocoAnnotation noKeypoints = new CocoAnnotation(3, 4, 1, 1, 116 * 120, false,
        new double[] {184, 16, 116, 120}, new double[3 * CocoKeypoints.K], 0,
        new Segmentation.PolygonList(List.of(poly)));
    Targets t = ENCODER.encode(List.of(a, b, crowd, noKeypoints), TF, GRID);
    int cells = GRID.cells();
    int onlyA = cell(64, 200), both = cell(128, 200), background = cell(300, 16), inCrowd = cell(280, 240);
    assertEquals(1, t.longValid()[onlyA]);
    assertEquals(0, t.longValid()[both]);
    assertEquals(0, t.longValid()[background]);
    assertEquals(1f, t.maps().segmentation()[both]);
    assertEquals(0f, t.maps().segmentation()[inCrowd]);
    assertEquals(1, t.ignore()[inCrowd]);
    assertEquals(0, t.ignore()[onlyA]);
    // long-range at a cell of a points at a's nose
    assertEquals(100 - 64, t.maps().longOffsets().dx(0, onlyA), 1e-5);
    assertEquals(0, t.longValid()[5 * cells + background]);

    // the person without keypoints: its cells are ignored, in p_S, and get no long-range target,
    // alone (onlyNoKp) or where it overlaps b (withB); b's own cells keep theirs
    int onlyNoKp = cell(248, 64), withB = cell(192, 64), onlyB = cell(160, 64);
    for (int i : new int[] {withB, onlyNoKp}) {
      assertEquals(1, t.ignore()[i], "ignore at cell " + i);
      for (int k = 0; k < CocoKeypoints.K; k++) {
        assertEquals(0, t.longValid()[k * cells + i], "long-range valid, keypoint " + k + ", cell " + i);
        assertEquals(0f, t.maps().longOffsets().dx(k, i), "long-range dx, keypoint " + k + ", cell " + i);
        assertEquals(0f, t.maps().longOffsets().dy(k, i), "long-range dy, keypoint " + k + ", cell " + i);
      }
      assertEquals(1f, t.maps().segmentation()[i], "p_S at cell " + i);
    }
    for (int k = 0; k < CocoKeypoints.K; k++) {
      assertEquals(0f, t.maps().heatmaps()[k * cells + onlyNoKp], "no heatmap disk of keypoint " + k);
    }
    assertEquals(0, t.ignore()[onlyB]);
    assertEquals(1, t.longValid()[onlyB]);
    assertEquals(150 - 160, t.maps().longOffsets().dx(0, onlyB), 1e-5);
    // without that person, the overlap cell is b's alone and has b's long-range target
    Targets without = ENCODER.encode(List.of(a, b, crowd), TF, GRID);
    assertEquals(0, without.ignore()[withB]);
    assertEquals(1, without.longValid()[withB]);
    assertEquals(150 - 192, without.maps().longOffsets().dx(0, withB), 1e-5);
  }
}
