package io.personlab.people;

import io.personlab.coco.CocoResult;
import io.personlab.coco.Segmentation;
import io.personlab.rle.Rle;
import io.personlab.rle.RleOps;
import java.util.List;

/** People as COCO results (category 1, person): keypoint results and, where there is a mask, segm results. */
public final class CocoResults {
  private CocoResults() {}

  /**
   * Appends one image's people, in their order, to the keypoint and segm result lists; masks
   * computed at a capped resolution are resized to the image's (COCO results are at image size).
   */
  public static void add(long imageId, int imageWidth, int imageHeight, List<Person> people,
      List<CocoResult> keypoints, List<CocoResult> segm) {
    for (Person p : people) {
      keypoints.add(new CocoResult(keypoints.size(), imageId, 1, p.score(), null, p.keypoints(), null));
      if (p.mask() != null) {
        Rle mask = RleOps.resize(p.mask(), imageHeight, imageWidth);
        segm.add(new CocoResult(segm.size(), imageId, 1, p.score(), null, null,
            new Segmentation.CompressedRle(mask.height(), mask.width(), mask.toCompressedString())));
      }
    }
  }
}
