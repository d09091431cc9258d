package io.personlab.image;

/** An input that is not a usable image; the message names the input and the reason. */
public class ImageDecodeException extends RuntimeException {
  public ImageDecodeException(String message) {
    super(message);
  }

  public ImageDecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
