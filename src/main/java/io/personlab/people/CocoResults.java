package io.personlab.people;

import io.personlab.coco.CocoResult;
import io.personlab.coco.Segmentation;
import java.util.List;

/** People as COCO results (category 1, person): keypoint results and, where there is a mask, segm results. */
public final class CocoResults {
  private CocoResults() {}

  /** Appends one image's people, in their order, to the keypoint and segm result lists. */
  public static void add(long imageId, List<Person> people, List<CocoResult> keypoints, List<CocoResult> segm) {
    for (Person p : people) {
      keypoints.add(new CocoResult(keypoints.size(), imageId, 1, p.score(), null, p.keypoints(), null));
      if (p.mask() != null) {
        segm.add(new CocoResult(segm.size(), imageId, 1, p.score(), null, null,
            new Segmentation.CompressedRle(p.mask().height(), p.mask().width(), p.mask().toCompressedString())));
      }
    }
  }
}
