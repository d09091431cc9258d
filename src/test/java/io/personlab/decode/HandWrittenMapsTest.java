package io.personlab.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.FrameTransform;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.maps.VectorField;
import io.personlab.people.PeopleDecoder;
import io.personlab.people.Person;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decoding maps written by hand, not by the project's TargetEncoder, so that a convention the
 * encoder and decoder share (x/y order, edge direction, offset sign, stride or cell-centre
 * convention, frame-to-image mapping) cannot hide a bug. The maps follow only the documented
 * layouts, written here with raw index arithmetic on flat float arrays:
 * heatmaps planar [k][row * width + col]; a vector field's plane 2v is dy of vector v and plane
 * 2v+1 its dx; cell (row, col) sits at frame point (col * stride, row * stride); a short-range
 * offset points from the cell to its keypoint; the forward mid-range vector of edge e, at cells
 * around the parent, points to the child, the backward one, at cells around the child, to the
 * parent; frame = image * scale + offset.
 */
class HandWrittenMapsTest {
  private static final int STRIDE = 8;
  private static final int ROWS = 21; // frame y 0..160
  private static final int COLS = 25; // frame x 0..192 (not square: a row/column mix-up shows)
  private static final int CELLS = ROWS * COLS;
  private static final double DISK_IMAGE = 24; // p_k = 1 within this many image pixels
  /** Image 386 x 322 at scale 0.5, pixel centres aligned: frame = image * 0.5 - 0.25. */
  private static final FrameTransform TF = new FrameTransform(386, 322, 0.5, 0.5, -0.25, -0.25);

  /** The pose chain typed by hand as {parent, child} in COCO keypoint indices, edge order. */
  private static final int[][] EDGES = {
    {0, 1}, {1, 3}, {0, 2}, {2, 4}, {0, 5}, {5, 7}, {7, 9}, {5, 11}, {11, 13}, {13, 15},
    {0, 6}, {6, 8}, {8, 10}, {6, 12}, {12, 14}, {14, 16},
  };

  /**
   * Two people in image pixels, {x, y} per COCO keypoint (nose, eyes, ears, shoulders, elbows,
   * wrists, hips, knees, ankles), at positions off the cell centres. The first person faces the
   * camera (left_* on the image right), the second is smaller and leans.
   */
  private static final double[][] PERSON_A = {
    {101.3, 61.7}, {109.9, 49.1}, {91.5, 50.3}, {121.1, 57.9}, {79.7, 59.5},
    {131.7, 107.3}, {69.1, 109.9}, {147.5, 159.1}, {55.3, 163.7}, {151.9, 205.5}, {49.7, 211.1},
    {121.9, 203.3}, {81.1, 205.7}, {125.5, 251.9}, {77.3, 253.1}, {129.1, 297.7}, {73.9, 299.3},
  };
  private static final double[][] PERSON_B = {
    {281.9, 45.3}, {287.7, 37.1}, {275.1, 38.9}, {295.5, 43.5}, {267.3, 44.9},
    {305.3, 81.7}, {259.9, 83.5}, {321.3, 117.9}, {247.5, 121.3}, {333.9, 151.7}, {241.1, 157.5},
    {299.5, 155.1}, {269.7, 157.9}, {311.3, 199.5}, {265.1, 203.7}, {319.7, 241.9}, {259.3, 247.3},
  };

  @Test
  void theTypedEdgesAreThePoseChain() {
    assertEquals(EDGES.length, CocoKeypoints.POSE_CHAIN.numEdges());
    for (int e = 0; e < EDGES.length; e++) {
      assertEquals(EDGES[e][0], CocoKeypoints.POSE_CHAIN.parent(e), "parent of edge " + e);
      assertEquals(EDGES[e][1], CocoKeypoints.POSE_CHAIN.child(e), "child of edge " + e);
    }
  }

  @Test
  void onePersonDecodesToTheTypedKeypoints() {
    List<Person> people = PeopleDecoder.paperDefaults().decode(maps(PERSON_A));
    assertEquals(1, people.size(), "person count");
    assertKeypoints(PERSON_A, people.get(0), "person A alone");
  }

  @Test
  void twoPeopleDecodeToTheTypedKeypoints() {
    List<Person> people = PeopleDecoder.paperDefaults().decode(maps(PERSON_A, PERSON_B));
    assertEquals(2, people.size(), "person count");
    // match by nose x: A's nose is left of B's
    List<Person> byX = people.stream().sorted(Comparator.comparingDouble(p -> p.x(0))).toList();
    assertKeypoints(PERSON_A, byX.get(0), "person A");
    assertKeypoints(PERSON_B, byX.get(1), "person B");
  }

  /** Also with hard NMS and Hough scoring: the positions must not depend on scoring. */
  @Test
  void positionsDoNotDependOnScoringOrNms() {
    DecoderConfig config = DecoderConfig.paperDefaults()
        .withScoring(DecoderConfig.Scoring.HOUGH).withNms(DecoderConfig.Nms.HARD);
    List<Pose> poses = new PoseDecoder(config).decode(maps(PERSON_A, PERSON_B));
    assertEquals(2, poses.size(), "person count");
    List<Pose> byX = poses.stream().sorted(Comparator.comparingDouble(p -> p.x()[0])).toList();
    double[][][] typed = {PERSON_A, PERSON_B};
    for (int j = 0; j < 2; j++) {
      for (int k = 0; k < 17; k++) { // in frame pixels here: frame = image / 2 - 0.25
        assertEquals(typed[j][k][0] * 0.5 - 0.25, byX.get(j).x()[k], 0.005, "frame x of keypoint " + k);
        assertEquals(typed[j][k][1] * 0.5 - 0.25, byX.get(j).y()[k], 0.005, "frame y of keypoint " + k);
      }
    }
  }

  /**
   * Two scales of the same image (0.5 at stride 8, and 0.75 at stride 16 with its own
   * pixel-centre offset), merged onto the finer grid before decoding: the merge resamples each
   * scale at the image point of every reference cell and rescales its offsets (through
   * VectorField's x/y accessors), so a transform, x/y or rescaling slip there moves keypoints.
   */
  @Test
  void twoScalesMergeToTheTypedKeypoints() {
    FrameTransform coarse = new FrameTransform(386, 322, 0.75, 0.75, -0.125, -0.125);
    Grid coarseGrid = new Grid(17, 20, 16); // frame 0..256 x 0..304 covers 0.75 * 385 = 289
    List<Person> people = PeopleDecoder.paperDefaults().decode(List.of(
        maps(coarse, coarseGrid, PERSON_A, PERSON_B), maps(PERSON_A, PERSON_B)));
    assertEquals(2, people.size(), "person count");
    List<Person> byX = people.stream().sorted(Comparator.comparingDouble(p -> p.x(0))).toList();
    assertKeypoints(PERSON_A, byX.get(0), "two scales: person A");
    assertKeypoints(PERSON_B, byX.get(1), "two scales: person B");
  }

  private static void assertKeypoints(double[][] typed, Person p, String who) {
    assertEquals(17, p.numKeypoints());
    for (int k = 0; k < 17; k++) {
      String name = who + " " + CocoKeypoints.NAMES.get(k);
      assertEquals(typed[k][0], p.x(k), TOLERANCE, name + " x (image pixels)");
      assertEquals(typed[k][1], p.y(k), TOLERANCE, name + " y (image pixels)");
    }
  }

  /** Image pixels. Measured: below 1e-4 (float rounding); a break moves keypoints by pixels. */
  private static final double TOLERANCE = 0.01;

  /** The maps of people given in image pixels, on the 0.5-scale frame and its stride-8 grid. */
  private static PersonLabMaps maps(double[][]... people) {
    return maps(TF, new Grid(ROWS, COLS, STRIDE), people);
  }

  /**
   * The maps of people given in image pixels, on the frame of a transform: p = 1 in the cells
   * within DISK_IMAGE image pixels of a keypoint; at every cell, the short-range offset of type
   * k points to the nearest keypoint of type k (keypoint - cell); the forward vector of edge e
   * points from the cell to the child of the person whose parent is nearest, the backward one to
   * the parent of the person whose child is nearest (what a perfect network predicts: the fields
   * are exact wherever the decoder samples them, also bilinearly between cells). Written with
   * raw indices, not VectorField.set.
   */
  private static PersonLabMaps maps(FrameTransform tf, Grid grid, double[][]... people) {
    int rows = grid.height(), cols = grid.width(), cells = grid.cells(), stride = grid.stride();
    float[] heat = new float[17 * cells];
    float[] shortOffsets = new float[2 * 17 * cells];
    float[] fwd = new float[2 * 16 * cells];
    float[] bwd = new float[2 * 16 * cells];
    int n = people.length;
    double[][] fx = new double[n][17], fy = new double[n][17];
    for (int j = 0; j < n; j++) {
      for (int k = 0; k < 17; k++) { // frame = image * scale + offset, by hand
        fx[j][k] = people[j][k][0] * tf.scaleX() + tf.offsetX();
        fy[j][k] = people[j][k][1] * tf.scaleY() + tf.offsetY();
      }
    }
    double disk = DISK_IMAGE * tf.scaleX();
    for (int row = 0; row < rows; row++) {
      for (int col = 0; col < cols; col++) {
        int i = row * cols + col;
        double cx = col * stride, cy = row * stride;
        for (int k = 0; k < 17; k++) {
          int j = nearest(fx, fy, k, cx, cy);
          if (distance(cx, cy, fx[j][k], fy[j][k]) <= disk) {
            heat[k * cells + i] = 1;
          }
          shortOffsets[(2 * k) * cells + i] = (float) (fy[j][k] - cy);
          shortOffsets[(2 * k + 1) * cells + i] = (float) (fx[j][k] - cx);
        }
        for (int e = 0; e < 16; e++) {
          int parent = EDGES[e][0], child = EDGES[e][1];
          int j = nearest(fx, fy, parent, cx, cy);
          fwd[(2 * e) * cells + i] = (float) (fy[j][child] - cy);
          fwd[(2 * e + 1) * cells + i] = (float) (fx[j][child] - cx);
          j = nearest(fx, fy, child, cx, cy);
          bwd[(2 * e) * cells + i] = (float) (fy[j][parent] - cy);
          bwd[(2 * e + 1) * cells + i] = (float) (fx[j][parent] - cx);
        }
      }
    }
    return new PersonLabMaps(grid, 17, heat, new VectorField(grid, 17, shortOffsets),
        new VectorField(grid, 16, fwd), new VectorField(grid, 16, bwd), null, null, tf);
  }

  private static int nearest(double[][] fx, double[][] fy, int k, double cx, double cy) {
    int best = 0;
    for (int j = 1; j < fx.length; j++) {
      if (distance(cx, cy, fx[j][k], fy[j][k]) < distance(cx, cy, fx[best][k], fy[best][k])) {
        best = j;
      }
    }
    return best;
  }

  private static double distance(double cx, double cy, double x, double y) {
    return Math.hypot(cx - x, cy - y);
  }
}
