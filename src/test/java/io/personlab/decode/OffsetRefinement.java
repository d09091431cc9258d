package io.personlab.decode;

import io.personlab.geometry.Skeleton;
import io.personlab.maps.Grid;
import io.personlab.maps.VectorField;

/**
 * The reference for {@link RefinedField}: recurrent refinement of whole fields at once, written
 * the way eqs. 2 and 5 read. Recurrent offset refinement at the resolution of the network's output:
 * a displacement field D is replaced by the one that lands where D lands, moved on by another
 * field F sampled (bilinearly) there: D(x) <- x' + F(x') - x with x' = x + D(x).
 */
final class OffsetRefinement {
  private OffsetRefinement() {}

  /**
   * Eq. (2): mid-range offsets along each edge refined with the short-range offsets of the
   * edge's target keypoint, {@code steps} times. Forward edges target the child, backward
   * edges the parent.
   */
  public static VectorField refineMid(VectorField mid, VectorField shortOffsets, Skeleton skeleton,
      boolean forward, int steps) {
    VectorField out = mid.copy();
    if (steps == 0) {
      return out;
    }
    for (int e = 0; e < mid.count(); e++) {
      int target = forward ? skeleton.child(e) : skeleton.parent(e);
      refineByOther(out, e, shortOffsets, target, steps);
    }
    return out;
  }

  /**
   * Eq. (5): long-range offsets refined {@code selfSteps} times by themselves (each step uses the
   * field of the previous step), then {@code shortSteps} times by the short-range offsets.
   */
  public static VectorField refineLong(VectorField longOffsets, VectorField shortOffsets,
      int selfSteps, int shortSteps) {
    VectorField current = longOffsets.copy();
    Grid g = current.grid();
    for (int step = 0; step < selfSteps; step++) {
      VectorField next = current.copy();
      for (int k = 0; k < current.count(); k++) {
        for (int row = 0, i = 0; row < g.height(); row++) {
          double y = g.y(row);
          for (int col = 0; col < g.width(); col++, i++) {
            double x = g.x(col);
            double tx = x + current.dx(k, i);
            double ty = y + current.dy(k, i);
            double nx = tx + current.sampleX(k, tx, ty);
            double ny = ty + current.sampleY(k, tx, ty);
            next.set(k, i, (float) (ny - y), (float) (nx - x));
          }
        }
      }
      current = next;
    }
    for (int k = 0; k < current.count(); k++) {
      refineByOther(current, k, shortOffsets, k, shortSteps);
    }
    return current;
  }

  /** In place: vector v of {@code field} moved on {@code steps} times by vector t of {@code by}. */
  private static void refineByOther(VectorField field, int v, VectorField by, int t, int steps) {
    Grid g = field.grid();
    for (int row = 0, i = 0; row < g.height(); row++) {
      double y = g.y(row);
      for (int col = 0; col < g.width(); col++, i++) {
        double x = g.x(col);
        double tx = x + field.dx(v, i);
        double ty = y + field.dy(v, i);
        for (int s = 0; s < steps; s++) {
          double ox = by.sampleX(t, tx, ty);
          double oy = by.sampleY(t, tx, ty);
          tx += ox;
          ty += oy;
        }
        field.set(v, i, (float) (ty - y), (float) (tx - x));
      }
    }
  }
}
