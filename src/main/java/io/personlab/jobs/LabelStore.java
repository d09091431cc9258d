package io.personlab.jobs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The label output: {@code OUTPUT/run_date=YYYY-MM-DD/run_id=ID/part-*.parquet}, one directory
 * per run. A run is complete when its directory holds {@code _SUCCESS} (written last by Spark's
 * commit protocol); readers here read complete runs only, so a failed or killed run is never
 * taken for labels.
 */
public final class LabelStore {
  private LabelStore() {}

  /** The complete run directories under an output, oldest date first. */
  public static List<Path> completeRuns(Configuration conf, String output) throws IOException {
    Path root = new Path(output);
    FileSystem fs = root.getFileSystem(conf);
    List<Path> runs = new ArrayList<>();
    if (!fs.exists(root)) {
      return runs;
    }
    for (FileStatus date : fs.listStatus(root)) {
      if (!date.isDirectory() || !date.getPath().getName().startsWith("run_date=")) {
        continue;
      }
      for (FileStatus run : fs.listStatus(date.getPath())) {
        if (run.isDirectory() && run.getPath().getName().startsWith("run_id=")
            && fs.exists(new Path(run.getPath(), "_SUCCESS"))) {
          runs.add(run.getPath());
        }
      }
    }
    runs.sort(null);
    return runs;
  }

  /**
   * The labels of the complete runs, one row per image: its latest (an image relabeled after an
   * error, or by a forced run whose clean-up was cut short, appears in two runs). With run_date
   * and run_id columns; null when there are no complete runs.
   */
  public static Dataset<Row> read(SparkSession spark, String output) throws IOException {
    return latest(readAll(spark, output));
  }

  /**
   * {@link #read} of some of the complete runs only (say, one configuration's): one row per image,
   * its latest among {@code runs}; null when {@code runs} is empty.
   */
  public static Dataset<Row> read(SparkSession spark, String output, List<Path> runs) {
    return latest(readRuns(spark, output, runs));
  }

  private static Dataset<Row> latest(Dataset<Row> all) {
    if (all == null) {
      return null;
    }
    var latest = org.apache.spark.sql.expressions.Window.partitionBy("image_uri")
        .orderBy(org.apache.spark.sql.functions.col("run_date").desc(), org.apache.spark.sql.functions.col("run_id").desc());
    return all.withColumn("_rank", org.apache.spark.sql.functions.row_number().over(latest))
        .where("_rank = 1").drop("_rank");
  }

  /** Every row of every complete run (an image may appear in several runs). */
  public static Dataset<Row> readAll(SparkSession spark, String output) throws IOException {
    return readRuns(spark, output, completeRuns(spark.sparkContext().hadoopConfiguration(), output));
  }

  private static Dataset<Row> readRuns(SparkSession spark, String output, List<Path> runs) {
    if (runs.isEmpty()) {
      return null;
    }
    String[] paths = runs.stream().map(Path::toString).toArray(String[]::new);
    return spark.read().schema(LabelSchema.ROW.add("run_date", "string").add("run_id", "string"))
        .option("basePath", output).parquet(paths);
  }
}
