package io.personlab.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.personlab.geometry.CocoKeypoints;
import io.personlab.maps.Grid;
import io.personlab.maps.VectorField;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Eqs. (2) and (5): recurrent refinement, lazy evaluation equal to whole-field refinement. */
class RefinedFieldTest {
  private static VectorField random(Grid g, int count, double scale, long seed) {
    Random r = new Random(seed);
    VectorField f = VectorField.zeros(g, count);
    for (int i = 0; i < f.data().length; i++) {
      f.data()[i] = (float) (r.nextGaussian() * scale);
    }
    return f;
  }

  @Test
  void lazyMidRefinementEqualsWholeFieldRefinement() {
    Grid g = new Grid(13, 17, 8);
    VectorField mid = random(g, 16, 20, 1);
    VectorField shortO = random(g, 17, 5, 2);
    for (boolean forward : new boolean[] {true, false}) {
      VectorField whole = OffsetRefinement.refineMid(mid, shortO, CocoKeypoints.POSE_CHAIN, forward, 2);
      RefinedField lazy = RefinedField.mid(mid, shortO, CocoKeypoints.POSE_CHAIN, forward, 2);
      for (int e = 0; e < 16; e++) {
        for (int i = g.cells() - 1; i >= 0; i--) { // any order: values do not depend on it
          assertEquals(whole.dy(e, i), lazy.dy(e, i), 1e-4);
          assertEquals(whole.dx(e, i), lazy.dx(e, i), 1e-4);
        }
      }
    }
  }

  @Test
  void lazyLongRefinementEqualsWholeFieldRefinement() {
    Grid g = new Grid(11, 9, 16);
    VectorField longO = random(g, 17, 30, 3);
    VectorField shortO = random(g, 17, 4, 4);
    VectorField whole = OffsetRefinement.refineLong(longO, shortO, 2, 2);
    VectorField lazy = RefinedField.longRange(longO, shortO, 2, 2).materialize();
    for (int i = 0; i < whole.data().length; i++) {
      assertEquals(whole.data()[i], lazy.data()[i], 1e-3);
    }
  }

  @Test
  void midOffsetLandingNearTheKeypointIsPulledOntoIt() {
    // edge 0 is nose -> left_eye; short-range offsets of left_eye point at (40, 40) everywhere
    Grid g = new Grid(9, 9, 8);
    VectorField mid = VectorField.zeros(g, 16);
    VectorField shortO = VectorField.zeros(g, 17);
    for (int r = 0, i = 0; r < 9; r++) {
      for (int c = 0; c < 9; c++, i++) {
        shortO.set(1, i, (float) (40 - g.y(r)), (float) (40 - g.x(c)));
      }
    }
    int cell = 2 * 9 + 2; // (16, 16)
    mid.set(0, cell, 20, 27); // lands at (43, 36): 5 px off
    RefinedField refined = RefinedField.mid(mid, shortO, CocoKeypoints.POSE_CHAIN, true, 2);
    assertEquals(40 - 16, refined.dx(0, cell), 1e-4);
    assertEquals(40 - 16, refined.dy(0, cell), 1e-4);
    RefinedField unrefined = RefinedField.mid(mid, shortO, CocoKeypoints.POSE_CHAIN, true, 0);
    assertEquals(27, unrefined.dx(0, cell), 0);
  }
}
