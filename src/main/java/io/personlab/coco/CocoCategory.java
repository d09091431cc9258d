package io.personlab.coco;

/** One category of a COCO dataset (PersonLab uses "person", id 1). */
public record CocoCategory(long id, String name) implements java.io.Serializable {}
