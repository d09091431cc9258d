package io.personlab.testing;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** A val photo blown up to camera size, for tests of paths that downscale (report pictures). */
public final class UpscaledPhoto {
  private UpscaledPhoto() {}

  /** {@code photo} scaled by {@code factor} in each axis, written to {@code png}; returns it. */
  public static BufferedImage writePng(BufferedImage photo, int factor, Path png) throws IOException {
    BufferedImage big = new BufferedImage(factor * photo.getWidth(), factor * photo.getHeight(),
        BufferedImage.TYPE_INT_RGB);
    Graphics2D g = big.createGraphics();
    g.drawImage(photo, 0, 0, big.getWidth(), big.getHeight(), null);
    g.dispose();
    ImageIO.write(big, "png", png.toFile());
    return big;
  }
}
