package io.personlab.jobs;

import io.personlab.pipeline.PipelineConfig;
import java.io.IOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;

/**
 * The labeling job: lists the images, leaves out those already labeled, shards the rest into
 * tasks of bounded images and bytes, labels each partition ({@link PartitionLabeler}) and writes
 * one Parquet row per image into a new run directory, complete when Spark's commit writes
 * {@code _SUCCESS}.
 */
public final class LabelJob {
  private static final Logger LOG = LoggerFactory.getLogger(LabelJob.class);

  /** What to label and how. */
  public record Options(
      List<String> inputs,
      String manifest,
      String glob,
      String output,
      String model,
      int engineThreads,
      PipelineConfig pipeline,
      int imagesPerTask,
      long bytesPerTask,
      long maxFileBytes,
      int prefetch,
      boolean force,
      String runDate,
      int progressSeconds,
      int failFirstAttemptOfPartitionsBelow) {}

  /** What a run did. */
  public record Summary(String runDirectory, long images, long errors, long skippedAsLabeled, double seconds) {}

  private LabelJob() {}

  public static Summary run(SparkSession spark, Options o) throws IOException {
    long t0 = System.nanoTime();
    var conf = spark.sparkContext().hadoopConfiguration();
    Dataset<Row> listing = o.manifest() != null
        ? ImageListing.fromManifest(spark, o.manifest())
        : ImageListing.fromPrefixes(spark, o.inputs(), o.glob());
    // listed once: the count below and the labeling both read it
    listing = listing.dropDuplicates("uri").persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    long skipped = 0;
    Dataset<Row> existing = o.force() ? null : LabelStore.read(spark, o.output());
    if (existing != null) {
      long before = listing.count();
      listing = listing.join(existing.select(col("image_uri")).distinct(),
          listing.col("uri").equalTo(col("image_uri")), "left_anti");
      listing = listing.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
      skipped = before - listing.count();
    }
    Row totals = listing.agg(count("uri"), sum("size")).first();
    long images = totals.getLong(0);
    long bytes = totals.isNullAt(1) ? 0 : Math.max(0, totals.getLong(1));
    String runDate = o.runDate() != null ? o.runDate() : LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE);
    String runId = java.time.Instant.now().toString().replaceAll("[-:.]", "") + "-" + Long.toHexString(System.nanoTime() & 0xffff);
    String runDir = o.output().replaceAll("/+$", "") + "/run_date=" + runDate + "/run_id=" + runId;
    if (images == 0) {
      LOG.info("nothing to label: {} images already labeled in {}", skipped, o.output());
      return new Summary(null, 0, 0, skipped, (System.nanoTime() - t0) / 1e9);
    }
    int partitions = (int) Math.max(1, Math.max(ceilDiv(images, o.imagesPerTask()), ceilDiv(bytes, o.bytesPerTask())));
    LOG.info("labeling {} images ({} MB) in {} tasks into {} ({} already labeled)", images, bytes >> 20, partitions,
        runDir, skipped);
    LongAccumulator done = spark.sparkContext().longAccumulator("personlab.images");
    LongAccumulator failed = spark.sparkContext().longAccumulator("personlab.errors");
    PartitionLabeler labeler = new PartitionLabeler(o.model(), o.engineThreads(), o.pipeline(),
        new SerializableConfiguration(conf), o.maxFileBytes(), o.prefetch(), done, failed,
        o.failFirstAttemptOfPartitionsBelow());
    Dataset<Row> labels = listing.select("uri", "size").repartition(partitions, col("uri"))
        .mapPartitions(labeler, Encoders.row(LabelSchema.ROW));
    ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "personlab-progress");
      t.setDaemon(true);
      return t;
    });
    long start = System.nanoTime();
    progress.scheduleAtFixedRate(() -> logProgress(done.value(), failed.value(), images, start),
        o.progressSeconds(), o.progressSeconds(), TimeUnit.SECONDS);
    try {
      labels.write().parquet(runDir);
    } finally {
      progress.shutdownNow();
    }
    logProgress(done.value(), failed.value(), images, start);
    if (o.force()) {
      removeOtherRuns(conf, o.output(), runDir);
    }
    return new Summary(runDir, images, failed.value(), skipped, (System.nanoTime() - t0) / 1e9);
  }

  private static void logProgress(long done, long errors, long total, long start) {
    double s = (System.nanoTime() - start) / 1e9;
    double rate = done / Math.max(1e-9, s);
    double eta = rate > 0 ? (total - done) / rate : Double.NaN;
    LOG.info(String.format("progress: %d / %d images (%.1f%%), %.2f images/s, ETA %.0f s, errors %d", done, total,
        100.0 * done / total, rate, eta, errors));
  }

  /** After a forced relabel: only the new run stays, so no image has two rows. */
  private static void removeOtherRuns(org.apache.hadoop.conf.Configuration conf, String output, String keep)
      throws IOException {
    Path keepPath = new Path(keep);
    for (Path run : LabelStore.completeRuns(conf, output)) {
      if (!run.toUri().getPath().equals(keepPath.toUri().getPath())) {
        FileSystem fs = run.getFileSystem(conf);
        fs.delete(run, true);
      }
    }
  }

  private static long ceilDiv(long a, long b) {
    return b <= 0 ? 1 : (a + b - 1) / b;
  }
}
