package io.personlab.jobs;

import java.io.IOException;
import org.apache.hadoop.fs.ContentSummary;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

/**
 * The label table's cost at scale without a model: synthetic rows shaped like real ones (two
 * people, 17 keypoints, a 240-character RLE mask each) merged in as a run commits them.
 */
public final class LabelTableBench {
  private LabelTableBench() {}

  /** Seconds of a commit, and the table's size on disk after it. */
  public record Commit(long rows, double seconds, long tableBytes, long dataFiles) {}

  /** Synthetic rows {@code [from, from + n)} of one configuration, the given run. */
  static Dataset<Row> rows(SparkSession spark, long from, long n, String runId) {
    String person = "named_struct('score', rand(1), 'keypoints', transform(sequence(1, 51), x -> rand(2) * 600), "
        + "'box', array(10d, 20d, 100d, 200d), 'mask', named_struct('height', 480, 'width', 640, "
        + "'counts', repeat('a1b2c3', 40)), 'mask_area', 12000L)";
    Dataset<Row> df = spark.range(from, from + n).select(
        expr("concat('s3a://bench/photos/', id, '.jpg')").as("image_uri"),
        lit("bench0000000000").as("config_id"),
        expr("id + 2305843009213693952L").as("image_id"),
        lit(640).as("width"), lit(480).as("height"),
        lit(LabelTable.STATUS_OK).as("status"), lit(null).cast("string").as("error"), lit(null).cast("string").as("error_kind"),
        lit(1).as("attempts"), lit(false).as("missing"),
        expr("150000L + id % 1000").as("file_size"), expr("current_timestamp()").as("file_modified"),
        expr("md5(cast(id as string))").as("file_etag"),
        lit("bodypix-mobilenet050-stride16").as("model_id"), expr("sha2('model', 256)").as("model_sha256"),
        lit("spec").as("spec_hash"), lit("decoding").as("decoding_hash"),
        expr("array(769)").as("scales"),
        expr("array(" + person + ", " + person + ")").as("people"),
        lit(20.0).as("decode_ms"), lit(30.0).as("forward_ms"), lit(4.0).as("postprocess_ms"),
        expr("current_timestamp()").as("labeled_at"), lit(runId).as("run_id"));
    return spark.createDataFrame(df.javaRDD(), LabelTable.SCHEMA).withColumn("_action", lit("label"));
  }

  /** Merges synthetic rows into a table as a run would, timed; the table's size after. */
  public static Commit merge(SparkSession spark, String table, long from, long n, String runId) throws IOException {
    Dataset<Row> updates = rows(spark, from, n, runId).cache();
    updates.count(); // generated before the clock starts: the commit is what is measured
    String view = "personlab_bench_" + runId;
    updates.createOrReplaceTempView(view);
    long t0 = System.nanoTime();
    spark.sql(LabelTableRun.merge(table, view)).count();
    double seconds = (System.nanoTime() - t0) / 1e9;
    spark.catalog().dropTempView(view);
    updates.unpersist();
    String location = spark.sql("DESCRIBE TABLE EXTENDED " + table).where("col_name = 'Location'")
        .first().getString(1);
    Path p = new Path(location);
    ContentSummary size = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).getContentSummary(p);
    long files = spark.table(table + ".files").count();
    return new Commit(n, seconds, size.getLength(), files);
  }
}
