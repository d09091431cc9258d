package io.personlab.eval;

import io.personlab.coco.Segmentation;
import io.personlab.rle.Rle;

/**
 * A result prepared the way pycocotools' loadRes prepares it: id (file position + 1), area and
 * box filled in. {@code mask} is the decoded RLE when loadRes needed it already (segmentation
 * results); otherwise null and made from {@code segmentation} when a mask evaluation needs it.
 */
public record Detection(
    int index,
    long id,
    long imageId,
    long categoryId,
    double score,
    double area,
    double[] bbox,
    double[] keypoints,
    Segmentation segmentation,
    Rle mask) {}
