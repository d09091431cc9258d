package io.personlab.decode;

import io.personlab.maps.Grid;
import io.personlab.maps.VectorField;
import java.util.Arrays;

/**
 * A displacement field refined recurrently (paper eqs. 2 and 5), evaluated lazily: a cell's
 * refined vector is computed the first time it is read and cached, so decoding pays only for
 * the cells it samples, yet every value equals that of whole-field refinement at the network's
 * resolution.
 *
 * <p>Refinement: {@code selfSteps} times D_i(c) = x' + D_{i-1}(x') - c with x' = c + D_{i-1}(c)
 * (each step reading the previous step's field), then {@code otherSteps} times
 * x' <- x' + F_t(x') with another field F (the short-range offsets of the target keypoint t).
 * Not thread-safe: one per image and thread.
 */
public final class RefinedField {
  private final Grid grid;
  private final int count;
  private final int cells;
  private final int selfSteps;
  private final int otherSteps;
  private final VectorField other;
  private final int[] otherVector; // per vector: which vector of `other` moves it on
  private final float[][] levels; // level 0 = raw data; 1..selfSteps = self-refined; last = final
  private final boolean[][] done;
  private final double invStride;
  private final double[] scratch = new double[2]; // consumed before any nested use

  public RefinedField(VectorField raw, int selfSteps, VectorField other, int[] otherVector, int otherSteps) {
    this.grid = raw.grid();
    this.count = raw.count();
    this.cells = grid.cells();
    this.selfSteps = selfSteps;
    this.otherSteps = otherSteps;
    this.other = other;
    this.otherVector = otherVector;
    this.invStride = 1.0 / grid.stride();
    int numLevels = selfSteps + 2;
    levels = new float[numLevels][];
    done = new boolean[numLevels][];
    levels[0] = raw.data();
    for (int l = 1; l < numLevels; l++) {
      levels[l] = new float[2 * count * cells];
      done[l] = new boolean[count * cells];
    }
  }

  public Grid grid() {
    return grid;
  }

  public int count() {
    return count;
  }

  /** The refined y component of vector v at a cell. */
  public float dy(int v, int cell) {
    int last = levels.length - 1;
    ensure(last, v, cell);
    return levels[last][2 * v * cells + cell];
  }

  /** The refined x component of vector v at a cell. */
  public float dx(int v, int cell) {
    int last = levels.length - 1;
    ensure(last, v, cell);
    return levels[last][(2 * v + 1) * cells + cell];
  }

  /** Bilinear sample of the refined vector v at a frame point, into out[0] = dy, out[1] = dx. */
  public void sample(int v, double x, double y, double[] out) {
    sampleLevel(levels.length - 1, v, x, y, out);
  }

  private void sampleLevel(int level, int v, double x, double y, double[] out) {
    if (level > 0) { // the lazy level must hold the four cells around the point first
      int w = grid.width(), h = grid.height();
      int x0 = (int) clamp(x * invStride, w - 1), y0 = (int) clamp(y * invStride, h - 1);
      int x1 = x0 + 1 < w ? x0 + 1 : x0;
      int y1 = y0 + 1 < h ? y0 + 1 : y0;
      ensure(level, v, y0 * w + x0);
      ensure(level, v, y0 * w + x1);
      ensure(level, v, y1 * w + x0);
      ensure(level, v, y1 * w + x1);
    }
    bilinear(levels[level], v, x, y, out);
  }

  /** Bilinear sample of vector v of planar data {@code d} at a frame point: out[0] = dy, out[1] = dx. */
  private void bilinear(float[] d, int v, double x, double y, double[] out) {
    int w = grid.width(), h = grid.height();
    double gx = clamp(x * invStride, w - 1), gy = clamp(y * invStride, h - 1);
    int x0 = (int) gx, y0 = (int) gy;
    int x1 = x0 + 1 < w ? x0 + 1 : x0;
    int y1 = y0 + 1 < h ? y0 + 1 : y0;
    double fx = gx - x0, fy = gy - y0;
    int c00 = y0 * w + x0, c01 = y0 * w + x1, c10 = y1 * w + x0, c11 = y1 * w + x1;
    double w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
    int yb = 2 * v * cells, xb = (2 * v + 1) * cells;
    out[0] = d[yb + c00] * w00 + d[yb + c01] * w01 + d[yb + c10] * w10 + d[yb + c11] * w11;
    out[1] = d[xb + c00] * w00 + d[xb + c01] * w01 + d[xb + c10] * w10 + d[xb + c11] * w11;
  }

  private static double clamp(double v, double max) {
    return v < 0 ? 0 : (v > max ? max : v);
  }

  private void ensure(int level, int v, int cell) {
    if (done[level][v * cells + cell]) {
      return;
    }
    int prev = level - 1;
    if (prev > 0) {
      ensure(prev, v, cell);
    }
    float[] p = levels[prev];
    double cx = (cell % grid.width()) * (double) grid.stride();
    double cy = (cell / grid.width()) * (double) grid.stride();
    double tx = cx + p[(2 * v + 1) * cells + cell];
    double ty = cy + p[2 * v * cells + cell];
    double[] s = scratch;
    if (level <= selfSteps) {
      sampleLevel(prev, v, tx, ty, s);
      tx += s[1];
      ty += s[0];
    } else {
      int t = otherVector[v];
      float[] o = other.data();
      for (int step = 0; step < otherSteps; step++) {
        bilinear(o, t, tx, ty, s);
        tx += s[1];
        ty += s[0];
      }
    }
    levels[level][2 * v * cells + cell] = (float) (ty - cy);
    levels[level][(2 * v + 1) * cells + cell] = (float) (tx - cx);
    done[level][v * cells + cell] = true;
  }

  /**
   * Refines the given cells (all vectors) now and returns the refined field's planar data
   * (plane 2v = y, 2v+1 = x); other cells of the array are not meaningful. For loops that read
   * many cells, without a check per read.
   */
  public float[] refinedAt(boolean[] cellsWanted) {
    int last = levels.length - 1;
    for (int v = 0; v < count; v++) {
      for (int i = 0; i < cells; i++) {
        if (cellsWanted[i]) {
          ensure(last, v, i);
        }
      }
    }
    return levels[last];
  }

  /** Every cell refined now: the whole field (for tests and callers that read it all). */
  public VectorField materialize() {
    float[] out = new float[2 * count * cells];
    for (int v = 0; v < count; v++) {
      for (int i = 0; i < cells; i++) {
        out[2 * v * cells + i] = dy(v, i);
        out[(2 * v + 1) * cells + i] = dx(v, i);
      }
    }
    return new VectorField(grid, count, out);
  }

  /** Mid-range offsets along the skeleton's edges, refined with the target's short-range offsets (eq. 2). */
  public static RefinedField mid(VectorField mid, VectorField shortOffsets, io.personlab.geometry.Skeleton skeleton,
      boolean forward, int steps) {
    int[] target = new int[mid.count()];
    for (int e = 0; e < target.length; e++) {
      target[e] = forward ? skeleton.child(e) : skeleton.parent(e);
    }
    return new RefinedField(mid, 0, shortOffsets, target, steps);
  }

  /** Long-range offsets refined by themselves, then by the short-range offsets (eq. 5). */
  public static RefinedField longRange(VectorField longOffsets, VectorField shortOffsets, int selfSteps,
      int shortSteps) {
    int[] target = new int[longOffsets.count()];
    Arrays.setAll(target, k -> k);
    return new RefinedField(longOffsets, selfSteps, shortOffsets, target, shortSteps);
  }
}
