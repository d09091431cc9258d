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
      int batchSize,
      boolean allowLocalPaths,
      long imageTimeoutSeconds,
      String table,
      int maxAttempts,
      boolean cocoIds,
      String modelWeights) {
    public static final long DEFAULT_IMAGE_TIMEOUT_SECONDS = 120;
    /** Tries at a transient error (I/O, time-out, memory) of the same file before it counts as final. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    /** One model, or an ensemble given as in --model (comma-separated), with equal weights. */
    public Options(List<String> inputs, String manifest, String glob, String output, String model, int engineThreads,
        PipelineConfig pipeline, int imagesPerTask, long bytesPerTask, long maxFileBytes, int prefetch, boolean force,
        String runDate, int progressSeconds, int batchSize, boolean allowLocalPaths, long imageTimeoutSeconds,
        String table, int maxAttempts, boolean cocoIds) {
      this(inputs, manifest, glob, output, model, engineThreads, pipeline, imagesPerTask, bytesPerTask, maxFileBytes,
          prefetch, force, runDate, progressSeconds, batchSize, allowLocalPaths, imageTimeoutSeconds, table,
          maxAttempts, cocoIds, null);
    }

    /**
     * The models: {@code model} is one model or an ensemble's members, comma-separated (as
     * {@code --model A,B}), in the order their weights are given.
     */
    public List<String> models() {
      return java.util.Arrays.stream(model.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
    }

    /** The same options with an ensemble of models and their weights (null: equal). */
    public Options withModels(List<String> newModels, String weights) {
      return copy(f -> {
        f.model = String.join(",", newModels);
        f.modelWeights = weights;
      });
    }

    /** Into run directories (no table), with the default transient-error attempts. */
    public Options(List<String> inputs, String manifest, String glob, String output, String model, int engineThreads,
        PipelineConfig pipeline, int imagesPerTask, long bytesPerTask, long maxFileBytes, int prefetch, boolean force,
        String runDate, int progressSeconds, int batchSize, boolean allowLocalPaths,
        long imageTimeoutSeconds) {
      this(inputs, manifest, glob, output, model, engineThreads, pipeline, imagesPerTask, bytesPerTask, maxFileBytes,
          prefetch, force, runDate, progressSeconds, batchSize, allowLocalPaths,
          imageTimeoutSeconds, null, DEFAULT_MAX_ATTEMPTS, false);
    }

    /** The same options writing into a label table (a catalog name, or a bare name under the output). */
    public Options intoTable(String tableName) {
      return copy(f -> f.table = tableName);
    }

    /** The same options, taking COCO ids from COCO file names (the input is a COCO split). */
    public Options withCocoIds() {
      return copy(f -> f.cocoIds = true);
    }

    /** The same options with another model. */
    public Options withModel(String newModel) {
      return copy(f -> f.model = newModel);
    }

    /** The same options with local paths accepted on a cluster (or not). */
    public Options withLocalPathsAllowed(boolean allowed) {
      return copy(f -> f.allowLocalPaths = allowed);
    }

    /** The same options with another per-image time limit. */
    public Options withImageTimeoutSeconds(long seconds) {
      return copy(f -> f.imageTimeoutSeconds = seconds);
    }

    /** The same options with other input and output locations. */
    Options withLocations(List<String> newInputs, String newManifest, String newOutput) {
      return copy(f -> {
        f.inputs = newInputs;
        f.manifest = newManifest;
        f.output = newOutput;
      });
    }

    /** These options with some components changed (records have no withers). */
    private Options copy(java.util.function.Consumer<Fields> change) {
      Fields f = new Fields(this);
      change.accept(f);
      return new Options(f.inputs, f.manifest, glob, f.output, f.model, engineThreads, pipeline, imagesPerTask,
          bytesPerTask, maxFileBytes, prefetch, force, runDate, progressSeconds, batchSize,
          f.allowLocalPaths, f.imageTimeoutSeconds, f.table, maxAttempts, f.cocoIds, f.modelWeights);
    }

    /** The components the withers change, mutable, for {@link #copy}. */
    private static final class Fields {
      List<String> inputs;
      String manifest;
      String output;
      String model;
      boolean allowLocalPaths;
      long imageTimeoutSeconds;
      String table;
      boolean cocoIds;
      String modelWeights;

      Fields(Options o) {
        modelWeights = o.modelWeights;
        inputs = o.inputs;
        manifest = o.manifest;
        output = o.output;
        model = o.model;
        allowLocalPaths = o.allowLocalPaths;
        imageTimeoutSeconds = o.imageTimeoutSeconds;
        table = o.table;
        cocoIds = o.cocoIds;
      }
    }

    /** Without a per-image time limit given: {@value #DEFAULT_IMAGE_TIMEOUT_SECONDS} s. */
    public Options(List<String> inputs, String manifest, String glob, String output, String model, int engineThreads,
        PipelineConfig pipeline, int imagesPerTask, long bytesPerTask, long maxFileBytes, int prefetch, boolean force,
        String runDate, int progressSeconds, int batchSize, boolean allowLocalPaths) {
      this(inputs, manifest, glob, output, model, engineThreads, pipeline, imagesPerTask, bytesPerTask, maxFileBytes,
          prefetch, force, runDate, progressSeconds, batchSize, allowLocalPaths,
          DEFAULT_IMAGE_TIMEOUT_SECONDS);
    }
  }

  /** What a run did. */
  public record Summary(String runDirectory, long images, long errors, long skippedAsLabeled, double seconds) {}

  private LabelJob() {}

  public static Summary run(SparkSession spark, Options o) throws IOException {
    // pages of a large first-level listing (ImageListing), on the output's filesystem; removed after the job
    String scratch = o.output() == null ? null
        : o.output().replaceAll("/+$", "") + "/_listing-" + java.util.UUID.randomUUID();
    try {
      return run(spark, o, scratch);
    } finally {
      ImageListing.deleteScratch(spark.sparkContext().hadoopConfiguration(), scratch);
    }
  }

  private static Summary run(SparkSession spark, Options o, String scratch) throws IOException {
    long t0 = System.nanoTime();
    o = visibleToExecutors(spark, o);
    // A bad model or spec is named here, once, not as failed tasks after the whole listing.
    // Every model of an ensemble too, and whether their maps can be merged with the weights given.
    LabelModels model = LabelModels.resolve(spark, o);
    EffectiveConfiguration effective = EffectiveConfiguration.of(spark, o, model);
    LOG.info("effective configuration: {}", effective.toLogLine());
    var conf = spark.sparkContext().hadoopConfiguration();
    // Every shuffle of the listing is sized from the cluster, not spark.sql.shuffle.partitions
    // (200 under spark-submit: 200 tiny tasks per stage before the first image is labeled).
    int listingPartitions = Math.max(1, 2 * spark.sparkContext().defaultParallelism());
    Dataset<Row> listing = o.manifest() != null
        ? ImageListing.fromManifest(spark, o.manifest())
        : ImageListing.fromPrefixes(spark, o.inputs(), o.glob(), scratch, ImageListing.DEFAULT_PAGE_ROWS);
    // listed once: the count below and the labeling both read it
    listing = listing.repartition(listingPartitions, col("uri")).dropDuplicates("uri")
        .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    if (o.table() != null) {
      try {
        return LabelTableRun.run(spark, o, model, effective, listing, listingPartitions, t0);
      } finally {
        listing.unpersist();
      }
    }
    long skipped = 0;
    Dataset<Row> existing = o.force() ? null : LabelStore.read(spark, o.output());
    Dataset<Row> listed = listing;
    if (existing != null) {
      long before = listing.count();
      // images whose latest row is ok are done; an error (a passing read failure, say) is retried
      Dataset<Row> done = existing.where(col("status").equalTo("ok")).select(col("image_uri"))
          .repartition(listingPartitions, col("image_uri"));
      listing = listing.join(done, listing.col("uri").equalTo(col("image_uri")), "left_anti");
      listing = listing.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
      skipped = before - listing.count();
    }
    Row totals = listing.agg(count("uri"), sum("size")).first();
    long images = totals.getLong(0);
    long bytes = totals.isNullAt(1) ? 0 : Math.max(0, totals.getLong(1));
    String runDate = o.runDate() != null ? o.runDate() : LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE);
    String runId = newRunId();
    String runDir = o.output().replaceAll("/+$", "") + "/run_date=" + runDate + "/run_id=" + runId;
    if (images == 0) {
      listing.unpersist();
      listed.unpersist();
      LOG.info("nothing to label: {} images already labeled in {}", skipped, o.output());
      return new Summary(null, 0, 0, skipped, (System.nanoTime() - t0) / 1e9);
    }
    int partitions = tasks(images, bytes, o.imagesPerTask(), o.bytesPerTask(), spark.sparkContext().defaultParallelism());
    LOG.info("labeling {} images ({} MB) in {} tasks into {} ({} already labeled)", images, bytes >> 20, partitions,
        runDir, skipped);
    Labeled labeled = label(spark, o, model, listing.select("uri", "size"), images, partitions);
    try {
      labeled.run(() -> {
        labeled.rows().write().parquet(runDir);
        return 0L;
      });
    } finally {
      listing.unpersist();
      listed.unpersist();
    }
    if (o.force()) {
      removeRunsCoveredBy(spark, o.output(), runDir);
    }
    Summary summary = new Summary(runDir, images, labeled.errors(), skipped, (System.nanoTime() - t0) / 1e9);
    effective.with("summary", summary).writeTo(conf, runDir);
    return summary;
  }

  /** A run's id: its start time and a few random bits. */
  static String newRunId() {
    return java.time.Instant.now().toString().replaceAll("[-:.]", "") + "-"
        + Long.toHexString(System.nanoTime() & 0xffff);
  }

  /**
   * Images being labeled: the rows (LabelSchema.ROW, lazily computed by the action given to
   * {@link #run}) and the progress of that action on the driver.
   */
  static final class Labeled {
    private final Dataset<Row> rows;
    private final LongAccumulator done;
    private final LongAccumulator failed;
    private final long images;
    private final int progressSeconds;

    Labeled(Dataset<Row> rows, LongAccumulator done, LongAccumulator failed, long images, int progressSeconds) {
      this.rows = rows;
      this.done = done;
      this.failed = failed;
      this.images = images;
      this.progressSeconds = progressSeconds;
    }

    Dataset<Row> rows() {
      return rows;
    }

    long errors() {
      return failed.value();
    }

    /** Runs the action that computes the rows, logging progress (moving while tasks run). */
    <T> T run(java.util.function.Supplier<T> action) throws IOException {
      SparkSession spark = rows.sparkSession();
      ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "personlab-progress");
        t.setDaemon(true);
        return t;
      });
      long start = System.nanoTime();
      LabelProgress tracker = LabelProgress.attach(spark.sparkContext(), done, failed);
      progress.scheduleAtFixedRate(() -> {
        LabelProgress.Snapshot now = tracker.snapshot();
        logProgress(now.images(), now.errors(), images, start);
      }, progressSeconds, progressSeconds, TimeUnit.SECONDS);
      try {
        T result = action.get();
        LabelProgress.Snapshot end = tracker.await(images, java.time.Duration.ofSeconds(10));
        logProgress(end.images(), end.errors(), images, start);
        return result;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      } finally {
        progress.shutdownNow();
        tracker.detach();
      }
    }
  }

  /** The labeling of listed images (uri, size) in tasks: one row per image, computed lazily. */
  static Labeled label(SparkSession spark, Options o, LabelModels model, Dataset<Row> input, long images,
      int partitions) {
    LongAccumulator done = spark.sparkContext().longAccumulator("personlab.images");
    LongAccumulator failed = spark.sparkContext().longAccumulator("personlab.errors");
    PartitionLabeler labeler = new PartitionLabeler(model.sources(), model.weights(), o.engineThreads(), o.pipeline(),
        new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()), o.maxFileBytes(), o.prefetch(),
        o.imageTimeoutSeconds(), done, failed, o.batchSize(), o.cocoIds());
    Dataset<Row> rows = input.repartition(partitions, col("uri")).mapPartitions(labeler, Encoders.row(LabelSchema.ROW));
    return new Labeled(rows, done, failed, images, o.progressSeconds());
  }

  /**
   * Tasks for a run: bounded in images and bytes, and at least two per core the cluster has now
   * (so a small input still keeps every core busy, and a slow task does not idle the others).
   */
  static int tasks(long images, long bytes, int imagesPerTask, long bytesPerTask, int cores) {
    long bounded = Math.max(ceilDiv(images, imagesPerTask), ceilDiv(bytes, bytesPerTask));
    long spread = Math.min(images, 2L * Math.max(1, cores));
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.max(bounded, spread)));
  }

  /**
   * On a cluster, a local path names each host's own disk: executors would read nothing or write
   * their rows where nobody looks, while the driver commits a complete-looking run. Refused unless
   * the user says every host mounts it; other paths are qualified against the default filesystem
   * (hdfs:// on YARN), so a path without a scheme means what Hadoop means by it.
   */
  static Options visibleToExecutors(SparkSession spark, Options o) {
    return visibleToExecutors(o, spark.sparkContext().hadoopConfiguration(), spark.sparkContext().master());
  }

  static Options visibleToExecutors(Options o, org.apache.hadoop.conf.Configuration conf, String master) {
    if (master.startsWith("local")) {
      return o;
    }
    java.util.function.UnaryOperator<String> check = uri -> ClusterPaths.shared(uri, conf, master, o.allowLocalPaths(),
        "executors on other hosts cannot see it. Use hdfs://, s3a:// or gs://, "
            + "or --allow-local-paths if every host mounts it at the same place");
    return o.withLocations(o.inputs() == null ? null : o.inputs().stream().map(check).toList(),
        o.manifest() == null ? null : check.apply(o.manifest()),
        o.output() == null ? null : check.apply(o.output()));
  }

  private static void logProgress(long done, long errors, long total, long start) {
    double s = (System.nanoTime() - start) / 1e9;
    double rate = done / Math.max(1e-9, s);
    double eta = rate > 0 ? (total - done) / rate : Double.NaN;
    LOG.info(String.format("progress: %d / %d images (%.1f%%), %.2f images/s, ETA %.0f s, errors %d", done, total,
        100.0 * done / total, rate, eta, errors));
  }

  /**
   * After a forced relabel: earlier runs whose images the new run all relabeled are removed;
   * runs with other images stay (reads take each image's latest row in any case).
   */
  private static void removeRunsCoveredBy(SparkSession spark, String output, String keep) throws IOException {
    var conf = spark.sparkContext().hadoopConfiguration();
    Path keepPath = new Path(keep);
    Dataset<Row> fresh = spark.read().parquet(keep).select("image_uri");
    for (Path run : LabelStore.completeRuns(conf, output)) {
      if (run.toUri().getPath().equals(keepPath.toUri().getPath())) {
        continue;
      }
      boolean covered = spark.read().parquet(run.toString()).select("image_uri").except(fresh).isEmpty();
      if (covered) {
        run.getFileSystem(conf).delete(run, true);
      }
    }
  }

  private static long ceilDiv(long a, long b) {
    return b <= 0 ? 1 : (a + b - 1) / b;
  }
}
