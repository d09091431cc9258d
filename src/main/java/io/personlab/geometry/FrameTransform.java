package io.personlab.geometry;

/**
 * Maps original image pixels to the decoding frame (the network input the maps were computed
 * on, after resizing and padding) and back: {@code frameX = imageX * scaleX + offsetX}. Image
 * pixel (u, v) means the pixel's centre, as in COCO keypoint coordinates used by the evaluator.
 *
 * @param imageWidth original image width in pixels
 * @param imageHeight original image height in pixels
 */
public record FrameTransform(
    int imageWidth, int imageHeight, double scaleX, double scaleY, double offsetX, double offsetY) {

  public FrameTransform {
    if (imageWidth <= 0 || imageHeight <= 0) {
      throw new IllegalArgumentException("image size must be positive: " + imageWidth + "x" + imageHeight);
    }
    if (!(scaleX > 0) || !(scaleY > 0)) {
      throw new IllegalArgumentException("scales must be positive");
    }
  }

  /** The frame is the image itself. */
  public static FrameTransform identity(int imageWidth, int imageHeight) {
    return new FrameTransform(imageWidth, imageHeight, 1, 1, 0, 0);
  }

  /**
   * The same frame seen from this image resized to {@code width x height}: pixel u' of the
   * resized image has its centre at original coordinate (u' + 0.5) / m - 0.5, m = width / imageWidth.
   */
  public FrameTransform forImageSize(int width, int height) {
    double rx = (double) imageWidth / width, ry = (double) imageHeight / height;
    return new FrameTransform(width, height, scaleX * rx, scaleY * ry,
        offsetX + (0.5 * rx - 0.5) * scaleX, offsetY + (0.5 * ry - 0.5) * scaleY);
  }

  public double toFrameX(double imageX) {
    return imageX * scaleX + offsetX;
  }

  public double toFrameY(double imageY) {
    return imageY * scaleY + offsetY;
  }

  public double toImageX(double frameX) {
    return (frameX - offsetX) / scaleX;
  }

  public double toImageY(double frameY) {
    return (frameY - offsetY) / scaleY;
  }
}
