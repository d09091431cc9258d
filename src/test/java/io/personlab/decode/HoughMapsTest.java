package io.personlab.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.geometry.FrameTransform;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.maps.VectorField;
import org.junit.jupiter.api.Test;

/** Eq. (1): Hough voting with the bilinear kernel. */
class HoughMapsTest {
  /** Four Hough cells per output cell: the sizes below are worked out for it. */
  private static final DecoderConfig FOUR = DecoderConfig.paperDefaults().withHoughCellsPerOutputCell(4);

  /** Maps with one keypoint type whose cells within {@code radius} of (px, py) vote for it exactly. */
  static PersonLabMaps disk(int stride, int cells, double px, double py, double radius) {
    Grid g = new Grid(cells, cells, stride);
    int k = 17;
    float[] heat = new float[k * g.cells()];
    VectorField s = VectorField.zeros(g, k);
    for (int r = 0, i = 0; r < cells; r++) {
      for (int c = 0; c < cells; c++, i++) {
        double x = g.x(c), y = g.y(r);
        if (Math.hypot(x - px, y - py) <= radius) {
          heat[i] = 1; // keypoint type 0
          s.set(0, i, (float) (py - y), (float) (px - x));
        }
      }
    }
    int size = (cells - 1) * stride + 1;
    return new PersonLabMaps(g, k, heat, s, VectorField.zeros(g, 16), VectorField.zeros(g, 16), null, null,
        FrameTransform.identity(size, size));
  }

  @Test
  void aFullDiskVotingAtOnePointScoresAboutOneWhateverTheStride() {
    for (int stride : new int[] {4, 8, 16}) {
      PersonLabMaps maps = disk(stride, 512 / stride + 1, 200, 240, 32);
      HoughMaps h = HoughMaps.vote(maps, FOUR);
      double cell = h.cellSize();
      assertEquals(stride / 4.0, cell);
      double total = 0;
      for (float v : h.scores()) {
        total += v;
      }
      // all votes land at (200, 240): on grid points, so the score sits in one cell
      assertEquals(total, h.at(0, (int) (200 / cell), (int) (240 / cell)), 1e-4);
      // eq. 1 fixes the value exactly: each voting cell (here every grid point within R of the
      // keypoint, counted independently in integers) carries weight stride^2 / (pi R^2)
      assertEquals(32.0, FOUR.discRadius(), 0.0);
      int voters = 0;
      for (int r = 0; r <= 512 / stride; r++) {
        for (int c = 0; c <= 512 / stride; c++) {
          long dx = (long) c * stride - 200, dy = (long) r * stride - 240;
          if (dx * dx + dy * dy <= 32 * 32) {
            voters++;
          }
        }
      }
      double expected = voters * (double) stride * stride / (Math.PI * 32 * 32);
      assertEquals(expected, total, 1e-5 * expected,
          "stride " + stride + ": " + voters + " cells in disk x stride^2 / (pi R^2)");
      assertEquals(expected, h.at(0, (int) (200 / cell), (int) (240 / cell)), 1e-5 * expected);
      assertEquals(1.0, total, 0.1, "stride " + stride + ": about one whatever the stride");
    }
  }

  @Test
  void bilinearKernelSplitsAVoteBetweenNeighbours() {
    PersonLabMaps maps = disk(8, 33, 101, 100, 0.5); // one cell at (96..104)? only cells within 0.5 px
    Grid g = maps.grid();
    // put a single vote by hand: cell (12, 12) at (96, 96) votes for (97, 96) -> 1/2 cell right of (96, 96)
    float[] heat = new float[17 * g.cells()];
    VectorField s = VectorField.zeros(g, 17);
    int i = 12 * g.width() + 12;
    heat[i] = 1;
    s.set(0, i, 0, 1);
    PersonLabMaps one = new PersonLabMaps(g, 17, heat, s, maps.midForward(), maps.midBackward(), null, null,
        maps.transform());
    HoughMaps h = HoughMaps.vote(one, FOUR);
    // Hough cells are 2 px: (97, 96) is halfway between cells 48 and 49 of row 48
    assertEquals(h.at(0, 48, 48), h.at(0, 49, 48), 1e-7);
    assertTrue(h.at(0, 48, 48) > 0);
    assertEquals(0, h.at(0, 47, 48), 0);
  }

  @Test
  void votesOutsideTheFrameAreDropped() {
    Grid g = new Grid(5, 5, 8);
    float[] heat = new float[17 * g.cells()];
    VectorField s = VectorField.zeros(g, 17);
    heat[0] = 1;
    s.set(0, 0, -50, -50);
    PersonLabMaps maps = new PersonLabMaps(g, 17, heat, s, VectorField.zeros(g, 16), VectorField.zeros(g, 16),
        null, null, FrameTransform.identity(33, 33));
    HoughMaps h = HoughMaps.vote(maps, FOUR);
    double total = 0;
    for (float v : h.scores()) {
      total += v;
    }
    assertEquals(0, total, 0);
  }
}
