package io.personlab.targets;

import io.personlab.coco.CocoAnnotation;
import io.personlab.geometry.FrameTransform;
import io.personlab.geometry.Skeleton;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.maps.VectorField;
import io.personlab.rle.Rle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes COCO annotations of one image into PersonLab's training targets (paper section 3),
 * the exact inverse of what the decoder reads, at the cells of a grid:
 * heatmap p_k(x) = 1 within R of a labelled keypoint k of any person; S_k(x) = y_{j,k} - x for
 * the closest such person; M_{k,l}(x) = y_{j,l} - x within R of y_{j,k} when both are labelled;
 * p_S = 1 inside any non-crowd person mask; L_k(x) = y_{j,k} - x inside exactly one person's mask
 * (background, crowd and overlaps excluded). A cell belongs to a mask when the image pixel
 * nearest to its frame point does.
 */
public final class TargetEncoder {
  private final Skeleton skeleton;
  private final double discRadius;

  public TargetEncoder(Skeleton skeleton, double discRadius) {
    this.skeleton = skeleton;
    this.discRadius = discRadius;
  }

  /** The grid whose cells cover the whole image in the frame, at the given stride. */
  public static Grid gridFor(FrameTransform tf, int stride) {
    double maxX = tf.toFrameX(tf.imageWidth() - 1);
    double maxY = tf.toFrameY(tf.imageHeight() - 1);
    return new Grid((int) Math.ceil(maxY / stride) + 1, (int) Math.ceil(maxX / stride) + 1, stride);
  }

  /**
   * Maps for the oracle test: the targets where they are defined and, where the long-range
   * target is not, what a perfectly trained network plausibly predicts there: on cells covered
   * by several people, the offsets of the one with the smallest mask (the more specific
   * annotation; COCO masks of people in front of others often overlap them); on background,
   * those of the nearest person. Cells of crowd regions and of people without keypoints stay
   * undefined. And the four cells around each labelled keypoint point at it (see below). Zero-filled, the undefined cells make
   * the embedding distance jump at every mask boundary and cut masks half a cell short, which
   * says nothing about the decoder.
   */
  public PersonLabMaps oracleMaps(List<CocoAnnotation> annotations, FrameTransform tf, Grid grid) {
    Targets t = encode(annotations, tf, grid);
    List<double[]> people = collect(annotations, tf, grid).keypoints();
    if (people.isEmpty()) {
      return t.maps();
    }
    int cells = grid.cells();
    int numK = skeleton.numKeypoints();
    int[] owner = oracleOwners(annotations, tf, grid);
    // Breadth-first from the cells with a defined owner: each other cell takes the nearest one's.
    int[] queue = new int[cells];
    int head = 0, tail = 0;
    for (int i = 0; i < cells; i++) {
      if (owner[i] >= 0) {
        queue[tail++] = i;
      }
    }
    while (head < tail) {
      int i = queue[head++];
      int row = i / grid.width(), col = i % grid.width();
      int[][] next = {{row - 1, col}, {row + 1, col}, {row, col - 1}, {row, col + 1}};
      for (int[] n : next) {
        if (n[0] < 0 || n[1] < 0 || n[0] >= grid.height() || n[1] >= grid.width()) {
          continue;
        }
        int j = n[0] * grid.width() + n[1];
        if (owner[j] == -1) {
          owner[j] = owner[i];
          queue[tail++] = j;
        }
      }
    }
    VectorField longO = t.maps().longOffsets().copy();
    for (int row = 0, i = 0; row < grid.height(); row++) {
      for (int col = 0; col < grid.width(); col++, i++) {
        if (owner[i] < 0) {
          continue;
        }
        double[] kp = people.get(owner[i]);
        for (int k = 0; k < numK; k++) {
          if (kp[3 * k + 2] != 0) {
            longO.set(k, i, (float) (kp[3 * k + 1] - grid.y(row)), (float) (kp[3 * k] - grid.x(col)));
          }
        }
      }
    }
    // A network trained through the recurrent refinement (eq. 5) must predict L_k(y_k) = 0 at
    // each keypoint: the four cells around it point at it, so that refining exact offsets leaves
    // them unchanged (an occluded keypoint lies in someone else's mask, whose offsets the
    // self-refinement would otherwise jump to).
    for (double[] kp : people) {
      for (int k = 0; k < numK; k++) {
        if (kp[3 * k + 2] == 0) {
          continue;
        }
        double gx = kp[3 * k] / grid.stride(), gy = kp[3 * k + 1] / grid.stride();
        int c0 = (int) Math.floor(gx), r0 = (int) Math.floor(gy);
        for (int row = r0; row <= r0 + 1; row++) {
          for (int col = c0; col <= c0 + 1; col++) {
            if (row >= 0 && col >= 0 && row < grid.height() && col < grid.width()) {
              longO.set(k, row * grid.width() + col,
                  (float) (kp[3 * k + 1] - grid.y(row)), (float) (kp[3 * k] - grid.x(col)));
            }
          }
        }
      }
    }
    PersonLabMaps m = t.maps();
    return new PersonLabMaps(grid, m.numKeypoints(), m.heatmaps(), m.shortOffsets(), m.midForward(),
        m.midBackward(), m.segmentation(), longO, tf);
  }

  /**
   * For each cell: the keypoint person with the smallest mask covering it (overlaps go to the
   * more specific mask), -2 for cells only crowd regions or people without keypoints cover
   * (someone the decoder cannot find: left undefined), -1 for background.
   */
  private int[] oracleOwners(List<CocoAnnotation> annotations, FrameTransform tf, Grid grid) {
    People people = collect(annotations, tf, grid);
    int cells = grid.cells();
    int[] area = new int[people.masks().size()];
    for (int m = 0; m < area.length; m++) {
      for (byte v : people.masks().get(m)) {
        area[m] += v;
      }
    }
    int[] owner = new int[cells];
    for (int i = 0; i < cells; i++) {
      int best = -1;
      for (int m = 0; m < area.length; m++) {
        if (people.masks().get(m)[i] != 0 && people.owners().get(m) >= 0
            && (best < 0 || area[m] < area[best])) {
          best = m;
        }
      }
      owner[i] = best >= 0 ? people.owners().get(best) : (people.ignore()[i] != 0 ? -2 : -1);
    }
    return owner;
  }

  /**
   * @param annotations the image's annotations (all categories are taken as persons)
   * @param tf image -> frame transform (identity for targets at image resolution)
   * @param grid the output grid the targets are for
   */
  public Targets encode(List<CocoAnnotation> annotations, FrameTransform tf, Grid grid) {
    int numK = skeleton.numKeypoints();
    int numE = skeleton.numEdges();
    int cells = grid.cells();
    int imgW = tf.imageWidth(), imgH = tf.imageHeight();

    People people = collect(annotations, tf, grid);
    List<double[]> keypointPeople = people.keypoints();
    List<byte[]> personMasks = people.masks();
    List<Integer> maskOwner = people.owners();
    byte[] ignore = people.ignore();
    float[] heat = new float[numK * cells];
    VectorField shortO = VectorField.zeros(grid, numK);
    byte[] shortValid = new byte[numK * cells];
    float[] best = new float[cells];
    for (int kk = 0; kk < numK; kk++) {
      final int k = kk;
      Arrays.fill(best, Float.POSITIVE_INFINITY);
      for (double[] kp : keypointPeople) {
        if (kp[3 * k + 2] == 0) {
          continue;
        }
        double px = kp[3 * k], py = kp[3 * k + 1];
        forDisk(grid, px, py, (i, x, y, d2) -> {
          if (d2 < best[i]) {
            best[i] = (float) d2;
            heat[k * cells + i] = 1;
            shortValid[k * cells + i] = 1;
            shortO.set(k, i, (float) (py - y), (float) (px - x));
          }
        });
      }
    }
    VectorField fwd = VectorField.zeros(grid, numE);
    VectorField bwd = VectorField.zeros(grid, numE);
    byte[] fwdValid = new byte[numE * cells];
    byte[] bwdValid = new byte[numE * cells];
    for (int e = 0; e < numE; e++) {
      encodeMid(grid, keypointPeople, e, skeleton.parent(e), skeleton.child(e), fwd, fwdValid, best);
      encodeMid(grid, keypointPeople, e, skeleton.child(e), skeleton.parent(e), bwd, bwdValid, best);
    }

    float[] seg = new float[cells];
    VectorField longO = VectorField.zeros(grid, numK);
    byte[] longValid = new byte[numK * cells];
    for (int i = 0, row = 0; row < grid.height(); row++) {
      for (int col = 0; col < grid.width(); col++, i++) {
        int inside = 0, owner = -1;
        for (int m = 0; m < personMasks.size(); m++) {
          if (personMasks.get(m)[i] != 0) {
            inside++;
            owner = maskOwner.get(m);
          }
        }
        if (inside > 0) {
          seg[i] = 1;
        }
        if (inside == 1 && owner >= 0) {
          double[] kp = keypointPeople.get(owner);
          double x = grid.x(col), y = grid.y(row);
          for (int k = 0; k < numK; k++) {
            if (kp[3 * k + 2] != 0) {
              longO.set(k, i, (float) (kp[3 * k + 1] - y), (float) (kp[3 * k] - x));
              longValid[k * cells + i] = 1;
            }
          }
        }
      }
    }
    PersonLabMaps maps = new PersonLabMaps(grid, numK, heat, shortO, fwd, bwd, seg, longO, tf);
    return new Targets(maps, shortValid, fwdValid, bwdValid, longValid, ignore);
  }

  /** The people of an image: keypoint people (frame coordinates) and non-crowd masks at the cells. */
  private record People(List<double[]> keypoints, List<byte[]> masks, List<Integer> owners, byte[] ignore) {}

  private People collect(List<CocoAnnotation> annotations, FrameTransform tf, Grid grid) {
    int numK = skeleton.numKeypoints();
    int cells = grid.cells();
    int imgW = tf.imageWidth(), imgH = tf.imageHeight();
    List<double[]> keypointPeople = new ArrayList<>(); // frame x, y, labelled(1/0) per keypoint
    List<byte[]> personMasks = new ArrayList<>();
    List<Integer> maskOwner = new ArrayList<>(); // index into keypointPeople, or -1
    byte[] ignore = new byte[cells];
    for (CocoAnnotation a : annotations) {
      boolean hasKeypoints = !a.crowd() && a.keypoints() != null && countLabelled(a.keypoints()) > 0;
      if (a.keypoints() != null && a.keypoints().length != 3 * numK) {
        throw new IllegalArgumentException("annotation " + a.id() + " has " + a.keypoints().length
            + " keypoint values, expected " + 3 * numK);
      }
      int owner = -1;
      if (hasKeypoints) {
        double[] kp = new double[3 * numK];
        for (int k = 0; k < numK; k++) {
          kp[3 * k] = tf.toFrameX(a.keypoints()[3 * k]);
          kp[3 * k + 1] = tf.toFrameY(a.keypoints()[3 * k + 1]);
          kp[3 * k + 2] = a.keypoints()[3 * k + 2] > 0 ? 1 : 0;
        }
        owner = keypointPeople.size();
        keypointPeople.add(kp);
      }
      byte[] mask = null;
      if (a.segmentation() != null) {
        Rle rle = a.segmentation().toRle(imgH, imgW);
        if (rle.height() == imgH && rle.width() == imgW) {
          mask = sampleMask(rle.decode(), imgH, imgW, tf, grid);
        }
      }
      if (mask == null) {
        continue;
      }
      if (a.crowd() || !hasKeypoints) {
        for (int i = 0; i < cells; i++) {
          ignore[i] |= mask[i];
        }
      }
      if (!a.crowd()) {
        personMasks.add(mask);
        maskOwner.add(owner);
      }
    }

    return new People(keypointPeople, personMasks, maskOwner, ignore);
  }

  private void encodeMid(Grid grid, List<double[]> people, int e, int from, int to, VectorField field,
      byte[] valid, float[] best) {
    int cells = grid.cells();
    Arrays.fill(best, Float.POSITIVE_INFINITY);
    for (double[] kp : people) {
      if (kp[3 * from + 2] == 0 || kp[3 * to + 2] == 0) {
        continue;
      }
      double tx = kp[3 * to], ty = kp[3 * to + 1];
      forDisk(grid, kp[3 * from], kp[3 * from + 1], (i, x, y, d2) -> {
        if (d2 < best[i]) {
          best[i] = (float) d2;
          valid[e * cells + i] = 1;
          field.set(e, i, (float) (ty - y), (float) (tx - x));
        }
      });
    }
  }

  private interface CellVisitor {
    void visit(int cell, double x, double y, double distanceSquared);
  }

  /** Visits the cells within R of (px, py). */
  private void forDisk(Grid grid, double px, double py, CellVisitor visitor) {
    double r = discRadius;
    int s = grid.stride();
    int c0 = Math.max(0, (int) Math.ceil((px - r) / s));
    int c1 = Math.min(grid.width() - 1, (int) Math.floor((px + r) / s));
    int r0 = Math.max(0, (int) Math.ceil((py - r) / s));
    int r1 = Math.min(grid.height() - 1, (int) Math.floor((py + r) / s));
    double r2 = r * r;
    for (int row = r0; row <= r1; row++) {
      double y = grid.y(row);
      for (int col = c0; col <= c1; col++) {
        double x = grid.x(col);
        double d2 = (x - px) * (x - px) + (y - py) * (y - py);
        if (d2 <= r2) {
          visitor.visit(row * grid.width() + col, x, y, d2);
        }
      }
    }
  }

  /** The mask at each cell: the value of the image pixel nearest to the cell's frame point. */
  private static byte[] sampleMask(byte[] colMajor, int h, int w, FrameTransform tf, Grid grid) {
    byte[] out = new byte[grid.cells()];
    for (int row = 0, i = 0; row < grid.height(); row++) {
      long v = Math.round(tf.toImageY(grid.y(row)));
      for (int col = 0; col < grid.width(); col++, i++) {
        long u = Math.round(tf.toImageX(grid.x(col)));
        if (u >= 0 && v >= 0 && u < w && v < h) {
          out[i] = colMajor[(int) (u * h + v)];
        }
      }
    }
    return out;
  }

  private static int countLabelled(double[] kp) {
    int n = 0;
    for (int i = 2; i < kp.length; i += 3) {
      if (kp[i] > 0) {
        n++;
      }
    }
    return n;
  }
}
