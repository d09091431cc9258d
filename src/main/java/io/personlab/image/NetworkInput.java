package io.personlab.image;

import io.personlab.geometry.FrameTransform;

/**
 * One image resized and padded for the network: an NHWC float tensor [1, height, width, 3] and
 * the transform from original image pixels to its pixels.
 */
public record NetworkInput(float[] data, int height, int width, FrameTransform transform) {

  /**
   * The input of the left/right mirrored image: the image content (network pixels 0 .. w1 - 1,
   * w1 = frameX(0) + frameX(imageWidth - 1) + 1) mirrored within itself, the right padding left
   * where it is, as {@link Resizer} pads a mirrored image. Mirroring the whole padded row instead
   * would move the content right by the padding. Same transform: it describes the mirrored image.
   */
  public NetworkInput mirrored() {
    int w1 = (int) Math.round(transform.toFrameX(0) + transform.toFrameX(transform.imageWidth() - 1) + 1);
    if (w1 < 1 || w1 > width) {
      throw new IllegalStateException("content width " + w1 + " outside the input's " + width);
    }
    float[] out = data.clone();
    for (int y = 0; y < height; y++) {
      int row = 3 * y * width;
      for (int x = 0; x < w1; x++) {
        int src = row + 3 * x, dst = row + 3 * (w1 - 1 - x);
        out[dst] = data[src];
        out[dst + 1] = data[src + 1];
        out[dst + 2] = data[src + 2];
      }
    }
    return new NetworkInput(out, height, width, transform);
  }
}
