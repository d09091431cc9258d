package io.personlab.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.bench.SyntheticScenes;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoDataset;
import io.personlab.decode.DecoderConfig;
import io.personlab.decode.Pose;
import io.personlab.decode.PoseDecoder;
import io.personlab.decode.RefinedField;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.FrameTransform;
import io.personlab.image.ImageDecoder;
import io.personlab.image.NetworkInput;
import io.personlab.image.Resizer;
import io.personlab.io.CocoJson;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.maps.VectorField;
import io.personlab.model.PersonLabModel;
import io.personlab.rle.Rle;
import io.personlab.targets.TargetEncoder;
import io.personlab.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The grid-cost masks equal, run for run, the per-pixel algorithm they replaced
 * ({@link ReferenceMaskAssociation}): on synthetic scenes at strides 8 and 16 under odd
 * transforms (a 4000x3000 photo decoded at 769 px among them), and on the real network's maps of
 * val photos at their own size and as if they were 4000x3000 photos; and where an early exit
 * rounds into the limit (the raster-order fallback).
 */
class MaskReferenceTest {
  private static final DecoderConfig DECODER = DecoderConfig.paperDefaults();

  /** Asserts equal masks in both modes (EXACT only where the per-pixel reference is quick). */
  private static long assertSameMasks(PersonLabMaps maps, boolean exactToo, String what) {
    PoseDecoder decoder = new PoseDecoder(DECODER);
    RefinedField refined = decoder.refinedLongOffsets(maps);
    List<Pose> poses = decoder.decode(maps, refined);
    long area = 0;
    for (MaskConfig.Distance mode : MaskConfig.Distance.values()) {
      if (mode == MaskConfig.Distance.EXACT && !exactToo) {
        continue;
      }
      MaskConfig config = MaskConfig.paperDefaults().withDistance(mode);
      List<Rle> expected = new ReferenceMaskAssociation(config, DECODER.longSelfRefinementSteps(),
          DECODER.longShortRefinementSteps()).masks(maps, refined, poses);
      List<Rle> actual = new MaskAssociation(config, DECODER.longSelfRefinementSteps(),
          DECODER.longShortRefinementSteps()).masks(maps, refined, poses);
      assertEquals(expected.size(), actual.size(), what);
      for (int j = 0; j < expected.size(); j++) {
        assertEquals(expected.get(j), actual.get(j), what + ", " + mode + ", person " + j);
        area += actual.get(j).area();
      }
    }
    return area;
  }

  @Test
  void syntheticScenesUnderOddTransforms() {
    TargetEncoder encoder = new TargetEncoder(CocoKeypoints.POSE_CHAIN, 32);
    FrameTransform[] transforms = {
      FrameTransform.identity(513, 513),
      FrameTransform.identity(400, 287),
      new FrameTransform(4000, 3000, 769.0 / 4000, 769.0 / 4000, (769.0 / 4000 - 1) / 2, (769.0 / 4000 - 1) / 2),
      new FrameTransform(333, 517, 1.37, 0.91, 3.3, -0.7), // upscaled, stretched and shifted
      new FrameTransform(1201, 97, 0.4271, 3.9, 0.0, 0.25),
    };
    int cases = 0;
    long area = 0;
    for (FrameTransform tf : transforms) {
      for (int stride : new int[] {8, 16}) {
        for (int people : new int[] {1, 5, 20}) {
          PersonLabMaps maps = encoder.oracleMaps(
              SyntheticScenes.people(people, tf.imageWidth(), tf.imageHeight(), 31L * people + stride), tf,
              TargetEncoder.gridFor(tf, stride));
          boolean exactToo = (long) tf.imageWidth() * tf.imageHeight() < 1_000_000;
          area += assertSameMasks(maps, exactToo, tf + ", stride " + stride + ", " + people + " people");
          cases++;
        }
      }
    }
    assertEquals(30, cases);
    assertTrue(area > 0);
  }

  @Test
  void realNetworkMapsAtTheirSizeAndAsA4000x3000Photo() throws Exception {
    Path images = SharedData.path("data/coco-mini-val/images");
    CocoDataset gt = CocoJson.readDataset(
        SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json").toString());
    PersonLabModel model = PersonLabModel.shared(
        SharedData.path("models/bodypix-mobilenet050-stride16.onnx").toString(), 1);
    long area = 0;
    try (PersonLabModel.Session session = model.newSession()) {
      List<CocoImage> withPeople = gt.images().stream()
          .filter(i -> gt.annotations().stream().anyMatch(a -> a.imageId() == i.id() && a.numKeypoints() > 5))
          .limit(4).toList();
      for (CocoImage img : withPeople) {
        NetworkInput in = Resizer.forNetwork(new ImageDecoder().decode(
            Files.readAllBytes(images.resolve(img.fileName())), img.fileName()), 769, 16, false, 1 / 127.5, -1);
        PersonLabMaps maps = session.run(in);
        area += assertSameMasks(maps, false, img.fileName());
        FrameTransform photo = maps.transform().forImageSize(4000, 3000);
        area += assertSameMasks(new PersonLabMaps(maps.grid(), maps.numKeypoints(), maps.heatmaps(),
            maps.shortOffsets(), maps.midForward(), maps.midBackward(), maps.segmentation(), maps.longOffsets(),
            photo), false, img.fileName() + " as 4000x3000");
      }
    }
    assertTrue(area > 0);
  }

  /**
   * A cell whose eq. (6) sum passes the early exit's stop by 1e-9 yet rounds to a float distance
   * of exactly t: the per-pixel algorithm, filling that corner for an earlier candidate quad, then
   * finds later quads with it as candidates (raster order). The masks must still agree.
   */
  @Test
  void anEarlyExitThatRoundsIntoTheLimitKeepsTheRasterOrdersCandidates() {
    int k = CocoKeypoints.K;
    Grid grid = new Grid(6, 6, 8);
    int cells = grid.cells();
    float[] seg = new float[cells];
    Arrays.fill(seg, 1f);
    VectorField zeroMid = VectorField.zeros(grid, 16);
    VectorField longOffsets = VectorField.zeros(grid, k);
    // every keypoint at P, 0.25 + 1e-9 right of cell (col 2, row 2): D there = 0.250000001 (scale 1)
    double px = 16.25 + 1e-9, py = 16;
    int c1 = 2 * 6 + 1; // its left neighbour embeds onto P
    for (int t = 0; t < k; t++) {
      longOffsets.set(t, c1, 0f, 8.25f);
    }
    PersonLabMaps maps = new PersonLabMaps(grid, k, new float[k * cells], VectorField.zeros(grid, k),
        zeroMid, zeroMid.copy(), seg, longOffsets, FrameTransform.identity(41, 41));
    double[] x = new double[k], y = new double[k], presence = new double[k];
    Arrays.fill(x, px);
    Arrays.fill(y, py);
    Arrays.fill(presence, 1);
    List<Pose> poses = List.of(new Pose(x, y, presence, presence.clone(), 1));
    MaskConfig config = MaskConfig.paperDefaults();
    Rle expected = new ReferenceMaskAssociation(config, 0, 0).masks(maps, poses).get(0);
    byte[] px16 = expected.decode();
    assertEquals(1, px16[16 * 41 + 16], "the per-pixel algorithm takes pixel (16, 16), D = 0.25f exactly");
    assertEquals(expected, new MaskAssociation(config, 0, 0).masks(maps, poses).get(0));
  }
}
