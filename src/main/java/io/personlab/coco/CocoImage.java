package io.personlab.coco;

/** One image of a COCO dataset. */
public record CocoImage(long id, int width, int height, String fileName) implements java.io.Serializable {}
