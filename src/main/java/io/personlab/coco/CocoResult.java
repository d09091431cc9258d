package io.personlab.coco;

/**
 * One entry of a COCO results file, as written: optional parts are null. {@code index} is its
 * position in the file, for error messages and for pycocotools' id assignment (index + 1).
 */
public record CocoResult(
    int index,
    long imageId,
    long categoryId,
    double score,
    double[] bbox,
    double[] keypoints,
    Segmentation segmentation) implements java.io.Serializable {}
