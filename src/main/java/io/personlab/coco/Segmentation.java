package io.personlab.coco;

import io.personlab.rle.Polygons;
import io.personlab.rle.Rle;
import java.util.List;

/** The three forms a COCO {@code segmentation} takes. */
public sealed interface Segmentation extends java.io.Serializable {

  /**
   * This segmentation as one RLE mask, as pycocotools' annToRLE makes it: polygons are
   * rasterised at the image's size, RLEs keep their own size.
   */
  Rle toRle(int imageHeight, int imageWidth);

  /** A list of polygons, each x0, y0, x1, y1, ... in pixels. */
  record PolygonList(List<double[]> polygons) implements Segmentation {
    @Override
    public Rle toRle(int imageHeight, int imageWidth) {
      return Polygons.fromPolygons(polygons, imageHeight, imageWidth);
    }
  }

  /** An uncompressed RLE: {@code {"size": [h, w], "counts": [ints]}} (COCO crowd regions). */
  record UncompressedRle(int height, int width, int[] counts) implements Segmentation {
    @Override
    public Rle toRle(int imageHeight, int imageWidth) {
      return new Rle(height, width, counts);
    }
  }

  /** A compressed RLE: {@code {"size": [h, w], "counts": "string"}} (results, pycocotools). */
  record CompressedRle(int height, int width, String counts) implements Segmentation {
    @Override
    public Rle toRle(int imageHeight, int imageWidth) {
      return Rle.fromCompressedString(counts, height, width);
    }
  }
}
