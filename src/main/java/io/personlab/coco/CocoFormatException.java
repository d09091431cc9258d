package io.personlab.coco;

/**
 * A COCO file or record that cannot be used as it is. The message always names the file (or
 * source) and, where there is one, the record, so a user can find and fix it.
 */
public class CocoFormatException extends RuntimeException {
  public CocoFormatException(String message) {
    super(message);
  }

  public CocoFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
