package io.personlab.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Decoding of every supported format to upright RGB, and a clear error for every bad input.
 * Fixtures (src/test/resources/images, made with ImageMagick, cwebp and exiftool): a 40x30
 * picture, red with a blue right half and a green 10x10 square at the top left.
 */
public class ImageDecoderTest {
  private final ImageDecoder decoder = new ImageDecoder();

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = ImageDecoderTest.class.getResourceAsStream("/images/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test fixture " + name);
      }
      return in.readAllBytes();
    }
  }

  private static int[] px(RgbImage img, int x, int y) {
    int o = 3 * (y * img.width() + x);
    return new int[] {img.rgb()[o] & 0xff, img.rgb()[o + 1] & 0xff, img.rgb()[o + 2] & 0xff};
  }

  private static void assertColour(int[] expected, int[] actual, int tolerance, String where) {
    for (int c = 0; c < 3; c++) {
      assertTrue(Math.abs(expected[c] - actual[c]) <= tolerance,
          where + ": expected " + java.util.Arrays.toString(expected) + " got " + java.util.Arrays.toString(actual));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"base.png", "base.jpg", "base.bmp", "base.gif", "base.webp", "cmyk.jpg"})
  void everyFormatDecodesToTheSamePicture(String name) throws IOException {
    RgbImage img = decoder.decode(fixture(name), name);
    assertEquals(40, img.width());
    assertEquals(30, img.height());
    int tol = name.endsWith(".jpg") ? 40 : 0; // JPEG (and CMYK round trips) are lossy
    assertColour(new int[] {255, 0, 0}, px(img, 15, 20), tol, name + " red");
    assertColour(new int[] {0, 0, 255}, px(img, 30, 20), tol, name + " blue");
    assertColour(new int[] {0, 255, 0}, px(img, 4, 4), tol, name + " green");
  }

  @Test
  void exifOrientationIsApplied() throws IOException {
    // stored 40x30, Orientation=6 (rotate 90 clockwise to view): upright it is 30x40 and the
    // green square is at the top right
    RgbImage img = decoder.decode(fixture("rotated6.jpg"), "rotated6.jpg");
    assertEquals(30, img.width());
    assertEquals(40, img.height());
    assertColour(new int[] {0, 255, 0}, px(img, 25, 4), 40, "green at top right");
    assertColour(new int[] {0, 0, 255}, px(img, 15, 35), 40, "blue at the bottom");
  }

  @Test
  void grayscaleAndAlphaBecomeRgb() throws IOException {
    RgbImage gray = decoder.decode(fixture("gray.png"), "gray.png");
    int[] p = px(gray, 15, 20);
    assertEquals(p[0], p[1]);
    assertEquals(p[1], p[2]);
    RgbImage alpha = decoder.decode(fixture("alpha.png"), "alpha.png");
    // 50% red over white
    assertColour(new int[] {255, 127, 127}, px(alpha, 15, 20), 2, "red at half alpha over white");
  }

  @Test
  void badInputsNameTheInputAndTheReason() throws IOException {
    assertEquals("empty.jpg: empty file", assertThrows(ImageDecodeException.class,
        () -> decoder.decode(fixture("empty.jpg"), "empty.jpg")).getMessage());
    assertEquals("text.jpg: not an image (no decoder recognises its format)", assertThrows(ImageDecodeException.class,
        () -> decoder.decode(fixture("text.jpg"), "text.jpg")).getMessage());
    String truncated = assertThrows(ImageDecodeException.class,
        () -> decoder.decode(fixture("truncated.jpg"), "truncated.jpg")).getMessage();
    assertTrue(truncated.startsWith("truncated.jpg: corrupt or truncated"), truncated);
  }

  @Test
  void decompressionBombsAreRefusedFromTheHeader() {
    byte[] bomb = pngHeader(30000, 30000);
    String message = assertThrows(ImageDecodeException.class, () -> decoder.decode(bomb, "bomb.png")).getMessage();
    assertEquals("bomb.png: image of 30000x30000 = 900000000 pixels exceeds the limit of "
        + ImageDecoder.DEFAULT_MAX_PIXELS + " pixels", message);
  }

  /** A PNG signature and IHDR only: enough for a reader to report the size. */
  public static byte[] pngHeader(int w, int h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
    ByteBuffer ihdr = ByteBuffer.allocate(4 + 4 + 13);
    ihdr.putInt(13).put(new byte[] {'I', 'H', 'D', 'R'}).putInt(w).putInt(h)
        .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    byte[] chunk = ihdr.array();
    out.writeBytes(chunk);
    CRC32 crc = new CRC32();
    crc.update(chunk, 4, chunk.length - 4);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    return out.toByteArray();
  }
}
