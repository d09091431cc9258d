package io.personlab.eval;

import java.util.Locale;

/** What a detection is compared by: keypoints (OKS), instance masks (mask IoU) or boxes. */
public enum IouType {
  KEYPOINTS("keypoints"),
  SEGM("segm"),
  BBOX("bbox");

  private final String cocoName;

  IouType(String cocoName) {
    this.cocoName = cocoName;
  }

  /** The name pycocotools uses ("keypoints", "segm", "bbox"). */
  public String cocoName() {
    return cocoName;
  }

  public static IouType parse(String name) {
    for (IouType t : values()) {
      if (t.cocoName.equals(name.toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown iouType '" + name + "' (expected keypoints, segm or bbox)");
  }

  @Override
  public String toString() {
    return cocoName;
  }
}
