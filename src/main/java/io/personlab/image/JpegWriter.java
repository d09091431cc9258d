package io.personlab.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** JPEG files made in memory with ImageIO (bench photos, test images). */
public final class JpegWriter {
  private JpegWriter() {}

  /**
   * The image as a baseline JPEG of the given quality (0-1), or, with {@code progressive}, a
   * progressive one at the writer's default quality.
   */
  public static byte[] encode(BufferedImage image, float quality, boolean progressive) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      ImageWriteParam p = writer.getDefaultWriteParam();
      if (progressive) {
        p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      } else {
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(quality);
      }
      writer.write(null, new IIOImage(image, null, null), p);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}
