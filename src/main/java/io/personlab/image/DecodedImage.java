package io.personlab.image;

/**
 * Decoded pixels that may be a reduced version of the image: {@code pixels} is the upright image
 * of {@code width} x {@code height} original pixels decoded at 1/{@code factor} scale (JPEG
 * DCT-domain downscaling). Decoded pixel i spans original pixels [i*factor - shift,
 * (i+1)*factor - shift) on each axis, so its centre is original coordinate
 * (i + 0.5) * factor - 0.5 - shift. The shift is non-zero only on an axis an EXIF orientation
 * flipped: the decoder's partial last block (ceil(W/f)*f - W pixels beyond the edge) then lies
 * before the first original pixel.
 */
public record DecodedImage(RgbImage pixels, int width, int height, int factor, int shiftX, int shiftY) {
  public DecodedImage {
    if (factor != 1 && factor != 2 && factor != 4 && factor != 8) {
      throw new IllegalArgumentException("reduction factor must be 1, 2, 4 or 8: " + factor);
    }
    if (shiftX < 0 || shiftX >= factor || shiftY < 0 || shiftY >= factor
        || pixels.width() != ceilDiv(width + shiftX, factor) || pixels.height() != ceilDiv(height + shiftY, factor)) {
      throw new IllegalArgumentException("decoded " + pixels.width() + "x" + pixels.height() + " does not cover "
          + width + "x" + height + " at 1/" + factor + " with shift " + shiftX + "," + shiftY);
    }
  }

  /** A full-size decode: the pixels are the image. */
  public static DecodedImage full(RgbImage image) {
    return new DecodedImage(image, image.width(), image.height(), 1, 0, 0);
  }

  /**
   * Applies the EXIF orientation to pixels decoded at 1/factor from a stored image of
   * storedWidth x storedHeight, and works out which upright axes the orientation flipped.
   */
  static DecodedImage oriented(RgbImage stored, int storedWidth, int storedHeight, int factor, int orientation) {
    int padW = stored.width() * factor - storedWidth, padH = stored.height() * factor - storedHeight;
    RgbImage upright = Orientation.apply(stored, orientation);
    boolean swap = orientation >= 5 && orientation <= 8;
    int shiftX, shiftY;
    switch (orientation) {
      case 2 -> { shiftX = padW; shiftY = 0; }
      case 3 -> { shiftX = padW; shiftY = padH; }
      case 4 -> { shiftX = 0; shiftY = padH; }
      case 6 -> { shiftX = padH; shiftY = 0; } // upright x runs along stored y, reversed
      case 7 -> { shiftX = padH; shiftY = padW; }
      case 8 -> { shiftX = 0; shiftY = padW; }
      default -> { shiftX = 0; shiftY = 0; } // 1, 5 (transpose) and unknown values keep the origin
    }
    return new DecodedImage(upright, swap ? storedHeight : storedWidth, swap ? storedWidth : storedHeight, factor,
        shiftX, shiftY);
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
