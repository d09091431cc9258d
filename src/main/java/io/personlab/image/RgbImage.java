package io.personlab.image;

/** A decoded image: 8-bit RGB, interleaved, row-major ({@code rgb[3 * (y * width + x) + c]}). */
public record RgbImage(int width, int height, byte[] rgb) {
  public RgbImage {
    if (width <= 0 || height <= 0 || rgb.length != 3 * width * height) {
      throw new IllegalArgumentException("bad image buffer for " + width + "x" + height);
    }
  }
}
