package io.personlab.decode;

import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;

/**
 * The Hough score maps h_k of eq. (1): every output cell x_i votes for keypoint type k at
 * x_i + S_k(x_i) with weight p_k(x_i), splatted with the bilinear kernel B onto a grid of
 * {@code cellSize} frame pixels. Each vote stands for the stride^2 pixels of its cell, and the
 * sum is divided by pi R^2, so a perfect disk of radius R voting at one point scores about 1
 * whatever the stride and the Hough resolution.
 */
public final class HoughMaps {
  private final int numKeypoints;
  private final int width;
  private final int height;
  private final double cellSize;
  private final float[] scores; // [k][height * width]

  private HoughMaps(int numKeypoints, int width, int height, double cellSize) {
    this.numKeypoints = numKeypoints;
    this.width = width;
    this.height = height;
    this.cellSize = cellSize;
    this.scores = new float[numKeypoints * width * height];
  }

  public static HoughMaps vote(PersonLabMaps maps, DecoderConfig config) {
    Grid grid = maps.grid();
    double cellSize = (double) grid.stride() / config.houghCellsPerOutputCell();
    int w = (int) Math.ceil(grid.maxX() / cellSize) + 1;
    int h = (int) Math.ceil(grid.maxY() / cellSize) + 1;
    HoughMaps out = new HoughMaps(maps.numKeypoints(), w, h, cellSize);
    double weight = (double) grid.stride() * grid.stride()
        / (Math.PI * config.discRadius() * config.discRadius());
    int cells = grid.cells();
    float[] heat = maps.heatmaps();
    float[] offsets = maps.shortOffsets().data();
    float threshold = config.voteThreshold();
    double inv = 1.0 / cellSize;
    int plane = w * h;
    for (int k = 0; k < maps.numKeypoints(); k++) {
      int heatBase = k * cells;
      int yBase = 2 * k * cells;
      int xBase = (2 * k + 1) * cells;
      int outBase = k * plane;
      for (int row = 0, i = 0; row < grid.height(); row++) {
        double y = grid.y(row);
        for (int col = 0; col < grid.width(); col++, i++) {
          float p = heat[heatBase + i];
          if (p < threshold || p <= 0) {
            continue;
          }
          double gx = (grid.x(col) + offsets[xBase + i]) * inv;
          double gy = (y + offsets[yBase + i]) * inv;
          if (!(gx > -1 && gy > -1 && gx < w && gy < h)) {
            continue; // votes outside the frame (or NaN) are lost
          }
          int x0 = (int) Math.floor(gx);
          int y0 = (int) Math.floor(gy);
          double fx = gx - x0;
          double fy = gy - y0;
          double v = p * weight;
          out.splat(outBase, x0, y0, (float) (v * (1 - fx) * (1 - fy)));
          out.splat(outBase, x0 + 1, y0, (float) (v * fx * (1 - fy)));
          out.splat(outBase, x0, y0 + 1, (float) (v * (1 - fx) * fy));
          out.splat(outBase, x0 + 1, y0 + 1, (float) (v * fx * fy));
        }
      }
    }
    return out;
  }

  private void splat(int base, int x, int y, float v) {
    if (x >= 0 && y >= 0 && x < width && y < height) {
      scores[base + y * width + x] += v;
    }
  }

  public int numKeypoints() {
    return numKeypoints;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** Frame pixels per Hough cell. */
  public double cellSize() {
    return cellSize;
  }

  /** h_k at Hough cell (x, y). */
  public float at(int k, int x, int y) {
    return scores[k * width * height + y * width + x];
  }

  /** The raw maps, planar [k][height * width]. */
  public float[] scores() {
    return scores;
  }

  /** Bilinear h_k at a frame point (0 outside the maps). */
  public double sample(int k, double fx, double fy) {
    double gx = fx / cellSize;
    double gy = fy / cellSize;
    if (!(gx >= 0 && gy >= 0 && gx <= width - 1 && gy <= height - 1)) {
      return 0;
    }
    int x0 = (int) gx;
    int y0 = (int) gy;
    int x1 = Math.min(x0 + 1, width - 1);
    int y1 = Math.min(y0 + 1, height - 1);
    double ax = gx - x0;
    double ay = gy - y0;
    int base = k * width * height;
    double top = scores[base + y0 * width + x0] * (1 - ax) + scores[base + y0 * width + x1] * ax;
    double bottom = scores[base + y1 * width + x0] * (1 - ax) + scores[base + y1 * width + x1] * ax;
    return top * (1 - ay) + bottom * ay;
  }
}
