package io.personlab.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.coco.CocoAnnotation;
import io.personlab.decode.DecoderConfig;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.FrameTransform;
import io.personlab.maps.PersonLabMaps;
import io.personlab.people.PeopleDecoder;
import io.personlab.people.Person;
import io.personlab.rle.Rle;
import io.personlab.rle.RleOps;
import io.personlab.targets.TargetEncoder;
import io.personlab.testing.Scenes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Eqs. (5) and (6): instance masks at image resolution from p_S and the long-range embedding. */
class MaskAssociationTest {
  private static final int W = 400, H = 360;
  private static final TargetEncoder ENCODER = new TargetEncoder(CocoKeypoints.POSE_CHAIN, 32);

  private static PersonLabMaps maps(List<CocoAnnotation> people, int stride) {
    FrameTransform tf = FrameTransform.identity(W, H);
    return ENCODER.oracleMaps(people, tf, TargetEncoder.gridFor(tf, stride));
  }

  private static double bestIou(List<Person> people, CocoAnnotation gt) {
    Rle g = gt.segmentation().toRle(H, W);
    double best = 0;
    for (Person p : people) {
      best = Math.max(best, RleOps.iou(List.of(p.mask()), List.of(g), null)[0][0]);
    }
    return best;
  }

  @Test
  void twoPeopleSideBySideGetTheirOwnMasks() {
    CocoAnnotation a = Scenes.person(1, Scenes.standing(110, 40, 280), 20, W, H);
    CocoAnnotation b = Scenes.person(2, Scenes.standing(290, 50, 270), 20, W, H);
    for (MaskConfig.Distance mode : MaskConfig.Distance.values()) {
      PeopleDecoder decoder = new PeopleDecoder(DecoderConfig.paperDefaults(),
          MaskConfig.paperDefaults().withDistance(mode));
      List<Person> people = decoder.decode(maps(List.of(a, b), 8));
      assertEquals(2, people.size());
      assertTrue(bestIou(people, a) > 0.9, mode + ": IoU " + bestIou(people, a));
      assertTrue(bestIou(people, b) > 0.9, mode + ": IoU " + bestIou(people, b));
      Rle overlap = RleOps.merge(List.of(people.get(0).mask(), people.get(1).mask()), true);
      assertEquals(0, overlap.area(), mode + ": the masks of separate people do not overlap");
      assertEquals(H, people.get(0).mask().height());
      assertEquals(W, people.get(0).mask().width());
    }
  }

  @Test
  void overlappingPeopleAreSplitByTheirEmbedding() {
    CocoAnnotation back = Scenes.person(1, Scenes.standing(170, 30, 300), 20, W, H);
    CocoAnnotation front = Scenes.person(2, Scenes.standing(230, 60, 280), 20, W, H);
    List<Person> people = PeopleDecoder.paperDefaults().decode(maps(List.of(back, front), 8));
    assertEquals(2, people.size());
    // the boxes overlap by half; the embedding gives the shared pixels to one person (the
    // oracle's maps: the smaller mask), so together the masks cover both people once
    assertTrue(bestIou(people, front) > 0.9, "IoU " + bestIou(people, front));
    Rle union = RleOps.merge(List.of(people.get(0).mask(), people.get(1).mask()), false);
    Rle gtUnion = RleOps.merge(List.of(back.segmentation().toRle(H, W), front.segmentation().toRle(H, W)), false);
    assertTrue(RleOps.iou(List.of(union), List.of(gtUnion), null)[0][0] > 0.9);
    Rle shared = RleOps.merge(List.of(people.get(0).mask(), people.get(1).mask()), true);
    assertTrue(shared.area() < 0.02 * union.area(), "shared pixels " + shared.area());
  }

  @Test
  void emptyImageAndNoMaskHeads() {
    assertEquals(List.of(), PeopleDecoder.paperDefaults().decode(maps(List.of(), 8)));
    PersonLabMaps m = maps(List.of(Scenes.person(1, Scenes.standing(200, 40, 280), 20, W, H)), 8);
    PersonLabMaps posesOnly = new PersonLabMaps(m.grid(), m.numKeypoints(), m.heatmaps(), m.shortOffsets(),
        m.midForward(), m.midBackward(), null, null, m.transform());
    List<Person> people = PeopleDecoder.paperDefaults().decode(posesOnly);
    assertEquals(1, people.size());
    assertNull(people.get(0).mask(), "no segmentation head: poses only");
  }

  @Test
  void backgroundPixelsJoinNobody() {
    CocoAnnotation a = Scenes.person(1, Scenes.standing(200, 40, 280), 20, W, H);
    PersonLabMaps m = maps(List.of(a), 8);
    java.util.Arrays.fill(m.segmentation(), 0f); // p_S < 0.5 everywhere
    List<Person> people = PeopleDecoder.paperDefaults().decode(m);
    assertEquals(1, people.size());
    assertEquals(0, people.get(0).mask().area());
  }

  @Test
  void cappedMasksAreTheFullOnesWithinHalfAMaskPixel() {
    // a 4000x3000 photo decoded at 769 px, masks capped at 769 px (m = 769 / 4000)
    int w = 4000, h = 3000;
    double s = 769.0 / 4000;
    FrameTransform tf = new FrameTransform(w, h, s, s, (s - 1) / 2, (s - 1) / 2);
    PersonLabMaps m = ENCODER.oracleMaps(io.personlab.bench.SyntheticScenes.people(4, w, h, 5), tf,
        TargetEncoder.gridFor(tf, 16));
    List<Person> full = PeopleDecoder.paperDefaults().decode(m);
    List<Person> capped = new PeopleDecoder(DecoderConfig.paperDefaults(),
        MaskConfig.paperDefaults().withMaxSide(769)).decode(m);
    assertEquals(4, full.size());
    assertEquals(full.size(), capped.size());
    double halfMaskPixel = w / (2 * 769.0);
    for (int j = 0; j < full.size(); j++) {
      Rle c = capped.get(j).mask();
      assertEquals(577, c.height());
      assertEquals(769, c.width());
      Rle up = RleOps.resize(c, h, w);
      double iou = RleOps.iou(List.of(up), List.of(full.get(j).mask()), null)[0][0];
      assertTrue(iou > 0.98, "IoU " + iou);
      assertEquals(full.get(j).keypoints()[0], capped.get(j).keypoints()[0], "keypoints stay in image pixels");
      double[] a = full.get(j).box(), b = capped.get(j).box();
      for (int i = 0; i < 4; i++) {
        assertTrue(Math.abs(a[i] - b[i]) <= 2 * halfMaskPixel + 1, "box " + java.util.Arrays.toString(a) + " vs "
            + java.util.Arrays.toString(b));
      }
    }
    // a photo already within the cap keeps its masks as they are
    PersonLabMaps small = maps(List.of(Scenes.person(1, Scenes.standing(200, 40, 280), 20, W, H)), 8);
    assertEquals(PeopleDecoder.paperDefaults().decode(small).get(0).mask(),
        new PeopleDecoder(DecoderConfig.paperDefaults(), MaskConfig.paperDefaults().withMaxSide(W)).decode(small)
            .get(0).mask());
  }
}
