package io.personlab.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes JPEG, PNG, BMP, GIF (first frame) and WebP through ImageIO (TwelveMonkeys supplies
 * CMYK/YCCK JPEG and WebP), applies the EXIF orientation, and converts grayscale, CMYK, palette
 * and alpha images to RGB (alpha composited over white). The pixel count is checked from the
 * header before any pixel is decoded, so a decompression bomb costs nothing. A truncated or
 * corrupt file is refused, also when the decoder would only warn. {@link #decodeForNetwork}
 * decodes plain JPEGs natively at a reduced size instead ({@link NativeJpeg}).
 */
public final class ImageDecoder {
  /** Default limit: 64 megapixels (an 8000 x 8000 photo). */
  public static final long DEFAULT_MAX_PIXELS = 64L << 20;

  static {
    ImageIO.setUseCache(false); // decode in memory, never to temp files
    ImageIO.scanForPlugins();
  }

  private static final java.util.regex.Pattern DAMAGE = java.util.regex.Pattern.compile(
      "(?i)premature|truncat|corrupt|end of (file|stream|data)|eof|missing|unexpected");

  private final long maxPixels;

  public ImageDecoder(long maxPixels) {
    this.maxPixels = maxPixels;
  }

  public ImageDecoder() {
    this(DEFAULT_MAX_PIXELS);
  }

  /** Decodes {@code data}; {@code name} identifies the input in error messages. */
  public RgbImage decode(byte[] data, String name) {
    if (data.length == 0) {
      throw new ImageDecodeException(name + ": empty file");
    }
    BufferedImage image = read(data, name);
    int orientation = exifOrientation(data);
    return Orientation.apply(toRgb(image), orientation);
  }

  /**
   * Decodes {@code data} for a network whose largest input has long side {@code longSide}: a plain
   * JPEG (see {@link JpegHeader}) is decoded natively at the largest DCT reduction (1/2, 1/4,
   * 1/8) that keeps its long side at or above {@code longSide}, or at full size; anything else,
   * or every file where the native library is missing, is decoded at full size with ImageIO as
   * {@link #decode} does. Same errors as {@link #decode}.
   */
  public DecodedImage decodeForNetwork(byte[] data, String name, int longSide) {
    if (data.length == 0) {
      throw new ImageDecodeException(name + ": empty file");
    }
    JpegHeader header = NativeJpeg.available() ? JpegHeader.plain(data) : null;
    if (header == null) {
      return DecodedImage.full(decode(data, name));
    }
    checkPixels(header.width(), header.height(), name);
    int factor = reduction(Math.max(header.width(), header.height()), longSide);
    RgbImage stored;
    try {
      stored = NativeJpeg.decode(data, factor, header.width(), header.height(), name);
    } catch (RuntimeException e) {
      // libjpeg gave up on data its markers did not show as damaged: ImageIO decides, with its messages
      return DecodedImage.full(decode(data, name));
    }
    return DecodedImage.oriented(stored, header.width(), header.height(), factor, jpegExifOrientation(data));
  }

  /** The largest of 8, 4, 2 that keeps ceil(size / factor) at or above {@code longSide}, else 1. */
  static int reduction(int size, int longSide) {
    for (int f = 8; f > 1; f /= 2) {
      if ((size + f - 1) / f >= longSide) {
        return f;
      }
    }
    return 1;
  }

  private void checkPixels(long w, long h, String name) {
    if (w <= 0 || h <= 0) {
      throw new ImageDecodeException(name + ": image has no pixels (" + w + "x" + h + ")");
    }
    if (w * h > maxPixels) {
      throw new ImageDecodeException(name + ": image of " + w + "x" + h + " = " + w * h
          + " pixels exceeds the limit of " + maxPixels + " pixels");
    }
  }

  private BufferedImage read(byte[] data, String name) {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new ImageDecodeException(name + ": not an image (no decoder recognises its format)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        checkPixels(reader.getWidth(0), reader.getHeight(0), name);
        // Decoders report a cut file as a warning and hand back a partly gray image; those
        // warnings (and only those: colour-profile notes are harmless) make it an error.
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((IIOReadWarningListener) (source, warning) -> {
          if (DAMAGE.matcher(warning).find()) {
            warnings.add(warning);
          }
        });
        BufferedImage image = reader.read(0);
        if (!warnings.isEmpty()) {
          throw new ImageDecodeException(name + ": corrupt or truncated " + reader.getFormatName()
              + " image (" + warnings.get(0) + ")");
        }
        return image;
      } finally {
        reader.dispose();
      }
    } catch (ImageDecodeException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new ImageDecodeException(name + ": corrupt or truncated image (" + why + ")", e);
    }
  }

  private static int exifOrientation(byte[] data) {
    try {
      return orientation(ImageMetadataReader.readMetadata(new ByteArrayInputStream(data), data.length));
    } catch (Exception e) {
      return 1; // no or unreadable metadata: the pixels as stored
    }
  }

  /** The same for a JPEG, reading its EXIF segment only (not ICC, XMP, IPTC: milliseconds on small photos). */
  private static int jpegExifOrientation(byte[] data) {
    try {
      return orientation(JpegMetadataReader.readMetadata(new ByteArrayInputStream(data), List.of(new ExifReader())));
    } catch (Exception e) {
      return 1;
    }
  }

  private static int orientation(Metadata metadata) throws com.drew.metadata.MetadataException {
    ExifIFD0Directory dir = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
    if (dir != null && dir.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
      return dir.getInt(ExifIFD0Directory.TAG_ORIENTATION);
    }
    return 1;
  }

  /** Any BufferedImage to interleaved RGB, alpha over white. */
  static RgbImage toRgb(BufferedImage image) {
    RgbImage fast = fromByteRaster(image);
    if (fast != null) {
      return fast;
    }
    return viaColorModel(image);
  }

  /**
   * Straight from the raster for byte-interleaved 8-bit sRGB images without alpha (3-byte BGR/RGB)
   * and 8-bit grayscale: what the JPEG and most PNG decoders return. getRGB's per-pixel colour
   * model calls cost more than decoding itself; anything else takes that general path.
   */
  private static RgbImage fromByteRaster(BufferedImage image) {
    java.awt.image.Raster raster = image.getRaster();
    if (!(raster.getDataBuffer() instanceof java.awt.image.DataBufferByte db)
        || !(raster.getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel sm)
        || image.getColorModel().hasAlpha()
        || !image.getColorModel().getColorSpace().isCS_sRGB() && image.getType() != BufferedImage.TYPE_BYTE_GRAY
        || db.getNumBanks() != 1) {
      return null;
    }
    int bands = sm.getNumBands();
    if (bands != 3 && !(bands == 1 && image.getType() == BufferedImage.TYPE_BYTE_GRAY)) {
      return null;
    }
    int w = image.getWidth(), h = image.getHeight();
    byte[] src = db.getData();
    int[] offsets = sm.getBandOffsets();
    int pixelStride = sm.getPixelStride(), scanline = sm.getScanlineStride();
    int base = db.getOffset() - raster.getSampleModelTranslateY() * scanline
        - raster.getSampleModelTranslateX() * pixelStride;
    byte[] rgb = new byte[3 * w * h];
    int r = offsets[0], g = bands == 3 ? offsets[1] : offsets[0], b = bands == 3 ? offsets[2] : offsets[0];
    for (int y = 0; y < h; y++) {
      int s = base + y * scanline;
      for (int x = 0, o = 3 * y * w; x < w; x++, o += 3, s += pixelStride) {
        rgb[o] = src[s + r];
        rgb[o + 1] = src[s + g];
        rgb[o + 2] = src[s + b];
      }
    }
    return new RgbImage(w, h, rgb);
  }

  private static RgbImage viaColorModel(BufferedImage image) {
    int w = image.getWidth(), h = image.getHeight();
    byte[] rgb = new byte[3 * w * h];
    int[] row = new int[w];
    boolean alpha = image.getColorModel().hasAlpha();
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w); // converts any colour model (gray, CMYK, palette) to sRGB
      for (int x = 0, o = 3 * y * w; x < w; x++, o += 3) {
        int p = row[x];
        int r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
        if (alpha) {
          int a = (p >>> 24);
          r = (r * a + 255 * (255 - a) + 127) / 255;
          g = (g * a + 255 * (255 - a) + 127) / 255;
          b = (b * a + 255 * (255 - a) + 127) / 255;
        }
        rgb[o] = (byte) r;
        rgb[o + 1] = (byte) g;
        rgb[o + 2] = (byte) b;
      }
    }
    return new RgbImage(w, h, rgb);
  }
}
