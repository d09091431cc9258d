package io.personlab.coco;

/**
 * A ground-truth annotation. Optional parts are null ({@code bbox}, {@code keypoints},
 * {@code segmentation}) or -1 ({@code numKeypoints}) when the file does not give them.
 * {@code index} is the annotation's position in its file, for error messages.
 */
public record CocoAnnotation(
    int index,
    long id,
    long imageId,
    long categoryId,
    double area,
    boolean crowd,
    double[] bbox,
    double[] keypoints,
    int numKeypoints,
    Segmentation segmentation) implements java.io.Serializable {}
