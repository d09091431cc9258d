package io.personlab.jobs;

import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The Parquet schema of the labels: one row per input image. See the README for each column. */
public final class LabelSchema {
  private LabelSchema() {}

  /**
   * A person's {@link #MASK} as a COCO segmentation at the image's size: a mask computed at a
   * capped resolution ({@code --mask-max-side}; the row's width and height are the image's) is
   * resized by nearest neighbour on its runs. Null width or height: the mask as stored.
   */
  public static io.personlab.coco.Segmentation.CompressedRle maskAtImageSize(org.apache.spark.sql.Row mask,
      Integer width, Integer height) {
    int h = mask.getInt(0), w = mask.getInt(1);
    String counts = mask.getString(2);
    if (width == null || height == null || (w == width && h == height)) {
      return new io.personlab.coco.Segmentation.CompressedRle(h, w, counts);
    }
    io.personlab.rle.Rle full = io.personlab.rle.RleOps.resize(
        io.personlab.rle.Rle.fromCompressedString(counts, h, w), height, width);
    return new io.personlab.coco.Segmentation.CompressedRle(height, width, full.toCompressedString());
  }

  public static final StructType MASK = new StructType(new StructField[] {
    DataTypes.createStructField("height", DataTypes.IntegerType, false),
    DataTypes.createStructField("width", DataTypes.IntegerType, false),
    DataTypes.createStructField("counts", DataTypes.StringType, false),
  });

  public static final StructType PERSON = new StructType(new StructField[] {
    DataTypes.createStructField("score", DataTypes.DoubleType, false),
    DataTypes.createStructField("keypoints", new ArrayType(DataTypes.DoubleType, false), false),
    DataTypes.createStructField("box", new ArrayType(DataTypes.DoubleType, false), false),
    DataTypes.createStructField("mask", MASK, true),
    DataTypes.createStructField("mask_area", DataTypes.LongType, true),
  });

  public static final StructType ROW = new StructType(new StructField[] {
    DataTypes.createStructField("image_uri", DataTypes.StringType, false),
    DataTypes.createStructField("image_id", DataTypes.LongType, false),
    DataTypes.createStructField("width", DataTypes.IntegerType, true),
    DataTypes.createStructField("height", DataTypes.IntegerType, true),
    DataTypes.createStructField("status", DataTypes.StringType, false),
    DataTypes.createStructField("error", DataTypes.StringType, true),
    DataTypes.createStructField("model_id", DataTypes.StringType, false),
    DataTypes.createStructField("spec_hash", DataTypes.StringType, false),
    DataTypes.createStructField("scales", new ArrayType(DataTypes.IntegerType, false), false),
    DataTypes.createStructField("people", new ArrayType(PERSON, false), false),
    DataTypes.createStructField("decode_ms", DataTypes.DoubleType, false),
    DataTypes.createStructField("forward_ms", DataTypes.DoubleType, false),
    DataTypes.createStructField("postprocess_ms", DataTypes.DoubleType, false),
    // errors only: "permanent" (the file itself: not an image, corrupt, over a limit) or
    // "transient" (a read failure, a time-out, out of memory: worth another attempt)
    DataTypes.createStructField("error_kind", DataTypes.StringType, true),
  });
}
