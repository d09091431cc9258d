package io.personlab.cluster;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.posexplode;

import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoResult;
import io.personlab.eval.CocoEvaluator;
import io.personlab.eval.Detections;
import io.personlab.eval.EvalParams;
import io.personlab.eval.IouType;
import io.personlab.io.CocoJson;
import io.personlab.jobs.LabelStore;
import io.personlab.testing.SharedData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Reads a label store back (through the product's {@link LabelStore}) and scores it. */
final class Labels {
  static final String GT = "data/coco-mini-val/person_keypoints_val2017_mini.json";
  private static CocoDataset gt;

  private Labels() {}

  /** A local SparkSession in the test JVM that reads s3a:// (and hdfs://) like the cluster. */
  static SparkSession localSpark(Map<String, String> hadoop) {
    SparkSession.Builder b = SparkSession.builder().master("local[2]").appName("cluster-it-reader")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1");
    hadoop.forEach((k, v) -> b.config("spark.hadoop." + k, v));
    SparkSession spark = b.getOrCreate();
    hadoop.forEach((k, v) -> spark.sparkContext().hadoopConfiguration().set(k, v));
    return spark;
  }

  /** What a run left: every row of every complete run, and the store as readers see it. */
  record Store(List<Row> all, List<Row> latest, double[] keypointStats, Map<String, String> people) {
    long distinctUris() {
      return latest.stream().map(r -> r.getString(0)).distinct().count();
    }

    long ok() {
      return latest.stream().filter(r -> "ok".equals(r.getString(4))).count();
    }
  }

  static Store read(SparkSession spark, String output) throws IOException {
    Dataset<Row> latest = LabelStore.read(spark, output);
    if (latest == null) {
      throw new AssertionError(output + ": no complete run");
    }
    return store(latest, LabelStore.readAll(spark, output).collectAsList());
  }

  /**
   * What a run into the label table (--table NAME under the warehouse) left: its current rows,
   * in the run-directory columns' order so that they compare as they are.
   */
  static Store readTable(SparkSession spark, String table, String warehouse) throws IOException {
    io.personlab.jobs.LabelTableReader.Selection t =
        io.personlab.jobs.LabelTableReader.current(spark, table, warehouse, null);
    Dataset<Row> rows = t.rows().select(java.util.Arrays.stream(io.personlab.jobs.LabelSchema.ROW.fieldNames())
        .map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new));
    return store(rows, spark.table(t.table()).collectAsList());
  }

  private static Store store(Dataset<Row> latest, List<Row> all) throws IOException {
    List<Row> rows = latest.orderBy("image_uri").collectAsList();
    List<Row> people = latest.where(col("status").equalTo("ok"))
        .select(col("image_id"), posexplode(col("people")).as(new String[] {"pos", "p"}))
        .select(col("image_id"), col("p.score"), col("p.keypoints"), col("pos"))
        .orderBy(col("image_id"), col("pos")) // each image's people in the decoder's order
        .collectAsList();
    List<CocoResult> results = new ArrayList<>(people.size());
    for (Row r : people) {
      List<Double> kp = r.getList(2);
      results.add(new CocoResult(results.size(), r.getLong(0), 1, r.getDouble(1), null,
          kp.stream().mapToDouble(Double::doubleValue).toArray(), null));
    }
    CocoDataset g = groundTruth();
    double[] stats = new CocoEvaluator(EvalParams.defaults(IouType.KEYPOINTS))
        .evaluate(g, Detections.prepare(g, results, "results", 17), "results", 1).stats();
    // image file name -> status and people, to compare runs whatever the prefix
    Map<String, String> byName = new TreeMap<>();
    for (Row r : rows) {
      String uri = r.getString(0);
      byName.put(uri.substring(uri.lastIndexOf('/') + 1), r.getString(4) + " " + r.getList(9));
    }
    return new Store(all, rows, stats, byName);
  }

  private static Store reference;

  /**
   * The local run every cluster run is compared with: the same job options, local[2] in the test
   * JVM, over the same 79 images read from ../shared (so once per JVM for all the cluster tests;
   * runs are compared by file name). {@code spark} must be the active session.
   */
  static synchronized Store reference(SparkSession spark, List<String> jobArgs, List<String> timings) throws Exception {
    if (reference == null) {
      java.nio.file.Path out = SparkHome.TARGET.resolve("cluster-it/reference");
      StandaloneClusterIT.deleteRecursively(out);
      List<String> args = new ArrayList<>(jobArgs);
      args.addAll(List.of("--input", SharedData.path("data/coco-mini-val/images").toString(),
          "--output", out.toString(),
          "--model", SharedData.path("models/" + StandaloneClusterIT.MODEL_NAME).toString(),
          "--master", "local[2]"));
      long t0 = System.nanoTime();
      if (io.personlab.cli.PersonLab.execute(new io.personlab.cli.LabelCommand(), args.toArray(String[]::new)) != 0) {
        throw new AssertionError("the local reference run failed");
      }
      timings.add(String.format("reference run, local[2] in the test JVM: %.1f s", (System.nanoTime() - t0) / 1e9));
      Store r = read(spark, out.toString());
      if (r.latest().size() != 79 || r.ok() != 79 || !(r.keypointStats()[0] > 0.05)) {
        throw new AssertionError("unexpected reference: " + r.latest().size() + " rows, " + r.ok() + " ok, AP "
            + r.keypointStats()[0]);
      }
      reference = r;
    }
    return reference;
  }

  static synchronized CocoDataset groundTruth() throws IOException {
    if (gt == null) {
      gt = CocoJson.readDataset(SharedData.path(GT).toString());
    }
    return gt;
  }
}
