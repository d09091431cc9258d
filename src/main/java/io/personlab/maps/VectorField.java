package io.personlab.maps;

/**
 * n 2-D vector fields over a grid, in frame pixels, stored planar: plane 2v is y of vector v,
 * plane 2v+1 its x, each plane {@code grid.cells()} floats row-major. Whatever layout a network
 * emits is converted once into this one, so that decoding loops read contiguous planes.
 */
public record VectorField(Grid grid, int count, float[] data) {

  public VectorField {
    if (data.length != 2 * count * grid.cells()) {
      throw new IllegalArgumentException("vector field data has " + data.length + " floats, expected "
          + 2 * count * grid.cells());
    }
  }

  public static VectorField zeros(Grid grid, int count) {
    return new VectorField(grid, count, new float[2 * count * grid.cells()]);
  }

  /**
   * From an NHWC tensor (batch 1) of {@code 2 * count} channels in the given layout, each value
   * multiplied by {@code scale} (e.g. to convert input pixels to frame pixels).
   */
  public static VectorField fromNhwc(float[] nhwc, Grid grid, int count, ChannelLayout layout, float scale) {
    int cells = grid.cells();
    int channels = 2 * count;
    if (nhwc.length != cells * channels) {
      throw new IllegalArgumentException("tensor has " + nhwc.length + " floats, expected "
          + cells + " cells x " + channels + " channels");
    }
    float[] data = new float[channels * cells];
    for (int v = 0; v < count; v++) {
      int yc = layout.yChannel(v, count);
      int xc = layout.xChannel(v, count);
      int yPlane = 2 * v * cells;
      int xPlane = (2 * v + 1) * cells;
      for (int i = 0, src = 0; i < cells; i++, src += channels) {
        data[yPlane + i] = nhwc[src + yc] * scale;
        data[xPlane + i] = nhwc[src + xc] * scale;
      }
    }
    return new VectorField(grid, count, data);
  }

  public float dy(int vector, int cell) {
    return data[2 * vector * grid.cells() + cell];
  }

  public float dx(int vector, int cell) {
    return data[(2 * vector + 1) * grid.cells() + cell];
  }

  public void set(int vector, int cell, float dy, float dx) {
    data[2 * vector * grid.cells() + cell] = dy;
    data[(2 * vector + 1) * grid.cells() + cell] = dx;
  }

  /** Bilinear sample of the y component of a vector at a frame point. */
  public float sampleY(int vector, double x, double y) {
    return grid.sample(data, 2 * vector, x, y);
  }

  /** Bilinear sample of the x component of a vector at a frame point. */
  public float sampleX(int vector, double x, double y) {
    return grid.sample(data, 2 * vector + 1, x, y);
  }

  public VectorField copy() {
    return new VectorField(grid, count, data.clone());
  }
}
