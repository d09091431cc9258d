package io.personlab.jobs;

import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The Parquet schema of the labels: one row per input image. See the README for each column. */
public final class LabelSchema {
  private LabelSchema() {}

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
