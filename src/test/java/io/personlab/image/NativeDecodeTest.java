package io.personlab.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.geometry.FrameTransform;
import io.personlab.testing.SharedData;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The native reduced-size JPEG path against the full-size ImageIO path: same network input
 * (within what DCT scaling changes), the same exact transform for every EXIF orientation and
 * for sizes not divisible by the factor, the same fallbacks and the same errors.
 */
public class NativeDecodeTest {
  private static final ImageDecoder DECODER = new ImageDecoder();

  /** A 4003 x 2998 JPEG (neither side divisible by 8) of fine sinusoids, without EXIF. */
  private static byte[] pattern;

  @BeforeAll
  static void patternJpeg() throws IOException {
    pattern = jpeg(sinusoids(4003, 2998), 0.95f);
  }

  @Test
  void theNativeLibraryLoadsHere() {
    // no silent fallback in the tests: the build machine and the clusters (linux x86_64/aarch64) have it
    assertTrue(NativeJpeg.available(), "OpenCV natives did not load");
  }

  @Test
  void theFactorIsTheLargestThatKeepsTheLongSide() {
    assertEquals(4, ImageDecoder.reduction(4000, 769)); // 1000 px
    assertEquals(4, ImageDecoder.reduction(6000, 769)); // 1500 px: 1/8 would be 750
    assertEquals(8, ImageDecoder.reduction(6152, 769)); // exactly 769
    assertEquals(1, ImageDecoder.reduction(640, 769));
    assertEquals(2, ImageDecoder.reduction(640, 320));
    assertEquals(8, ImageDecoder.reduction(4003, 385)); // ceil(4003 / 8) = 501
  }

  /** Tolerances in grey levels, from the measurements below (10.9 and 2.0) with some margin. */
  private static final double WORST = 12, MEAN = 2.5;

  /**
   * The transform is exact through the reduced path: a fine sinusoid (periods of 48, 40 and 64
   * original pixels, 4.6 / 3.8 / 6.2 network pixels at long side 385) gives the same network
   * input from a 1/8 native decode as from the full ImageIO decode, for EXIF orientations that
   * flip and swap axes, where a flipped axis starts 5 (x) or 2 (y) original pixels into the
   * decoder's partial last block. Measured: worst difference 10.9 grey levels, mean 2.0, the
   * same for every orientation (what DCT scaling does to the signal, not where it is). Without
   * the shift the same decode is off by up to 64 levels (mean 29) for orientation 3 and 30
   * (mean 9) for orientation 6, whose flipped axis is off by only 0.2 network pixels; a half
   * network pixel misplacement is worse still.
   */
  @Test
  void reducedDecodeGivesTheFullDecodesNetworkInputForEveryOrientation() {
    for (int orientation : new int[] {1, 3, 6, 8}) {
      byte[] file = withOrientation(pattern, orientation);
      DecodedImage reduced = DECODER.decodeForNetwork(file, "pattern", 385);
      assertEquals(8, reduced.factor());
      boolean swap = orientation >= 5;
      assertEquals(swap ? 2998 : 4003, reduced.width());
      assertEquals(swap ? 4003 : 2998, reduced.height());
      DecodedImage full = DecodedImage.full(DECODER.decode(file, "pattern"));
      NetworkInput a = Resizer.forNetwork(reduced, 385, 16, false, 1, 0);
      NetworkInput b = Resizer.forNetwork(full, 385, 16, false, 1, 0);
      assertEquals(b.transform(), a.transform());
      double[] d = difference(a, b);
      assertTrue(d[1] <= WORST && d[0] <= MEAN, "orientation " + orientation + ": worst " + d[1] + ", mean " + d[0]);
      if (reduced.shiftX() != 0 || reduced.shiftY() != 0) {
        DecodedImage unshifted = new DecodedImage(reduced.pixels(), reduced.width(), reduced.height(), 8, 0, 0);
        double[] wrong = difference(Resizer.forNetwork(unshifted, 385, 16, false, 1, 0), b);
        assertTrue(wrong[1] > 2 * WORST, "orientation " + orientation + ": a missing shift must show: worst " + wrong[1]);
      }
    }
  }

  /** A 4000 x 3000 photo-sized JPEG at the default long side 769: factor 4, no partial blocks. */
  @Test
  void twelveMegapixelsAtTheDefaultScale() throws IOException {
    byte[] file = jpeg(sinusoids(4000, 3000), 0.92f);
    DecodedImage reduced = DECODER.decodeForNetwork(file, "12mp", 769);
    assertEquals(4, reduced.factor());
    assertEquals(1000, reduced.pixels().width());
    NetworkInput a = Resizer.forNetwork(reduced, 769, 16, false, 1, 0);
    NetworkInput b = Resizer.forNetwork(DECODER.decode(file, "12mp"), 769, 16, false, 1, 0);
    assertEquals(new FrameTransform(4000, 3000, 769 / 4000.0, 577 / 3000.0, (769 / 4000.0 - 1) / 2,
        (577 / 3000.0 - 1) / 2), a.transform());
    assertEquals(b.transform(), a.transform());
    double[] d = difference(a, b); // measured: worst 7.5, mean 1.34
    assertTrue(d[1] <= WORST && d[0] <= MEAN, "worst " + d[1] + ", mean " + d[0]);
  }

  /**
   * Real photos: the 79 COCO val images through decodeForNetwork (native full size at long side
   * 769; 1/2 or 1/4 at 320 and 160 where the photo is large enough; the ImageIO path for the 12
   * with a non-sRGB colour profile) against ImageIO at full size. Measured mean (over photos of
   * the mean absolute difference per value) and worst single value, in grey levels: 769: 0.000
   * and 0.9 (libjpeg-turbo's full-size output is ImageIO's; sRGB profile round-off only); 320
   * (55 reduced): 1.67 and 70.6; 160 (67 reduced): 1.53 and 57.4. The reduced cases are the
   * least favourable ratio (network scale exactly 1/factor, where the resize adds no blur of
   * its own to the DCT-scaled pixels); the worst values are single pixels on sharp edges.
   */
  @Test
  void valPhotosGiveTheSameNetworkInputBothWays() throws IOException {
    List<Path> photos;
    try (Stream<Path> s = Files.list(SharedData.path("data/coco-mini-val/images"))) {
      photos = s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
    }
    assertTrue(photos.size() >= 79, "val photos: " + photos.size());
    StringBuilder report = new StringBuilder();
    for (int longSide : new int[] {769, 320, 160}) {
      double sum = 0, worst = 0;
      int reducedCount = 0;
      for (Path photo : photos) {
        byte[] bytes = Files.readAllBytes(photo);
        DecodedImage d = DECODER.decodeForNetwork(bytes, photo.toString(), longSide);
        reducedCount += d.factor() > 1 ? 1 : 0;
        NetworkInput a = Resizer.forNetwork(d, longSide, 16, false, 1, 0);
        NetworkInput b = Resizer.forNetwork(DECODER.decode(bytes, photo.toString()), longSide, 16, false, 1, 0);
        assertEquals(b.transform(), a.transform(), photo.toString());
        double[] diff = difference(a, b);
        sum += diff[0];
        worst = Math.max(worst, diff[1]);
      }
      report.append(String.format("long side %d: %d of %d reduced, mean %.3f, worst %.1f%n", longSide, reducedCount,
          photos.size(), sum / photos.size(), worst));
      assertTrue(sum / photos.size() < 2.5 && worst < 100, report.toString());
    }
    System.out.print(report);
  }

  /** A progressive JPEG (several scans, tables between them) takes the native path too. */
  @Test
  void progressiveJpegsGoNative() throws IOException {
    byte[] file = JpegWriter.encode(sinusoids(803, 601), 0, true);
    assertNotNull(JpegHeader.plain(file));
    DecodedImage reduced = DECODER.decodeForNetwork(file, "progressive.jpg", 200);
    assertEquals(4, reduced.factor());
    double[] d = difference(Resizer.forNetwork(reduced, 200, 16, false, 1, 0),
        Resizer.forNetwork(DECODER.decode(file, "progressive.jpg"), 200, 16, false, 1, 0));
    assertTrue(d[1] <= WORST && d[0] <= MEAN, "worst " + d[1] + ", mean " + d[0]);
  }

  @Test
  void grayJpegsBecomeRgb() throws IOException {
    BufferedImage gray = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) {
        gray.getRaster().setSample(x, y, 0, (x * 4) & 0xff);
      }
    }
    byte[] file = jpeg(gray, 0.95f);
    assertNotNull(JpegHeader.plain(file));
    DecodedImage d = DECODER.decodeForNetwork(file, "gray.jpg", 32);
    assertEquals(2, d.factor());
    byte[] rgb = d.pixels().rgb();
    for (int i = 0; i < rgb.length; i += 3) {
      assertEquals(rgb[i], rgb[i + 1]);
      assertEquals(rgb[i], rgb[i + 2]);
    }
  }

  @Test
  void otherFormatsAndUnusualJpegsTakeTheImageIoPath() throws IOException {
    for (String name : new String[] {"base.png", "base.bmp", "base.gif", "base.webp", "cmyk.jpg"}) {
      byte[] file = ImageDecoderTest.fixture(name);
      if (name.endsWith(".jpg")) {
        assertNull(JpegHeader.plain(file), name + " has an Adobe segment");
      }
      DecodedImage d = DECODER.decodeForNetwork(file, name, 16);
      assertEquals(1, d.factor(), name);
      RgbImage expected = DECODER.decode(file, name);
      assertArrayEquals(expected.rgb(), d.pixels().rgb(), name);
    }
    // the fixtures' plain JPEGs do go native, and the small one's orientation is applied
    assertNotNull(JpegHeader.plain(ImageDecoderTest.fixture("base.jpg")));
    DecodedImage rotated = DECODER.decodeForNetwork(ImageDecoderTest.fixture("rotated6.jpg"), "rotated6.jpg", 16);
    assertEquals(2, rotated.factor());
    assertEquals(30, rotated.width());
    assertEquals(40, rotated.height());
  }

  @Test
  void badFilesFailAsOnTheImageIoPath() throws IOException {
    for (String name : new String[] {"empty.jpg", "text.jpg", "truncated.jpg"}) {
      byte[] file = ImageDecoderTest.fixture(name);
      String expected = assertThrows(ImageDecodeException.class, () -> DECODER.decode(file, name)).getMessage();
      assertEquals(expected, assertThrows(ImageDecodeException.class,
          () -> DECODER.decodeForNetwork(file, name, 16)).getMessage());
    }
    byte[] good = jpeg(sinusoids(256, 192), 0.9f);
    assertNotNull(JpegHeader.plain(good));
    // a photo cut at a third (the label job's truncated.jpg), a garbage header, a byte pair
    // inside the entropy-coded data that is no marker (what libjpeg only warns about as
    // "Corrupt JPEG data"), and no EOI at all
    byte[] cut = java.util.Arrays.copyOf(good, good.length / 3);
    byte[] garbage = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 1, 2, 3, 4, 5};
    byte[] badMarker = good.clone();
    int mid = sosEnd(good) + (good.length - sosEnd(good)) / 2;
    badMarker[mid] = (byte) 0xff;
    badMarker[mid + 1] = 0x05;
    byte[] noEoi = java.util.Arrays.copyOf(good, good.length - 2);
    for (byte[] file : new byte[][] {cut, garbage, badMarker, noEoi}) {
      assertNull(JpegHeader.plain(file));
      String message = assertThrows(ImageDecodeException.class,
          () -> DECODER.decodeForNetwork(file, "bad.jpg", 16)).getMessage();
      assertTrue(message.startsWith("bad.jpg: corrupt or truncated"), message);
    }
  }

  /** Markers in order, but a scan naming a component the frame lacks: libjpeg gives up, ImageIO reports it. */
  @Test
  void whatTheNativeDecoderRefusesImageIoReports() throws IOException {
    byte[] file = jpeg(sinusoids(256, 192), 0.9f);
    int sos = find(file, (byte) 0xda);
    file[sos + 5] = 9; // first component selector of the scan
    assertNotNull(JpegHeader.plain(file));
    String expected = assertThrows(ImageDecodeException.class, () -> DECODER.decode(file, "odd.jpg")).getMessage();
    assertTrue(expected.startsWith("odd.jpg: corrupt or truncated"), expected);
    assertEquals(expected, assertThrows(ImageDecodeException.class,
        () -> DECODER.decodeForNetwork(file, "odd.jpg", 64)).getMessage());
  }

  @Test
  void thePixelLimitIsCheckedFromTheHeaderBeforeDecoding() throws IOException {
    // a small valid JPEG whose frame header claims 30000 x 30000: refused without decoding
    byte[] bomb = jpeg(sinusoids(64, 48), 0.9f);
    int sof = find(bomb, (byte) 0xc0);
    ByteBuffer.wrap(bomb, sof + 5, 4).putShort((short) 30000).putShort((short) 30000);
    assertNotNull(JpegHeader.plain(bomb));
    assertEquals("bomb.jpg: image of 30000x30000 = 900000000 pixels exceeds the limit of "
        + ImageDecoder.DEFAULT_MAX_PIXELS + " pixels", assertThrows(ImageDecodeException.class,
            () -> DECODER.decodeForNetwork(bomb, "bomb.jpg", 769)).getMessage());
  }

  // ---- helpers

  /** Mean and worst absolute difference over the image part of two network inputs. */
  static double[] difference(NetworkInput a, NetworkInput b) {
    assertEquals(a.width(), b.width());
    assertEquals(a.height(), b.height());
    double sum = 0, worst = 0;
    float[] x = a.data(), y = b.data();
    for (int i = 0; i < x.length; i++) {
      double d = Math.abs(x[i] - y[i]);
      sum += d;
      worst = Math.max(worst, d);
    }
    return new double[] {sum / x.length, worst};
  }

  /** Red and green carry sinusoids of period 48 px along x and 40 px along y, blue a diagonal one. */
  static BufferedImage sinusoids(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    byte[] data = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
    double[] sx = new double[w];
    for (int x = 0; x < w; x++) {
      sx[x] = Math.sin(2 * Math.PI * x / 48);
    }
    for (int y = 0; y < h; y++) {
      double sy = Math.sin(2 * Math.PI * y / 40);
      for (int x = 0, o = 3 * y * w; x < w; x++, o += 3) {
        data[o] = (byte) (128 + 100 * Math.sin(2 * Math.PI * (x + y) / 64)); // B
        data[o + 1] = (byte) (128 + 100 * sy); // G
        data[o + 2] = (byte) (128 + 100 * sx[x]); // R
      }
    }
    return img;
  }

  static byte[] jpeg(BufferedImage img, float quality) throws IOException {
    return JpegWriter.encode(img, quality, false);
  }

  /** The JPEG with an EXIF APP1 segment (big-endian TIFF, one IFD0 entry: Orientation) after SOI. */
  static byte[] withOrientation(byte[] jpeg, int orientation) {
    ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 12 + 4);
    tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
    tiff.putShort((short) 1); // one entry
    tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
    tiff.putInt(0); // no next IFD
    byte[] exif = "Exif\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    int length = 2 + exif.length + tiff.capacity();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xff);
    out.write(0xd8);
    out.write(0xff);
    out.write(0xe1);
    out.write(length >> 8);
    out.write(length & 0xff);
    out.writeBytes(exif);
    out.writeBytes(tiff.array());
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  /** Offset of the first marker FF xx's 0xFF. */
  private static int find(byte[] d, byte marker) {
    for (int i = 0; i + 1 < d.length; i++) {
      if (d[i] == (byte) 0xff && d[i + 1] == marker) {
        return i;
      }
    }
    throw new IllegalStateException("no marker " + (marker & 0xff));
  }

  /** Where the first scan's entropy-coded data starts. */
  private static int sosEnd(byte[] d) {
    int sos = find(d, (byte) 0xda);
    return sos + 2 + (((d[sos + 2] & 0xff) << 8) | (d[sos + 3] & 0xff));
  }
}
