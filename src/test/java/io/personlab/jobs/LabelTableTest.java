package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.pipeline.PipelineConfig;
import io.personlab.testing.SharedData;
import io.personlab.testing.TrapImageReaderSpi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The label table (Iceberg) on a real local Spark session: incremental runs, changed and deleted
 * files, new configurations, permanent and transient errors, forced runs and concurrent runs.
 */
class LabelTableTest {
  static SparkSession spark;
  @TempDir static Path catalogDir;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2,4]").appName("LabelTableTest")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.extensions", LabelTable.EXTENSIONS)
        // a catalog that is safe for concurrent commits: JDBC (SQLite) with the warehouse on disk
        .config("spark.sql.catalog.lab", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.lab.catalog-impl", "org.apache.iceberg.jdbc.JdbcCatalog")
        .config("spark.sql.catalog.lab.uri", "jdbc:sqlite:" + catalogDir.resolve("catalog.db"))
        .config("spark.sql.catalog.lab.jdbc.schema-version", "V1")
        .config("spark.sql.catalog.lab.warehouse", catalogDir.resolve("warehouse").toUri().toString())
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static LabelJob.Options options(Path input, String output, String table, PipelineConfig config) {
    return LabelJobTest.options(List.of(input.toString()), output, config, 200, false, 0, 0).intoTable(table);
  }

  static Map<String, Row> rows(String table, String configId) {
    return LabelTable.current(spark, table, configId).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r));
  }

  static String configOf(String table) {
    return LabelTable.configurationToRead(spark, table, null);
  }

  /** A corpus: the 79 val images (symlinks) and 3 broken files. */
  Path corpus() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("photos"));
    try (var images = Files.list(SharedData.path("data/coco-mini-val/images"))) {
      for (Path p : images.toList()) {
        Files.createSymbolicLink(dir.resolve(p.getFileName()), p);
      }
    }
    Files.writeString(dir.resolve("notes.jpg"), "text, not an image");
    Files.write(dir.resolve("empty.jpg"), new byte[0]);
    byte[] jpeg = Files.readAllBytes(SharedData.path("data/coco-mini-val/images/000000000139.jpg"));
    Files.write(dir.resolve("truncated.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 3));
    return dir;
  }

  @Test
  void twoRunsGiveOneCurrentRowPerFileAndTheSecondLabelsNothing() throws Exception {
    Path photos = corpus();
    String out = tmp.resolve("labels").toString();
    LabelJob.Options o = options(photos, out, "labels", LabelJobTest.fast(0.2));
    LabelJob.Summary first = LabelJob.run(spark, o);
    assertEquals(82, first.images());
    assertEquals(3, first.errors());
    String table = first.runDirectory();
    assertTrue(table.endsWith(".labels.labels"), table);
    String config = configOf(table);
    Map<String, Row> rows = rows(table, config);
    assertEquals(82, rows.size());
    Row broken = rows.get("file:" + photos.resolve("notes.jpg"));
    assertEquals("error", broken.getAs("status"));
    assertEquals(ErrorKind.PERMANENT, broken.getAs("error_kind"));
    assertEquals(1, (int) broken.getAs("attempts"));
    Row ok = rows.get("file:" + photos.resolve("000000000139.jpg"));
    assertEquals("ok", ok.getAs("status"));
    assertEquals(Files.size(photos.resolve("000000000139.jpg")), (long) ok.getAs("file_size"));
    assertEquals(ModelStaging.localHash(Path.of(LabelJobTest.MODEL)), ok.getAs("model_sha256"));
    long snapshots = spark.table(table + ".snapshots").count();

    LabelJob.Summary second = LabelJob.run(spark, o);
    assertEquals(0, second.images(), "nothing changed: nothing labeled, permanent errors not retried");
    assertEquals(82, second.skippedAsLabeled());
    assertEquals(snapshots, spark.table(table + ".snapshots").count(), "and nothing committed");
    assertEquals(82, spark.table(table).count());

    // the snapshot summary carries the run's counts and configuration
    Row last = spark.sql("SELECT summary FROM " + table + ".snapshots ORDER BY committed_at DESC LIMIT 1").first();
    Map<String, String> summary = last.getJavaMap(0);
    assertEquals("82", summary.get("personlab.images-labeled"));
    assertEquals("3", summary.get("personlab.errors"));
    assertEquals(config, summary.get("personlab.config-id"));
    assertTrue(summary.get("personlab.configuration").contains("\"sha256\""));
  }

  @Test
  void changedFilesAreRelabeledDeletedOnesMarkedMissingNewSettingsGetTheirOwnRows() throws Exception {
    Path photos = Files.createDirectories(tmp.resolve("few"));
    Path images = SharedData.path("data/coco-mini-val/images");
    for (String n : List.of("000000000139.jpg", "000000000802.jpg", "000000011813.jpg")) {
      Files.copy(images.resolve(n), photos.resolve(n));
    }
    String out = tmp.resolve("labels").toString();
    LabelJob.Options o = options(photos, out, "labels", LabelJobTest.fast(0.2));
    String table = LabelJob.run(spark, o).runDirectory();
    String config = configOf(table);
    String changed = "file:" + photos.resolve("000000000802.jpg");
    String deleted = "file:" + photos.resolve("000000011813.jpg");
    String firstRun = rows(table, config).get(changed).getAs("run_id");

    // the same name, other bytes; and a deleted file
    Files.copy(images.resolve("000000018575.jpg"), photos.resolve("000000000802.jpg"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(photos.resolve("000000000802.jpg"), FileTime.fromMillis(1_700_000_000_000L));
    Files.delete(photos.resolve("000000011813.jpg"));
    LabelJob.Summary s = LabelJob.run(spark, o);
    assertEquals(1, s.images(), "only the changed file");
    Map<String, Row> rows = rows(table, config);
    assertEquals(3, rows.size(), "the deleted file's row is kept");
    assertTrue((boolean) rows.get(deleted).getAs("missing"));
    Row relabeled = rows.get(changed);
    assertTrue(!firstRun.equals(relabeled.getAs("run_id")));
    assertEquals(Files.size(photos.resolve("000000000802.jpg")), (long) relabeled.getAs("file_size"));
    assertEquals(1_700_000_000_000L, ((java.sql.Timestamp) relabeled.getAs("file_modified")).getTime());

    // new decoding settings: a new configuration; the old one's rows stay for comparison
    PipelineConfig other = LabelJobTest.fast(0.1);
    LabelJob.Summary third = LabelJob.run(spark, options(photos, out, "labels", other));
    assertEquals(2, third.images());
    assertEquals(2, LabelTable.configurations(spark, table).size());
    assertEquals(3, rows(table, config).size());
  }

  @Test
  void transientErrorsAreRetriedUpToTheLimitAndNeverReplaceAGoodRow() throws Exception {
    Path photos = Files.createDirectories(tmp.resolve("flaky"));
    Files.copy(SharedData.path("data/coco-mini-val/images/000000000139.jpg"), photos.resolve("000000000139.jpg"));
    Files.write(photos.resolve("stuck.jpg"), TrapImageReaderSpi.HANG);
    String out = tmp.resolve("labels").toString();
    LabelJob.Options base = options(photos, out, "labels", LabelJobTest.fast(0.2));
    LabelJob.Options o = new LabelJob.Options(base.inputs(), null, "*", base.output(), base.model(), 1, base.pipeline(),
        200, 256L << 20, 64L << 20, 0, false, null, 60, 0, false, 1, "labels", 2, false);
    try {
      String table = LabelJob.run(spark, o).runDirectory();
      LabelJobTest.releaseStuckThreads();
      String config = configOf(table);
      String stuck = "file:" + photos.resolve("stuck.jpg");
      Row r1 = rows(table, config).get(stuck);
      assertEquals(ErrorKind.TRANSIENT, r1.getAs("error_kind"));
      assertEquals(1, (int) r1.getAs("attempts"));
      assertEquals(1, LabelJob.run(spark, o).images(), "a transient error is retried");
      LabelJobTest.releaseStuckThreads();
      assertEquals(2, (int) rows(table, config).get(stuck).getAs("attempts"));
      assertEquals(0, LabelJob.run(spark, o).images(), "but not past --max-attempts");

      // --force relabels everything; a passing failure of a good file keeps its good row
      Row good = rows(table, config).get("file:" + photos.resolve("000000000139.jpg"));
      Path goodFile = photos.resolve("000000000139.jpg");
      // the same size and time (the same identity), but reads now stall: a passing failure
      Files.write(goodFile, java.util.Arrays.copyOf(TrapImageReaderSpi.HANG, (int) (long) good.getAs("file_size")));
      Files.setLastModifiedTime(goodFile, FileTime.fromMillis(((java.sql.Timestamp) good.getAs("file_modified")).getTime()));
      LabelJob.Options force = new LabelJob.Options(o.inputs(), null, "*", o.output(), o.model(), 1, o.pipeline(),
          200, 256L << 20, 64L << 20, 0, true, null, 60, 0, false, 1, "labels", 2, false);
      assertEquals(2, LabelJob.run(spark, force).images());
      LabelJobTest.releaseStuckThreads();
      Row after = rows(table, config).get("file:" + goodFile);
      assertEquals("ok", after.getAs("status"), "a time-out of a forced run did not cost the good row");
      assertEquals((String) good.getAs("run_id"), after.getAs("run_id"));
    } finally {
      LabelJobTest.releaseStuckThreads();
    }
  }

  @Test
  void aRunKilledHalfWayLeavesTheTableAtItsLastSnapshot() throws Exception {
    Path photos = corpus();
    LabelJob.Options o = options(photos, tmp.resolve("labels").toString(), "labels", LabelJobTest.fast(0.2));
    CompletableFuture<Object> run = CompletableFuture.supplyAsync(() -> {
      try {
        spark.sparkContext().setJobGroup("killed-run", "a run killed half way", true);
        return LabelJob.run(spark, o);
      } catch (Exception e) {
        return e;
      }
    });
    // kill it once some of the labeling tasks have finished (the driver's jobs cancelled, as when
    // the application is killed; executors' work is lost)
    var tracker = spark.sparkContext().statusTracker();
    boolean someDone = false;
    while (!run.isDone() && !someDone) {
      for (int stage : tracker.getActiveStageIds()) {
        var info = tracker.getStageInfo(stage);
        // the labeling stage (its rows are counted in LabelTableRun before the commit)
        someDone |= info.isDefined() && info.get().name().contains("LabelTableRun")
            && info.get().numTasks() >= 4 && info.get().numCompletedTasks() >= 1;
      }
      Thread.sleep(20);
    }
    assertTrue(someDone, "the run was caught while labeling");
    spark.sparkContext().cancelJobGroup("killed-run");
    Object result = run.join();
    assertTrue(result instanceof Exception, "the killed run failed: " + result);
    String table = LabelTable.resolve(spark, "labels", o.output());
    assertEquals(0, spark.table(table).count(), "nothing of the killed run is in the table");
    assertEquals(0, spark.table(table + ".snapshots").count());
    LabelJob.Summary again = LabelJob.run(spark, o);
    assertEquals(82, again.images());
    assertEquals(82, spark.table(table).count());
  }

  @Test
  void twoRunsAtOnceBothLandOrOneFailsClearlyAndNothingIsLostOrDuplicated() throws Exception {
    Path photos = corpus();
    LabelJob.Options o = options(photos, null, "lab.db.concurrent", LabelJobTest.fast(0.2));
    CompletableFuture<Object> a = CompletableFuture.supplyAsync(() -> runOrError(o));
    CompletableFuture<Object> b = CompletableFuture.supplyAsync(() -> runOrError(o));
    List<Object> results = List.of(a.join(), b.join());
    long landed = results.stream().filter(r -> r instanceof LabelJob.Summary).count();
    assertTrue(landed >= 1, results.toString());
    for (Object r : results) {
      if (r instanceof Throwable t) {
        assertTrue(t.getMessage().contains("another run committed") && t.getMessage().contains("Run it again"),
            t.getMessage());
      }
    }
    assertEquals(82, spark.table("lab.db.concurrent").count(), "one row per file, none lost or duplicated");
    assertEquals(82, spark.table("lab.db.concurrent").select("image_uri").distinct().count());
    LabelJob.Summary again = (LabelJob.Summary) runOrError(o);
    assertEquals(0, again.images(), "a rerun after both finds everything current");
  }

  private static Object runOrError(LabelJob.Options o) {
    try {
      return LabelJob.run(spark, o);
    } catch (IllegalStateException e) {
      return e;
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }
}
