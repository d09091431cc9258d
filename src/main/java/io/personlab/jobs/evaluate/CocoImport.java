package io.personlab.jobs.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoCategory;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.eval.Detections;
import io.personlab.io.CocoJson;
import io.personlab.io.CocoJson.RecordKind;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code import-coco}: a COCO ground truth or results file as Parquet folders that any engine
 * reads and the evaluation job loads in parallel (no single JSON parse on the driver). Every
 * field the evaluation reads is kept exactly: numbers as doubles, each record's position in the
 * file ({@code file_index}, pycocotools' tie order), the segmentation as its COCO JSON.
 *
 * <p>Layout: {@code images/}, {@code annotations/}, {@code categories/} (ground truth) or
 * {@code results/}, and {@value #MARKER} naming the source, the kind and the counts.
 */
public final class CocoImport {
  private CocoImport() {}

  public static final String MARKER = "_coco_import.json";

  private static final ArrayType DOUBLES = new ArrayType(DataTypes.DoubleType, false);

  static final StructType IMAGES = new StructType(new StructField[] {
    DataTypes.createStructField("file_index", DataTypes.LongType, false),
    DataTypes.createStructField("id", DataTypes.LongType, false),
    DataTypes.createStructField("width", DataTypes.IntegerType, false),
    DataTypes.createStructField("height", DataTypes.IntegerType, false),
    DataTypes.createStructField("file_name", DataTypes.StringType, true),
  });

  static final StructType ANNOTATIONS = new StructType(new StructField[] {
    DataTypes.createStructField("file_index", DataTypes.LongType, false),
    DataTypes.createStructField("id", DataTypes.LongType, false),
    DataTypes.createStructField("image_id", DataTypes.LongType, false),
    DataTypes.createStructField("category_id", DataTypes.LongType, false),
    DataTypes.createStructField("area", DataTypes.DoubleType, false),
    DataTypes.createStructField("iscrowd", DataTypes.BooleanType, false),
    DataTypes.createStructField("bbox", DOUBLES, true),
    DataTypes.createStructField("keypoints", DOUBLES, true),
    DataTypes.createStructField("num_keypoints", DataTypes.IntegerType, false), // -1: absent
    DataTypes.createStructField("segmentation", DataTypes.StringType, true), // COCO JSON
  });

  static final StructType CATEGORIES = new StructType(new StructField[] {
    DataTypes.createStructField("file_index", DataTypes.LongType, false),
    DataTypes.createStructField("id", DataTypes.LongType, false),
    DataTypes.createStructField("name", DataTypes.StringType, true),
  });

  static final StructType RESULTS = new StructType(new StructField[] {
    DataTypes.createStructField("file_index", DataTypes.LongType, false),
    DataTypes.createStructField("image_id", DataTypes.LongType, false),
    DataTypes.createStructField("category_id", DataTypes.LongType, false),
    DataTypes.createStructField("score", DataTypes.DoubleType, false),
    DataTypes.createStructField("bbox", DOUBLES, true),
    DataTypes.createStructField("keypoints", DOUBLES, true),
    DataTypes.createStructField("segmentation", DataTypes.StringType, true),
  });

  /** What was imported. */
  public record Imported(String kind, long images, long annotations, long categories, long results) {}

  /**
   * Imports {@code location} (a ground truth, or results) into {@code output}.
   * The file is cut into chunks under {@code output/_staging} and parsed by tasks.
   */
  public static Imported run(SparkSession spark, String location, String output, boolean groundTruth) {
    String staging = new Path(output, "_staging").toString();
    CocoSources.Staged staged = CocoSources.stage(spark, location, staging, "input");
    Imported imported;
    if (groundTruth) {
      CocoSources.GroundTruth gt = CocoSources.groundTruthFrom(spark, location, staged, true);
      write(spark, gt.images().zipWithIndex().map(x -> RowFactory.create(x._2(), x._1().id(),
          x._1().width(), x._1().height(), x._1().fileName())), IMAGES, output, "images");
      write(spark, gt.annotations().map(CocoImport::annotationRow), ANNOTATIONS, output, "annotations");
      List<Row> cats = new ArrayList<>();
      for (int i = 0; i < gt.categories().size(); i++) {
        CocoCategory c = gt.categories().get(i);
        cats.add(RowFactory.create((long) i, c.id(), c.name()));
      }
      spark.createDataFrame(cats, CATEGORIES).coalesce(1).write().mode(SaveMode.Overwrite)
          .parquet(new Path(output, "categories").toString());
      imported = new Imported("ground-truth", staged.split().images(), staged.split().annotations(),
          staged.split().categories(), 0);
    } else {
      CocoSources.Predictions p = CocoSources.resultsFrom(spark, location, staged, false);
      write(spark, p.records().map(x -> resultRow(x.result())), RESULTS, output, "results");
      imported = new Imported("results", 0, 0, 0, staged.split().results());
    }
    writeMarker(spark, output, location, imported, staged);
    deleteQuietly(spark, staging);
    return imported;
  }

  private static void write(SparkSession spark, JavaRDD<Row> rows, StructType schema, String output,
      String name) {
    spark.createDataFrame(rows, schema).write().mode(SaveMode.Overwrite)
        .parquet(new Path(output, name).toString());
  }

  private static void writeMarker(SparkSession spark, String output, String source, Imported i,
      CocoSources.Staged staged) {
    ObjectNode node = new ObjectMapper().createObjectNode();
    node.put("kind", i.kind());
    node.put("source", source);
    node.put("images", i.images());
    node.put("annotations", i.annotations());
    node.put("categories", i.categories());
    node.put("results", i.results());
    if (staged.first() != null) {
      CocoResult first = (CocoResult) CocoJson.parseRecord(RecordKind.RESULT, staged.first(), 0,
          staged.first().length, 0, source);
      node.put("result_kind", Detections.kindOf(first, source).name()); // loadRes' branch
    }
    Path marker = new Path(output, MARKER);
    try (OutputStream out = marker.getFileSystem(spark.sparkContext().hadoopConfiguration())
        .create(marker, true)) {
      out.write(node.toPrettyString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(output + ": cannot write " + MARKER, e);
    }
  }

  static void deleteQuietly(SparkSession spark, String dir) {
    try {
      Path p = new Path(dir);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.delete(p, true);
    } catch (IOException e) {
      // scratch space: a leftover does no harm
    }
  }

  private static ObjectNode marker(SparkSession spark, String location) {
    Path marker = new Path(location, MARKER);
    try (var in = marker.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(marker)) {
      return (ObjectNode) new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(location + ": cannot read " + MARKER, e);
    }
  }

  static CocoSources.GroundTruth readGroundTruth(SparkSession spark, String location,
      boolean withSegmentation) {
    ObjectNode m = marker(spark, location);
    if (!"ground-truth".equals(m.path("kind").asText())) {
      throw new IllegalArgumentException(location + ": an import of " + m.path("kind").asText()
          + ", not of a ground truth");
    }
    String source = location + " (import of " + m.path("source").asText() + ")";
    JavaRDD<CocoImage> images = spark.read().schema(IMAGES).parquet(new Path(location, "images").toString())
        .javaRDD().map(r -> new CocoImage(r.getLong(1), r.getInt(2), r.getInt(3), r.getString(4)));
    JavaRDD<CocoAnnotation> annotations = spark.read().schema(ANNOTATIONS)
        .parquet(new Path(location, "annotations").toString()).javaRDD()
        .map(r -> new CocoAnnotation(Math.toIntExact(r.getLong(0)), r.getLong(1), r.getLong(2),
            r.getLong(3), r.getDouble(4), r.getBoolean(5), doubles(r, 6), doubles(r, 7), r.getInt(8),
            r.isNullAt(9) || !withSegmentation ? null : CocoJson.parseSegmentation(r.getString(9),
                source + ", annotation #" + r.getLong(0))));
    List<CocoCategory> categories = new ArrayList<>();
    for (Row r : spark.read().schema(CATEGORIES).parquet(new Path(location, "categories").toString())
        .orderBy("file_index").collectAsList()) {
      categories.add(new CocoCategory(r.getLong(1), r.getString(2)));
    }
    return new CocoSources.GroundTruth(source, images, annotations, categories);
  }

  static CocoSources.Predictions readResults(SparkSession spark, String location) {
    ObjectNode m = marker(spark, location);
    if (!"results".equals(m.path("kind").asText())) {
      throw new IllegalArgumentException(location + ": an import of " + m.path("kind").asText()
          + ", not of results");
    }
    String source = location + " (import of " + m.path("source").asText() + ")";
    Detections.Kind kind = m.has("result_kind") ? Detections.Kind.valueOf(m.get("result_kind").asText())
        : Detections.Kind.KEYPOINTS;
    JavaRDD<CocoSources.Prediction> records = spark.read().schema(RESULTS)
        .parquet(new Path(location, "results").toString()).javaRDD()
        .map(r -> new CocoSources.Prediction(new CocoResult(Math.toIntExact(r.getLong(0)), r.getLong(1),
            r.getLong(2), r.getDouble(3), doubles(r, 4), doubles(r, 5),
            r.isNullAt(6) ? null : CocoJson.parseSegmentation(r.getString(6),
                source + ", result #" + r.getLong(0))), null));
    return new CocoSources.Predictions(source, null, records, kind);
  }

  private static double[] doubles(Row r, int i) {
    if (r.isNullAt(i)) {
      return null;
    }
    List<Double> list = r.getList(i);
    double[] out = new double[list.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = list.get(k);
    }
    return out;
  }

  private static Row annotationRow(CocoAnnotation a) {
    return RowFactory.create((long) a.index(), a.id(), a.imageId(), a.categoryId(), a.area(), a.crowd(),
        a.bbox(), a.keypoints(), a.numKeypoints(), CocoJson.segmentationJsonOrNull(a.segmentation()));
  }

  private static Row resultRow(CocoResult r) {
    return RowFactory.create((long) r.index(), r.imageId(), r.categoryId(), r.score(), r.bbox(),
        r.keypoints(), CocoJson.segmentationJsonOrNull(r.segmentation()));
  }
}
