package io.personlab.maps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.coco.CocoAnnotation;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.FrameTransform;
import io.personlab.image.NetworkInput;
import io.personlab.image.Resizer;
import io.personlab.image.RgbImage;
import io.personlab.people.PeopleDecoder;
import io.personlab.people.Person;
import io.personlab.targets.TargetEncoder;
import io.personlab.testing.Scenes;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Flip test-time augmentation: mirrored inputs, and mirrored maps brought back to the original frame. */
class FlipMergeTest {
  // 397 px wide: the mirror axis x = 396 is half a stride-8 cell off the grid, so the
  // mirrored cells fall between the original's and must be resampled
  private static final int W = 397, H = 300;
  private static final int[] MIRROR = CocoKeypoints.POSE_CHAIN.mirroredKeypoints();

  @Test
  void mirrorTablesSwapLeftAndRight() {
    assertEquals(0, MIRROR[0]);
    assertEquals(CocoKeypoints.NAMES.indexOf("right_wrist"), MIRROR[CocoKeypoints.NAMES.indexOf("left_wrist")]);
    int[] edges = CocoKeypoints.POSE_CHAIN.mirroredEdges();
    // nose -> left_eye (edge 0) mirrors to nose -> right_eye (edge 2), same direction
    assertEquals(3, edges[0]);
    assertEquals(1, edges[2]);
  }

  /** A person's keypoints mirrored: x -> W - 1 - x, and left and right swapped. */
  private static double[] mirrored(double[] kp) {
    double[] out = new double[kp.length];
    for (int k = 0; k < CocoKeypoints.K; k++) {
      int m = MIRROR[k];
      out[3 * m] = W - 1 - kp[3 * k];
      out[3 * m + 1] = kp[3 * k + 1];
      out[3 * m + 2] = kp[3 * k + 2];
    }
    return out;
  }

  @Test
  void theMapsOfAMirroredSceneDecodeToTheOriginalPeople() {
    double[] a = Scenes.standing(110, 40, 230), b = Scenes.standing(290, 50, 220);
    List<CocoAnnotation> scene = List.of(Scenes.person(1, a, 15, W, H), Scenes.person(2, b, 15, W, H));
    List<CocoAnnotation> mirroredScene = List.of(Scenes.person(1, mirrored(a), 15, W, H),
        Scenes.person(2, mirrored(b), 15, W, H));
    TargetEncoder encoder = new TargetEncoder(CocoKeypoints.POSE_CHAIN, 32);
    FrameTransform tf = FrameTransform.identity(W, H);
    Grid grid = TargetEncoder.gridFor(tf, 8);
    PersonLabMaps original = encoder.oracleMaps(scene, tf, grid);
    // what the network sees on the mirrored input, brought back
    PersonLabMaps back = FlipMerge.unflip(encoder.oracleMaps(mirroredScene, tf, grid), CocoKeypoints.POSE_CHAIN);

    List<Person> fromFlip = PeopleDecoder.paperDefaults().decode(back);
    List<Person> both = PeopleDecoder.paperDefaults().decode(List.of(original, back));
    for (List<Person> people : List.of(fromFlip, both)) {
      assertEquals(2, people.size());
      for (double[] expected : List.of(a, b)) {
        double best = Double.POSITIVE_INFINITY;
        for (Person p : people) {
          double worst = 0;
          for (int k = 0; k < CocoKeypoints.K; k++) {
            worst = Math.max(worst, Math.hypot(p.x(k) - expected[3 * k], p.y(k) - expected[3 * k + 1]));
          }
          best = Math.min(best, worst);
        }
        // shoulders, hips and eyes are 13-55 px from their mirror types: a wrong swap fails here
        assertTrue(best < 2.0, "keypoints from the mirrored maps within 2 px of the original's: " + best);
      }
    }
  }

  @Test
  void cellsOnTheAxisMapExactlyAndVectorsTurn() {
    // a 65 px wide frame: axis x = 64 = 8 cells of stride 8, so mirrored cells coincide
    Grid g = new Grid(5, 9, 8);
    Random rnd = new Random(3);
    int cells = g.cells();
    float[] heat = new float[17 * cells];
    float[] seg = new float[cells];
    for (int i = 0; i < heat.length; i++) {
      heat[i] = rnd.nextFloat();
    }
    for (int i = 0; i < cells; i++) {
      seg[i] = rnd.nextFloat();
    }
    VectorField s = VectorField.zeros(g, 17), l = VectorField.zeros(g, 17);
    VectorField f = VectorField.zeros(g, 16), bw = VectorField.zeros(g, 16);
    for (VectorField v : List.of(s, l, f, bw)) {
      for (int j = 0; j < v.data().length; j++) {
        v.data()[j] = rnd.nextFloat() * 40 - 20;
      }
    }
    PersonLabMaps m = new PersonLabMaps(g, 17, heat, s, f, bw, seg, l, FrameTransform.identity(65, 33));
    PersonLabMaps u = FlipMerge.unflip(m, CocoKeypoints.POSE_CHAIN);
    int[] edges = CocoKeypoints.POSE_CHAIN.mirroredEdges();
    for (int row = 0; row < 5; row++) {
      for (int col = 0; col < 9; col++) {
        int i = row * 9 + col, j = row * 9 + (8 - col);
        assertEquals(seg[j], u.segmentation()[i], 1e-6);
        for (int k = 0; k < 17; k++) {
          assertEquals(heat[MIRROR[k] * cells + j], u.heatmaps()[k * cells + i], 1e-6);
          assertEquals(s.dy(MIRROR[k], j), u.shortOffsets().dy(k, i), 1e-5);
          assertEquals(-s.dx(MIRROR[k], j), u.shortOffsets().dx(k, i), 1e-5);
          assertEquals(-l.dx(MIRROR[k], j), u.longOffsets().dx(k, i), 1e-5);
        }
        for (int e = 0; e < 16; e++) {
          int e2 = edges[e] - 1; // the pose chain's mirrored edges all run the same way
          assertEquals(f.dy(e2, j), u.midForward().dy(e, i), 1e-5);
          assertEquals(-f.dx(e2, j), u.midForward().dx(e, i), 1e-5);
          assertEquals(-bw.dx(e2, j), u.midBackward().dx(e, i), 1e-5);
        }
      }
    }
  }

  @Test
  void theMirroredInputIsTheInputOfTheMirroredImage() {
    // 203 x 117 noise at long side 161, stride 16: content 161 x 93 padded to 161 x 97, and at
    // long side 150: content 150 x 86 padded to 161 x 97 (right padding 11 columns)
    int w = 203, h = 117;
    byte[] rgb = new byte[w * h * 3];
    new Random(5).nextBytes(rgb);
    byte[] flipped = new byte[rgb.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        System.arraycopy(rgb, 3 * (y * w + x), flipped, 3 * (y * w + w - 1 - x), 3);
      }
    }
    for (int longSide : new int[] {161, 150}) {
      NetworkInput in = Resizer.forNetwork(new RgbImage(w, h, rgb), longSide, 16, false, 1 / 127.5, -1);
      NetworkInput expected = Resizer.forNetwork(new RgbImage(w, h, flipped), longSide, 16, false, 1 / 127.5, -1);
      NetworkInput got = in.mirrored();
      assertEquals(expected.width(), got.width());
      assertArrayEquals(expected.data(), got.data(), 1e-4f, "long side " + longSide);
    }
  }
}
