package io.personlab.eval;

/** A ground-truth annotation or a result that cannot be evaluated; the caller adds the file name. */
public final class InvalidRecordException extends RuntimeException {
  private final boolean groundTruth;

  private InvalidRecordException(boolean groundTruth, String message, Throwable cause) {
    super(message, cause);
    this.groundTruth = groundTruth;
  }

  static InvalidRecordException groundTruth(String message) {
    return new InvalidRecordException(true, message, null);
  }

  static InvalidRecordException groundTruth(String message, Throwable cause) {
    return new InvalidRecordException(true, message, cause);
  }

  static InvalidRecordException result(String message) {
    return new InvalidRecordException(false, message, null);
  }

  static InvalidRecordException result(String message, Throwable cause) {
    return new InvalidRecordException(false, message, cause);
  }

  /** True when the record is in the ground truth, false when it is a result. */
  public boolean inGroundTruth() {
    return groundTruth;
  }
}
