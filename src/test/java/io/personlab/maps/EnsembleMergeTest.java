package io.personlab.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.geometry.FrameTransform;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Ensembles: per-head weighted means, a head one network lacks taken from the others. */
class EnsembleMergeTest {
  private static final Grid G = new Grid(4, 5, 16);
  private static final FrameTransform TF = FrameTransform.identity(65, 49);

  private static PersonLabMaps maps(Random rnd, boolean maskHeads) {
    int cells = G.cells();
    float[] heat = new float[17 * cells];
    for (int i = 0; i < heat.length; i++) {
      heat[i] = rnd.nextFloat();
    }
    VectorField s = random(rnd, 17), f = random(rnd, 16), b = random(rnd, 16);
    float[] seg = null;
    VectorField l = null;
    if (maskHeads) {
      seg = new float[cells];
      for (int i = 0; i < cells; i++) {
        seg[i] = rnd.nextFloat();
      }
      l = random(rnd, 17);
    }
    return new PersonLabMaps(G, 17, heat, s, f, b, seg, l, TF);
  }

  private static VectorField random(Random rnd, int n) {
    VectorField v = VectorField.zeros(G, n);
    for (int i = 0; i < v.data().length; i++) {
      v.data()[i] = rnd.nextFloat() * 40 - 20;
    }
    return v;
  }

  @Test
  void headsAreWeightedPerHeadAndMissingHeadsComeFromTheOthers() {
    Random rnd = new Random(7);
    PersonLabMaps poseOnly = maps(rnd, false), full = maps(rnd, true);
    EnsembleWeights w = EnsembleWeights.parse("1,3;heatmaps=1,0", 2);
    PersonLabMaps m = EnsembleMerge.merge(List.of(poseOnly, full), w);
    for (int i = 0; i < 17 * G.cells(); i++) {
      assertEquals(poseOnly.heatmaps()[i], m.heatmaps()[i], 1e-6, "heatmaps: weight 1, 0");
    }
    for (int i = 0; i < m.shortOffsets().data().length; i++) {
      assertEquals(0.25 * poseOnly.shortOffsets().data()[i] + 0.75 * full.shortOffsets().data()[i],
          m.shortOffsets().data()[i], 1e-5, "short: weights 1, 3 normalised");
    }
    for (int i = 0; i < m.midBackward().data().length; i++) {
      assertEquals(0.25 * poseOnly.midBackward().data()[i] + 0.75 * full.midBackward().data()[i],
          m.midBackward().data()[i], 1e-5);
    }
    assertTrue(m.hasMaskHeads());
    for (int i = 0; i < G.cells(); i++) {
      assertEquals(full.segmentation()[i], m.segmentation()[i], 1e-6, "segmentation: only the second has it");
    }
    for (int i = 0; i < m.longOffsets().data().length; i++) {
      assertEquals(full.longOffsets().data()[i], m.longOffsets().data()[i], 1e-6);
    }
    // weight 0 for the only network with masks: no masks
    assertNull(EnsembleMerge.merge(List.of(poseOnly, full), EnsembleWeights.parse("1,1;segmentation=1,0", 2))
        .segmentation());
  }

  @Test
  void aCoarserNetworkIsSampledAtTheFinerCells() {
    Random rnd = new Random(9);
    PersonLabMaps coarse = maps(rnd, false);
    Grid fine = new Grid(7, 9, 8); // the same 65 x 49 frame at stride 8
    float[] seg = new float[fine.cells()];
    VectorField l = VectorField.zeros(fine, 17);
    PersonLabMaps fineMaps = new PersonLabMaps(fine, 17, new float[17 * fine.cells()], VectorField.zeros(fine, 17),
        VectorField.zeros(fine, 16), VectorField.zeros(fine, 16), seg, l, TF);
    PersonLabMaps m = EnsembleMerge.merge(List.of(coarse, fineMaps), EnsembleWeights.parse("1,0", 2));
    assertEquals(fine, m.grid());
    // fine cell (row 2, col 3) = frame (24, 16): halfway between coarse columns 1 and 2 of row 1
    int cc = G.cells();
    for (int k = 0; k < 17; k++) {
      double expected = (coarse.heatmaps()[k * cc + 5 + 1] + coarse.heatmaps()[k * cc + 5 + 2]) / 2.0;
      assertEquals(expected, m.heatmaps()[k * fine.cells() + 2 * 9 + 3], 1e-6);
      double dx = (coarse.shortOffsets().dx(k, 6) + coarse.shortOffsets().dx(k, 7)) / 2.0;
      assertEquals(dx, m.shortOffsets().dx(k, 2 * 9 + 3), 1e-5, "offsets stay in frame pixels");
      // fine cell (row 3, col 2) = frame (16, 24): halfway between coarse rows 1 and 2 of column 1
      double down = (coarse.heatmaps()[k * cc + 5 + 1] + coarse.heatmaps()[k * cc + 10 + 1]) / 2.0;
      assertEquals(down, m.heatmaps()[k * fine.cells() + 3 * 9 + 2], 1e-6);
    }
  }

  @Test
  void weightsAreParsedAndChecked() {
    EnsembleWeights w = EnsembleWeights.parse("0.5,0.5;segmentation=0,1", 2);
    assertEquals(0.5, w.weight(EnsembleWeights.Head.HEATMAPS, 1));
    assertEquals(0, w.weight(EnsembleWeights.Head.SEGMENTATION, 0));
    assertEquals("heatmaps=0.5,0.5;short=0.5,0.5;mid=0.5,0.5;segmentation=0.0,1.0;long=0.5,0.5", w.toString());
    assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.parse("1,2,3", 2));
    assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.parse("masks=1,2", 2));
    assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.parse("-1,2", 2));
    Random rnd = new Random(1);
    assertThrows(IllegalArgumentException.class, () -> EnsembleMerge.merge(List.of(maps(rnd, true), maps(rnd, true)),
        EnsembleWeights.parse("0,0", 2)));
  }
}
