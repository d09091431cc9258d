package io.personlab.jobs;

import io.personlab.image.ImageDecodeException;

/**
 * Whether an image's failure is a property of the file (permanent: retrying the same bytes gives
 * the same error) or of the moment (transient: a read that failed, a time-out, memory).
 */
public final class ErrorKind {
  public static final String PERMANENT = "permanent";
  public static final String TRANSIENT = "transient";

  private ErrorKind() {}

  public static String of(Throwable e) {
    if (e instanceof ImageDecodeException) {
      return PERMANENT; // not an image, corrupt, truncated, over the pixel or byte limit
    }
    if (e instanceof StackOverflowError) {
      return PERMANENT; // a crafted file that sends the decoder into deep recursion does so every time
    }
    return TRANSIENT; // I/O, out of memory, inference failures, linkage problems of a host
  }
}
