package io.personlab.maps;

/**
 * The network's output grid: cell (row, col) sits at frame point (col * stride, row * stride)
 * (BodyPix-style sizes of the form stride*k + 1 put cell centres exactly on input pixels).
 */
public record Grid(int height, int width, int stride) {
  public Grid {
    if (height <= 0 || width <= 0 || stride <= 0) {
      throw new IllegalArgumentException("bad grid " + height + "x" + width + " stride " + stride);
    }
  }

  public int cells() {
    return height * width;
  }

  /** Frame x of a column. */
  public double x(int col) {
    return (double) col * stride;
  }

  /** Frame y of a row. */
  public double y(int row) {
    return (double) row * stride;
  }

  /** The frame extent covered by cells: [0, (width-1)*stride] x [0, (height-1)*stride]. */
  public double maxX() {
    return (double) (width - 1) * stride;
  }

  public double maxY() {
    return (double) (height - 1) * stride;
  }

  /**
   * Bilinear sample of plane {@code p} (cells laid out row-major at {@code data[p * cells + i]})
   * at frame point (x, y), clamped to the grid.
   */
  public float sample(float[] data, int p, double x, double y) {
    double gx = x / stride;
    double gy = y / stride;
    if (gx < 0) {
      gx = 0;
    } else if (gx > width - 1) {
      gx = width - 1;
    }
    if (gy < 0) {
      gy = 0;
    } else if (gy > height - 1) {
      gy = height - 1;
    }
    int x0 = (int) gx;
    int y0 = (int) gy;
    int x1 = x0 + 1 < width ? x0 + 1 : x0;
    int y1 = y0 + 1 < height ? y0 + 1 : y0;
    double fx = gx - x0;
    double fy = gy - y0;
    int base = p * width * height;
    int r0 = base + y0 * width;
    int r1 = base + y1 * width;
    double top = data[r0 + x0] + (data[r0 + x1] - data[r0 + x0]) * fx;
    double bottom = data[r1 + x0] + (data[r1 + x1] - data[r1 + x0]) * fx;
    return (float) (top + (bottom - top) * fy);
  }
}
