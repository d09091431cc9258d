package io.personlab.eval;

import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoFormatException;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.coco.Segmentation;
import io.personlab.rle.Rle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * pycocotools' loadRes: which fields define a result's area and box is decided by the FIRST
 * result and applied to all of them (bbox present -> area = w*h; else segmentation -> mask area
 * and box; else keypoints -> box around all keypoints, unlabelled ones included). Where
 * pycocotools would fail with a KeyError or an assertion, this names the file and the result.
 */
public final class Detections {
  private Detections() {}

  public static List<Detection> prepare(
      CocoDataset gt, List<CocoResult> results, String source, int numKeypointTypes) {
    Map<Long, CocoImage> images = gt.imagesById();
    List<Detection> out = new ArrayList<>(results.size());
    if (results.isEmpty()) {
      return out;
    }
    Kind kind = kindOf(results.get(0), source);
    for (CocoResult r : results) {
      CocoImage image = images.get(r.imageId());
      if (image == null) {
        throw new CocoFormatException(source + ": result #" + r.index() + ": image_id "
            + r.imageId() + " is not in the ground truth " + gt.source());
      }
      out.add(prepare(r, kind, image, source, numKeypointTypes));
    }
    return out;
  }

  /** Which loadRes branch a results file takes: decided by its first result. */
  public static Kind kindOf(CocoResult first, String source) {
    if (first.bbox() != null && first.bbox().length > 0) {
      return Kind.BBOX;
    } else if (first.segmentation() != null) {
      return Kind.SEGMENTATION;
    } else if (first.keypoints() != null) {
      return Kind.KEYPOINTS;
    }
    throw new CocoFormatException(source + ": result #" + first.index()
        + " has none of bbox, segmentation, keypoints");
  }

  /** loadRes for one result of a file whose first result gave {@code kind}. */
  public static Detection prepare(
      CocoResult r, Kind kind, CocoImage image, String source, int numKeypointTypes) {
    if (r.keypoints() != null && r.keypoints().length != 3 * numKeypointTypes) {
      throw new CocoFormatException(source + ": result #" + r.index() + " (image_id "
          + r.imageId() + "): keypoints has " + r.keypoints().length + " values, expected "
          + 3 * numKeypointTypes + " (" + numKeypointTypes + " x [x, y, v])");
    }
    long id = r.index() + 1L;
    switch (kind) {
      case BBOX -> {
        double[] bb = r.bbox();
        if (bb == null || bb.length != 4) {
          throw new CocoFormatException(source + ": result #" + r.index()
              + " has no bbox, but result #0 has one (pycocotools then needs it on every result)");
        }
        Segmentation seg = r.segmentation();
        if (seg == null) {
          double x1 = bb[0], x2 = bb[0] + bb[2], y1 = bb[1], y2 = bb[1] + bb[3];
          seg = new Segmentation.PolygonList(List.of(new double[] {x1, y1, x1, y2, x2, y2, x2, y1}));
        }
        return new Detection(r.index(), id, r.imageId(), r.categoryId(), r.score(),
            bb[2] * bb[3], bb, r.keypoints(), seg, null);
      }
      case SEGMENTATION -> {
        if (r.segmentation() == null) {
          throw new CocoFormatException(source + ": result #" + r.index()
              + " has no segmentation, but result #0 has one (pycocotools then needs it on every result)");
        }
        Rle mask;
        try {
          mask = r.segmentation().toRle(image.height(), image.width());
        } catch (IllegalArgumentException e) {
          throw new CocoFormatException(source + ": result #" + r.index() + " (image_id "
              + r.imageId() + "): bad segmentation: " + e.getMessage(), e);
        }
        double[] bb = r.bbox() != null && r.bbox().length == 4 ? r.bbox() : mask.toBbox();
        return new Detection(r.index(), id, r.imageId(), r.categoryId(), r.score(),
            (double) mask.area(), bb, r.keypoints(), r.segmentation(), mask);
      }
      case KEYPOINTS -> {
        double[] kp = r.keypoints();
        if (kp == null) {
          throw new CocoFormatException(source + ": result #" + r.index()
              + " has no keypoints, but result #0 has them");
        }
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < kp.length; k += 3) {
          x0 = Math.min(x0, kp[k]);
          x1 = Math.max(x1, kp[k]);
          y0 = Math.min(y0, kp[k + 1]);
          y1 = Math.max(y1, kp[k + 1]);
        }
        return new Detection(r.index(), id, r.imageId(), r.categoryId(), r.score(),
            (x1 - x0) * (y1 - y0), new double[] {x0, y0, x1 - x0, y1 - y0}, kp,
            r.segmentation(), null);
      }
      default -> throw new AssertionError(kind);
    }
  }

  /** loadRes' three branches: which fields give a result's area and box. */
  public enum Kind {
    BBOX,
    SEGMENTATION,
    KEYPOINTS
  }
}
