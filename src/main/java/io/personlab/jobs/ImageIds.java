package io.personlab.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stable image id: the COCO id when the file name is a COCO one (12 digits, as
 * {@code 000000000139.jpg}), else the first 62 bits of the SHA-256 of the URI (never negative, the
 * same on every run and machine).
 */
public final class ImageIds {
  /** COCO's file names: 12 digits (000000000139.jpg), optionally with the 2014 prefix. */
  private static final Pattern COCO = Pattern.compile("(?:^|.*/)(?:COCO_[a-z0-9]+_)?(\\d{12})\\.(?i:jpe?g|png)$");

  private ImageIds() {}

  /** The COCO id of a COCO file name, else the URI's hash id. */
  public static long of(String uri) {
    return of(uri, true);
  }

  /**
   * An image's id: with {@code coco} (the user says the input is a COCO split) a COCO file name's
   * number, else always the URI's hash, so that {@code a/000000000139.jpg} and
   * {@code b/000000000139.jpg} never share an id.
   */
  public static long of(String uri, boolean coco) {
    Matcher m = COCO.matcher(uri);
    if (coco && m.matches()) {
      return Long.parseLong(m.group(1));
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(uri.getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (d[i] & 0xff);
      }
      return (v >>> 2) | (1L << 61); // at or above 2^61: never a COCO id
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
