package io.personlab.jobs;

import java.io.IOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.timestamp_millis;
import static org.apache.spark.sql.functions.when;

/**
 * One labeling run into the label table ({@link LabelTable}): an upsert that commits once.
 *
 * <p>What it labels, per listed file and this run's configuration: files with no row; files whose
 * identity (size, modification time, ETag) changed since their row was written; files marked
 * missing that came back; transient errors below {@code --max-attempts}; everything with
 * {@code --force}. Permanent errors are not retried until the file changes. Rows of files no
 * longer listed under the run's input prefixes are kept and marked {@code missing}. The rows are
 * labeled and held by Spark first, then one MERGE commits them with the run's counts, timings and
 * effective configuration in the snapshot summary; a run killed before that leaves the table at
 * its last snapshot. A transient failure never replaces a good row of the same file; a
 * concurrent run's commit makes this one fail with a retryable error, and nothing is lost.
 */
final class LabelTableRun {
  private static final Logger LOG = LoggerFactory.getLogger(LabelTableRun.class);
  /** Snapshot summary keys carry this prefix. */
  static final String SUMMARY_PREFIX = "personlab.";

  private LabelTableRun() {}

  static LabelJob.Summary run(SparkSession spark, LabelJob.Options o, LabelModels model,
      EffectiveConfiguration effective, Dataset<Row> listing, int listingPartitions, long t0) throws IOException {
    String table = LabelTable.resolve(spark, o.table(), o.output());
    LabelTable.ensure(spark, table);
    String decodingHash = LabelTable.decodingHash(o.pipeline());
    String configId = LabelTable.configId(model.contentHash(), model.specHash(), o.pipeline());
    Column modified = when(col("modified").geq(0), timestamp_millis(col("modified")));
    Dataset<Row> current = LabelTable.current(spark, table, configId).select(col("image_uri"),
        col("file_size").as("t_size"), col("file_modified").as("t_modified"), col("file_etag").as("t_etag"),
        col("status").as("t_status"), col("error_kind").as("t_kind"), col("attempts").as("t_attempts"),
        col("missing").as("t_missing")).repartition(listingPartitions, col("image_uri"));
    Dataset<Row> joined = listing.join(current, listing.col("uri").equalTo(current.col("image_uri")), "left");
    Column size = when(col("size").geq(0), col("size"));
    Column sameFile = col("t_size").eqNullSafe(size).and(col("t_modified").eqNullSafe(modified))
        .and(col("t_etag").eqNullSafe(col("etag")));
    Column todo = lit(o.force()).or(col("image_uri").isNull()).or(not(sameFile)).or(col("t_missing"))
        .or(col("t_status").equalTo(LabelTable.STATUS_ERROR).and(col("t_kind").equalTo(ErrorKind.TRANSIENT))
            .and(col("t_attempts").lt(o.maxAttempts())));
    // attempts count the tries at the same bytes: a changed file starts again
    Column prior = when(col("image_uri").isNotNull().and(sameFile).and(col("t_status").equalTo(LabelTable.STATUS_ERROR)),
        col("t_attempts")).otherwise(0);
    Dataset<Row> toLabel = joined.where(todo)
        .select(col("uri"), col("size"), col("modified"), col("etag"), prior.as("prior_attempts"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long listed = listing.count();
    Row totals = toLabel.agg(org.apache.spark.sql.functions.count("uri"), org.apache.spark.sql.functions.sum("size")).first();
    long images = totals.getLong(0);
    long bytes = totals.isNullAt(1) ? 0 : Math.max(0, totals.getLong(1));
    Dataset<Row> gone = gone(spark, o, table, configId, listing);
    long goneCount = gone == null ? 0 : gone.count();
    if (images == 0 && goneCount == 0) {
      toLabel.unpersist();
      LOG.info("nothing to do: {} images listed, all current in {} (configuration {})", listed, table, configId);
      return new LabelJob.Summary(table, 0, 0, listed, (System.nanoTime() - t0) / 1e9);
    }
    String runId = LabelJob.newRunId();
    Timestamp labeledAt = new Timestamp(System.currentTimeMillis());
    int partitions = images == 0 ? 1
        : LabelJob.tasks(images, bytes, o.imagesPerTask(), o.bytesPerTask(), spark.sparkContext().defaultParallelism());
    LOG.info("labeling {} images ({} MB) in {} tasks into {} (configuration {}, run {}); {} current, {} no longer listed",
        images, bytes >> 20, partitions, table, configId, runId, listed - images, goneCount);
    LabelJob.Labeled labeled = LabelJob.label(spark, o, model, toLabel.select("uri", "size"), images, partitions);
    Dataset<Row> labels = labeled.rows();
    Column[] out = new Column[LabelTable.SCHEMA.size() + 1];
    int i = 0;
    for (StructField f : LabelTable.SCHEMA.fields()) {
      out[i++] = switch (f.name()) {
        case "config_id" -> lit(configId).as(f.name());
        case "attempts" -> col("prior_attempts").plus(1).cast("int").as(f.name());
        case "missing" -> lit(false).as(f.name());
        case "file_size" -> size.as(f.name());
        case "file_modified" -> modified.as(f.name());
        case "file_etag" -> col("etag").as(f.name());
        case "model_sha256" -> lit(model.contentHash()).as(f.name());
        case "decoding_hash" -> lit(decodingHash).as(f.name());
        case "labeled_at" -> lit(labeledAt).as(f.name());
        case "run_id" -> lit(runId).as(f.name());
        default -> labels.col(f.name()).as(f.name());
      };
    }
    out[i] = lit("label").as("_action");
    long tLabel = System.nanoTime();
    Dataset<Row> rows = labels.join(toLabel, labels.col("image_uri").equalTo(toLabel.col("uri"))).select(out)
        .persist(StorageLevel.MEMORY_AND_DISK());
    long labeledRows;
    long errors;
    try {
      labeledRows = labeled.run(rows::count); // labels every image, with progress; held for the commit
      errors = rows.where(col("status").equalTo(LabelTable.STATUS_ERROR)).count();
    } finally {
      toLabel.unpersist();
    }
    double labelSeconds = (System.nanoTime() - tLabel) / 1e9;
    Dataset<Row> updates = rows;
    if (goneCount > 0) {
      updates = updates.unionByName(gone.withColumn("missing", lit(true)).withColumn("_action", lit("missing")));
    }
    String view = "personlab_updates_" + runId.replaceAll("[^A-Za-z0-9]", "_");
    updates.createOrReplaceTempView(view);
    Map<String, String> summary = new LinkedHashMap<>();
    summary.put(SUMMARY_PREFIX + "run-id", runId);
    summary.put(SUMMARY_PREFIX + "config-id", configId);
    summary.put(SUMMARY_PREFIX + "images-listed", Long.toString(listed));
    summary.put(SUMMARY_PREFIX + "images-labeled", Long.toString(labeledRows));
    summary.put(SUMMARY_PREFIX + "errors", Long.toString(errors));
    summary.put(SUMMARY_PREFIX + "marked-missing", Long.toString(goneCount));
    summary.put(SUMMARY_PREFIX + "label-seconds", String.format("%.3f", labelSeconds));
    summary.put(SUMMARY_PREFIX + "configuration", effective.toLogLine());
    long tCommit = System.nanoTime();
    try {
      org.apache.iceberg.spark.CommitMetadata.withCommitProperties(summary, () -> spark.sql(merge(table, view)).count(),
          RuntimeException.class);
    } catch (RuntimeException e) {
      throw conflictOr(e, table);
    } finally {
      rows.unpersist();
      spark.catalog().dropTempView(view);
    }
    double commitSeconds = (System.nanoTime() - tCommit) / 1e9;
    LOG.info("committed {} rows ({} errors) and {} marked missing to {} in {} s (labeling {} s)", labeledRows, errors,
        goneCount, table, String.format("%.2f", commitSeconds), String.format("%.1f", labelSeconds));
    return new LabelJob.Summary(table, labeledRows, errors, listed - images, (System.nanoTime() - t0) / 1e9);
  }

  /** Rows of this configuration under the run's input prefixes whose files are no longer listed. */
  private static Dataset<Row> gone(SparkSession spark, LabelJob.Options o, String table, String configId,
      Dataset<Row> listing) throws IOException {
    if (o.inputs() == null) {
      return null; // a manifest names some files, not a tree: absence says nothing
    }
    var conf = spark.sparkContext().hadoopConfiguration();
    Column under = lit(false);
    for (String input : o.inputs()) {
      Path p = new Path(input);
      String prefix = p.getFileSystem(conf).makeQualified(p).toString().replaceAll("/+$", "");
      under = under.or(col("image_uri").equalTo(prefix)).or(col("image_uri").startsWith(prefix + "/"));
    }
    return LabelTable.current(spark, table, configId).where(not(col("missing")).and(under))
        .join(listing.select("uri"), col("image_uri").equalTo(col("uri")), "left_anti");
  }

  /**
   * The upsert: new rows inserted; a row replaced by this run's result, except a transient failure
   * over a good row of the same file (a passing S3 error never costs a label); rows of vanished
   * files marked missing.
   */
  static String merge(String table, String view) {
    List<String> set = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (StructField f : LabelTable.SCHEMA.fields()) {
      set.add("t." + f.name() + " = s." + f.name());
      names.add(f.name());
    }
    String sameFile = "t.file_size <=> s.file_size AND t.file_modified <=> s.file_modified AND t.file_etag <=> s.file_etag";
    return "MERGE INTO " + table + " t USING " + view + " s ON t.image_uri = s.image_uri AND t.config_id = s.config_id "
        + "WHEN MATCHED AND s._action = 'missing' THEN UPDATE SET t.missing = true "
        + "WHEN MATCHED AND s._action = 'label' AND NOT (s.status = '" + LabelTable.STATUS_ERROR + "' AND s.error_kind = '"
        + ErrorKind.TRANSIENT + "' AND t.status = '" + LabelTable.STATUS_OK + "' AND " + sameFile + ") THEN UPDATE SET " + String.join(", ", set) + " "
        + "WHEN NOT MATCHED AND s._action = 'label' THEN INSERT (" + String.join(", ", names) + ") VALUES ("
        + String.join(", ", names.stream().map(n -> "s." + n).toList()) + ")";
  }

  /** Another run's commit in between: this run wrote nothing and can simply run again. */
  private static RuntimeException conflictOr(RuntimeException e, String table) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.apache.iceberg.exceptions.ValidationException
          || t instanceof org.apache.iceberg.exceptions.CommitFailedException) {
        return new IllegalStateException(table + ": another run committed labels of the same images at the same "
            + "time; this run committed nothing. Run it again: it labels only what is still not current ("
            + t.getMessage() + ")", e);
      }
    }
    return e;
  }

}
