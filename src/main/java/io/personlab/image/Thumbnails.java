package io.personlab.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;

/**
 * Pictures for people to look at (report contact sheets, worst images): a decoded photo resampled
 * to a small size with the exact transform of a possibly DCT-reduced, EXIF-shifted decode, and
 * the conversions between {@link RgbImage} and {@link BufferedImage} that Java2D drawing needs.
 */
public final class Thumbnails {
  private Thumbnails() {}

  /**
   * The whole photo {@code d} (its original {@code width() x height()} extent) resampled onto
   * {@code tw x th} pixels, bilinearly, after halving the decode while it is over twice the
   * target's resolution (bilinear sampling alone would skip pixels and alias).
   */
  public static RgbImage of(DecodedImage d, int tw, int th) {
    BufferedImage src = toBufferedImage(d.pixels());
    double perPixel = d.factor(); // original photo pixels per decoded pixel
    double reduction = Math.max((double) tw / d.width(), (double) th / d.height());
    while (perPixel * reduction < 0.5 && src.getWidth() > 1 && src.getHeight() > 1) {
      src = half(src);
      perPixel *= 2;
    }
    // decoded pixel i spans photo pixels [i * perPixel - shift, (i + 1) * perPixel - shift)
    double ux = (double) tw / d.width(), uy = (double) th / d.height();
    AffineTransform at = new AffineTransform(perPixel * ux, 0, 0, perPixel * uy, -d.shiftX() * ux, -d.shiftY() * uy);
    BufferedImage thumb = new BufferedImage(tw, th, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = thumb.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    g.drawImage(src, at, null);
    g.dispose();
    return fromBufferedImage(thumb);
  }

  private static BufferedImage half(BufferedImage src) {
    int w = (src.getWidth() + 1) / 2, h = (src.getHeight() + 1) / 2;
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, AffineTransform.getScaleInstance(0.5, 0.5), null);
    g.dispose();
    return out;
  }

  /** The pixels as a TYPE_INT_RGB image. */
  public static BufferedImage toBufferedImage(RgbImage img) {
    int w = img.width(), h = img.height();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    out.setRGB(0, 0, w, h, packed(img), 0, w);
    return out;
  }

  /** Pixels packed as 0xRRGGBB, row-major. */
  public static int[] packed(RgbImage img) {
    byte[] rgb = img.rgb();
    int[] px = new int[img.width() * img.height()];
    for (int i = 0; i < px.length; i++) {
      px[i] = ((rgb[3 * i] & 0xff) << 16) | ((rgb[3 * i + 1] & 0xff) << 8) | (rgb[3 * i + 2] & 0xff);
    }
    return px;
  }

  public static RgbImage fromBufferedImage(BufferedImage img) {
    int w = img.getWidth(), h = img.getHeight();
    int[] px = img.getRGB(0, 0, w, h, null, 0, w);
    byte[] rgb = new byte[3 * px.length];
    for (int i = 0; i < px.length; i++) {
      rgb[3 * i] = (byte) (px[i] >> 16);
      rgb[3 * i + 1] = (byte) (px[i] >> 8);
      rgb[3 * i + 2] = (byte) px[i];
    }
    return new RgbImage(w, h, rgb);
  }
}
