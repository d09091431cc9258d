package io.personlab.image;

import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * The one place that touches the native decoder: libjpeg-turbo inside OpenCV's imgcodecs
 * (org.openpnp:opencv, natives for linux x86_64 and aarch64 in the job jar), decoding from
 * memory at 1/1, 1/2, 1/4 or 1/8 scale in the DCT domain. EXIF orientation is left to the
 * caller. Where the library cannot load, {@link #available()} is false after one warning and
 * callers decode with ImageIO.
 */
final class NativeJpeg {
  private NativeJpeg() {}

  private static final boolean AVAILABLE = load();

  private static boolean load() {
    try {
      nu.pattern.OpenCV.loadLocally();
      return true;
    } catch (Throwable e) { // UnsatisfiedLinkError, an unknown platform, no writable temp dir...
      Throwable why = e.getCause() != null ? e.getCause() : e; // the loader wraps its reason
      System.getLogger(NativeJpeg.class.getName()).log(System.Logger.Level.WARNING,
          "native JPEG decoder unavailable on " + System.getProperty("os.name") + "/"
              + System.getProperty("os.arch") + " (" + why + "); decoding with ImageIO");
      return false;
    }
  }

  static boolean available() {
    return AVAILABLE;
  }

  /**
   * Decodes a JPEG at 1/factor scale into RGB, in stored orientation: ceil(width/factor) x
   * ceil(height/factor) pixels for the header's size, checked.
   */
  static RgbImage decode(byte[] jpeg, int factor, int width, int height, String name) {
    int flags = Imgcodecs.IMREAD_IGNORE_ORIENTATION | switch (factor) {
      case 1 -> Imgcodecs.IMREAD_COLOR;
      case 2 -> Imgcodecs.IMREAD_REDUCED_COLOR_2;
      case 4 -> Imgcodecs.IMREAD_REDUCED_COLOR_4;
      case 8 -> Imgcodecs.IMREAD_REDUCED_COLOR_8;
      default -> throw new IllegalArgumentException("reduction factor must be 1, 2, 4 or 8: " + factor);
    };
    MatOfByte encoded = new MatOfByte(jpeg);
    Mat bgr = null;
    try {
      bgr = Imgcodecs.imdecode(encoded, flags);
      int w = (width + factor - 1) / factor, h = (height + factor - 1) / factor;
      if (bgr.empty() || bgr.type() != CvType.CV_8UC3 || bgr.cols() != w || bgr.rows() != h || !bgr.isContinuous()) {
        throw new ImageDecodeException(name + ": corrupt or truncated JPEG image (the native decoder returned "
            + (bgr.empty() ? "nothing" : bgr.cols() + "x" + bgr.rows() + " " + CvType.typeToString(bgr.type()))
            + " for a " + width + "x" + height + " header at 1/" + factor + ")");
      }
      byte[] rgb = new byte[3 * w * h];
      bgr.get(0, 0, rgb);
      for (int i = 0; i < rgb.length; i += 3) { // BGR -> RGB in place
        byte b = rgb[i];
        rgb[i] = rgb[i + 2];
        rgb[i + 2] = b;
      }
      return new RgbImage(w, h, rgb);
    } finally {
      encoded.release();
      if (bgr != null) {
        bgr.release();
      }
    }
  }
}
