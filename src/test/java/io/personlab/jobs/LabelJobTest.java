package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.cli.EvaluateCommandTest;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.eval.CocoEvaluator;
import io.personlab.eval.Detections;
import io.personlab.eval.EvalParams;
import io.personlab.eval.IouType;
import io.personlab.image.ImageDecoderTest;
import io.personlab.io.CocoJson;
import io.personlab.model.PersonLabModel;
import io.personlab.pipeline.ImageResult;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import io.personlab.rle.Rle;
import io.personlab.testing.SharedData;
import io.personlab.testing.TrapImageReaderSpi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The labeling job on a real local Spark session with the real BodyPix model. */
class LabelJobTest {
  static SparkSession spark;
  static final Path IMAGES = SharedData.path("data/coco-mini-val/images");
  static final String MODEL = SharedData.path("models/bodypix-mobilenet050-stride16.onnx").toString();
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    // local[2, 4]: two cores, a failed task is retried (up to 4 attempts), as on a cluster
    spark = SparkSession.builder().master("local[2,4]").appName("LabelJobTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.executor.heartbeatInterval", "500ms") // running tasks' progress twice a second
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static LabelJob.Options options(List<String> inputs, String output, PipelineConfig config, int imagesPerTask,
      boolean force, int batchSize) {
    // prefetch 2: most tests exercise the reader thread (a GPU task's default)
    return options(inputs, output, config, imagesPerTask, force, batchSize, 2);
  }

  static LabelJob.Options options(List<String> inputs, String output, PipelineConfig config, int imagesPerTask,
      boolean force, int batchSize, int prefetch) {
    return new LabelJob.Options(inputs, null, "*", output, MODEL, 1, config, imagesPerTask, 256L << 20,
        64L << 20, prefetch, force, "2026-11-25", 60, batchSize, false).withCocoIds(); // COCO val images
  }

  static LabelJob.Options withTimeout(LabelJob.Options o, long imageTimeoutSeconds) {
    return o.withImageTimeoutSeconds(imageTimeoutSeconds);
  }

  static Map<String, Row> byName(List<Row> rows) {
    Map<String, Row> out = new HashMap<>();
    for (Row r : rows) {
      out.put(Path.of(java.net.URI.create(r.getString(0).replace(" ", "%20")).getPath()).getFileName().toString(), r);
    }
    return out;
  }

  /** A few val images plus files of the test trap format (see TrapImageReaderSpi). */
  Path trapCorpus(String name, Map<String, byte[]> traps) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (String g : List.of("000000000139.jpg", "000000109313.jpg", "000000011813.jpg")) {
      Files.copy(IMAGES.resolve(g), dir.resolve(g));
    }
    for (var t : traps.entrySet()) {
      Files.write(dir.resolve(t.getKey()), t.getValue());
    }
    return dir;
  }

  @Test
  void decoderErrorsThatAreNotExceptionsAreErrorRowsNamingTheFileAndTheError() throws Exception {
    // a stack overflow, a linkage error and running out of memory on one image: its row, not the task
    Path dir = trapCorpus("errors", Map.of("deep.pltrap", TrapImageReaderSpi.STACK,
        "linkage.pltrap", TrapImageReaderSpi.LINKAGE, "huge.pltrap", TrapImageReaderSpi.MEMORY));
    for (int prefetch : new int[] {-1, 2}) { // decoded on the worker thread; on the reader thread
      String out = tmp.resolve("labels" + prefetch).toString();
      LabelJob.Summary s = LabelJob.run(spark, options(List.of(dir.toString()), out, fast(0.2), 10, false, 0, prefetch));
      assertEquals(6, s.images());
      assertEquals(3, s.errors());
      Map<String, Row> rows = byName(rows(out));
      assertEquals(6, rows.size());
      Row huge = rows.get("huge.pltrap");
      assertEquals("error", huge.getString(4));
      assertTrue(huge.getString(5).contains("huge.pltrap") && huge.getString(5).contains("out of memory")
          && huge.getString(5).contains("--max-pixels"), huge.getString(5));
      assertEquals(ErrorKind.TRANSIENT, huge.getAs("error_kind"), "memory is a property of the moment");
      Row deep = rows.get("deep.pltrap"), linkage = rows.get("linkage.pltrap");
      assertEquals("error", deep.getString(4));
      assertTrue(deep.getString(5).contains("deep.pltrap") && deep.getString(5).contains("java.lang.StackOverflowError"),
          deep.getString(5));
      assertEquals("error", linkage.getString(4));
      assertTrue(linkage.getString(5).contains("linkage.pltrap") && linkage.getString(5).contains("java.lang.LinkageError"),
          linkage.getString(5));
      assertEquals("ok", rows.get("000000000139.jpg").getString(4), "prefetch " + prefetch);
    }
  }

  @Test
  void anImageStuckPastTheLimitIsAnErrorRowAndTheTaskGoesOn() throws Exception {
    Path dir = trapCorpus("hang", Map.of("stuck.pltrap", TrapImageReaderSpi.HANG));
    try {
      for (int prefetch : new int[] {-1, 2}) {
        String out = tmp.resolve("labels" + prefetch).toString();
        long t0 = System.nanoTime();
        // one task: the images after the stuck one are labeled by the fresh worker
        LabelJob.Summary s = LabelJob.run(spark,
            withTimeout(options(List.of(dir.toString()), out, fast(0.2), 10, false, 0, prefetch), 2));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(4, s.images());
        assertEquals(1, s.errors());
        Map<String, Row> rows = byName(rows(out));
        assertEquals(4, rows.size());
        Row stuck = rows.get("stuck.pltrap");
        assertEquals("error", stuck.getString(4));
        assertTrue(stuck.getString(5).contains("stuck.pltrap") && stuck.getString(5).contains("timed out after 2 s"),
            stuck.getString(5));
        for (String ok : List.of("000000000139.jpg", "000000109313.jpg", "000000011813.jpg")) {
          assertEquals("ok", rows.get(ok).getString(4), ok + ", prefetch " + prefetch + ": " + rows.get(ok).getString(5));
        }
        assertEquals(1, TrapImageReaderSpi.hanging(), "the abandoned thread is still stuck (not retried, not killed)");
        assertTrue(seconds < 30, "took " + seconds + " s");
        releaseStuckThreads();
      }
    } finally {
      releaseStuckThreads();
    }
  }

  @Test
  void tooManyStuckImagesFailTheJobWithAClearMessage() throws Exception {
    Path dir = trapCorpus("hangs", Map.of("a.pltrap", TrapImageReaderSpi.HANG, "b.pltrap", TrapImageReaderSpi.HANG,
        "c.pltrap", TrapImageReaderSpi.HANG));
    String out = tmp.resolve("labels").toString();
    try {
      Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> LabelJob.run(spark,
          withTimeout(options(List.of(dir.toString()), out, fast(0.2), 100, false, 0, -1), 1)));
      String all = "";
      for (Throwable t = e; t != null; t = t.getCause()) {
        all += t.getMessage() + "\n";
      }
      assertTrue(all.contains("stuck past the 1 s limit") && all.contains("may each hold a core"), all);
      assertNull(LabelStore.read(spark, out), "no complete run");
    } finally {
      releaseStuckThreads();
    }
  }

  /** The real labeler over the val images in {@code partitions} tasks, followed by a LabelProgress. */
  @Test
  void progressMovesWhileATaskRunsAndEndsEqualToTheInputsAfterTaskRetries() throws Exception {
    var sc = spark.sparkContext();
    Dataset<Row> listing = ImageListing.fromPrefixes(spark, List.of(IMAGES.toString()), "*").select("uri", "size");
    // one task of 79 images at 513 px: a few seconds, several heartbeats
    LongAccumulator done = sc.longAccumulator("test.images"), failed = sc.longAccumulator("test.errors");
    PartitionLabeler labeler = new PartitionLabeler(new ModelSource(ModelSource.Kind.LOCAL, MODEL, null), 1, PipelineConfig.singleScale(513),
        new SerializableConfiguration(sc.hadoopConfiguration()), 64L << 20, 0, 0, done, failed, 0, true);
    LabelProgress progress = LabelProgress.attach(sc, done, failed);
    long seenWhileRunning = 0;
    try {
      var job = java.util.concurrent.CompletableFuture.supplyAsync(() ->
          listing.repartition(1).mapPartitions(labeler, Encoders.row(LabelSchema.ROW)).collectAsList().size());
      while (!job.isDone()) {
        LabelProgress.Snapshot s = progress.snapshot();
        if (s.partitionsDone() == 0) {
          seenWhileRunning = Math.max(seenWhileRunning, s.images());
        }
        Thread.sleep(50);
      }
      assertEquals(79, job.get());
      LabelProgress.Snapshot end = progress.await(79, java.time.Duration.ofSeconds(10));
      assertEquals(new LabelProgress.Snapshot(79, 0, 1), end);
    } finally {
      progress.detach();
    }
    assertTrue(seenWhileRunning > 0 && seenWhileRunning < 79, "images seen before the task ended: " + seenWhileRunning);

    // two tasks, one of them killed by Spark after 3 of its images: each image counted once. The
    // tasks must outlast several heartbeats (500 ms) on a fast machine too: 40 images each at 1025 px
    LongAccumulator done2 = sc.longAccumulator("test.images"), failed2 = sc.longAccumulator("test.errors");
    PartitionLabeler again = new PartitionLabeler(new ModelSource(ModelSource.Kind.LOCAL, MODEL, null), 1,
        PipelineConfig.singleScale(1025),
        new SerializableConfiguration(sc.hadoopConfiguration()), 64L << 20, 0, 0, done2, failed2, 0, true);
    LabelProgress retried = LabelProgress.attach(sc, done2, failed2);
    java.util.concurrent.atomic.AtomicLong killed = new java.util.concurrent.atomic.AtomicLong(-1);
    org.apache.spark.scheduler.SparkListener killer = killAfter("test.images", 3, killed);
    sc.addSparkListener(killer);
    try {
      assertEquals(79, listing.repartition(2).mapPartitions(again, Encoders.row(LabelSchema.ROW)).collectAsList().size());
      assertTrue(killed.get() >= 0, "a task was killed while labeling");
      assertEquals(new LabelProgress.Snapshot(79, 0, 2), retried.await(79, java.time.Duration.ofSeconds(10)));
      assertEquals(79, done2.value());
    } finally {
      sc.removeSparkListener(killer);
      retried.detach();
    }
  }

  /**
   * A listener that has Spark kill the first task whose accumulator {@code name} reports at least
   * {@code images} (from executor heartbeats: the task is half way through its work), once; the
   * killed task is rescheduled.
   */
  static org.apache.spark.scheduler.SparkListener killAfter(String name, long images,
      java.util.concurrent.atomic.AtomicLong killed) {
    return new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onExecutorMetricsUpdate(org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate u) {
        var tasks = u.accumUpdates().iterator();
        while (tasks.hasNext()) {
          var t = tasks.next(); // (taskId, stageId, stageAttempt, accumulator updates)
          var acc = t._4().iterator();
          while (acc.hasNext()) {
            var a = acc.next();
            if (a.name().isDefined() && a.name().get().equals(name) && a.update().isDefined()
                && ((Number) a.update().get()).longValue() >= images && killed.compareAndSet(-1, (Long) t._1())) {
              spark.sparkContext().killTaskAttempt((Long) t._1(), true, "test: killed half way through its images");
            }
          }
        }
      }
    };
  }

  @Test
  void aFolderThatCannotBeWalkedIsAnErrorRowNamingItAndTheRestIsLabeled() throws Exception {
    // tests run as root, whom permissions do not stop: a link loop is a folder no walk can enter
    // (and a dangling link one it cannot reach)
    Path dir = Files.createDirectories(tmp.resolve("tree"));
    Path sub = Files.createDirectories(dir.resolve("sub"));
    Files.copy(IMAGES.resolve("000000109313.jpg"), sub.resolve("000000109313.jpg"));
    Files.copy(IMAGES.resolve("000000343803.jpg"), dir.resolve("000000343803.jpg"));
    Files.createSymbolicLink(sub.resolve("loop"), sub);
    Files.createSymbolicLink(dir.resolve("gone"), tmp.resolve("no-such-folder"));
    String out = tmp.resolve("labels").toString();
    LabelJob.Summary s = LabelJob.run(spark, options(List.of(dir.toString()), out, fast(0.2), 10, false, 0));
    assertEquals(4, s.images());
    assertEquals(2, s.errors());
    Map<String, Row> rows = byName(rows(out));
    assertEquals("ok", rows.get("000000109313.jpg").getString(4));
    assertEquals("ok", rows.get("000000343803.jpg").getString(4));
    for (String bad : List.of("loop", "gone")) {
      Row r = rows.get(bad);
      assertEquals("error", r.getString(4), bad);
      assertTrue(r.getString(5).contains(bad), r.getString(5));
    }
  }

  @Test
  void aFlatDirectoryIsListedInPagesWithEveryFileOnce() throws Exception {
    Path flat = Files.createDirectories(tmp.resolve("flat"));
    java.util.Set<String> expected = new java.util.HashSet<>();
    for (int i = 0; i < 3000; i++) {
      expected.add("file:" + Files.createFile(flat.resolve(String.format("img %05d.jpg", i))));
    }
    Files.createFile(flat.resolve(".hidden.jpg"));
    Files.createFile(flat.resolve("notes.txt")); // not matching the glob
    Path deeper = Files.createDirectories(flat.resolve("sub/deeper"));
    for (int i = 0; i < 5; i++) {
      expected.add("file:" + Files.createFile(deeper.resolve(i + ".jpg")));
    }
    String scratch = tmp.resolve("scratch").toString();
    List<Row> rows = ImageListing.fromPrefixes(spark, List.of(flat.toString()), "*.jpg", scratch, 100).collectAsList();
    assertEquals(expected.size(), rows.size(), "every file once");
    assertEquals(expected, rows.stream().map(r -> r.getString(0)).collect(java.util.stream.Collectors.toSet()));
    assertTrue(rows.stream().allMatch(r -> r.getLong(1) == 0));
    // the driver held at most 100 entries: 3000 files and one folder went out as 31 pages
    try (var pages = Files.list(Path.of(scratch))) {
      assertEquals(31, pages.filter(f -> f.getFileName().toString().startsWith("page-")).count());
    }
    ImageListing.deleteScratch(spark.sparkContext().hadoopConfiguration(), scratch);
    assertTrue(!Files.exists(Path.of(scratch)));
    // without a scratch directory, a listing over a page is refused rather than held
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> ImageListing.fromPrefixes(spark, List.of(flat.toString()), "*.jpg", null, 100));
    // a small one stays in memory as before
    assertEquals(5, ImageListing.fromPrefixes(spark, List.of(deeper.toString()), "*.jpg", null, 100).count());
  }

  static void releaseStuckThreads() throws InterruptedException {
    TrapImageReaderSpi.release();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while ((PartitionLabeler.hungWorkers() > 0 || TrapImageReaderSpi.hanging() > 0) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, PartitionLabeler.hungWorkers(), "abandoned threads end once their decode returns");
  }

  static PipelineConfig fast(double minScore) {
    PipelineConfig d = PipelineConfig.singleScale(385);
    return new PipelineConfig(d.longSides(), d.decoder(), d.masks(), d.maxPixels(), minScore);
  }

  static List<Row> rows(String output) throws Exception {
    return LabelStore.read(spark, output).orderBy("image_uri").collectAsList();
  }

  /** image uri -> the people as text, to compare runs. */
  static Map<String, String> byUri(List<Row> rows) {
    Map<String, String> out = new TreeMap<>();
    for (Row r : rows) {
      out.put(Path.of(java.net.URI.create(r.getString(0)).getPath()).getFileName().toString(),
          r.getString(4) + " " + r.getList(9));
    }
    return out;
  }

  @Test
  void valImagesGiveOneRowEachAndExportReproducesTheOneImagePathExactly() throws Exception {
    String out = tmp.resolve("labels").toString();
    PipelineConfig config = fast(0);
    LabelJob.Summary s = LabelJob.run(spark, options(List.of(IMAGES.toString()), out, config, 30, false, 0));
    assertEquals(79, s.images());
    assertEquals(0, s.errors());
    List<Row> rows = rows(out);
    assertEquals(79, rows.size());
    assertEquals(79, rows.stream().map(r -> r.getString(0)).distinct().count());
    assertTrue(rows.stream().allMatch(r -> "ok".equals(r.getString(4))));

    // the one-image path, on the same images with the same configuration
    CocoDataset gt = CocoJson.readDataset(SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json").toString());
    PersonLabModel model = PersonLabModel.shared(MODEL, 1);
    PersonLabPipeline pipeline = new PersonLabPipeline(model.spec(), config);
    List<CocoResult> kp = new ArrayList<>(), segm = new ArrayList<>();
    try (PersonLabModel.Session session = model.newSession()) {
      for (CocoImage img : gt.images()) {
        ImageResult r = pipeline.process(Files.readAllBytes(IMAGES.resolve(img.fileName())), img.fileName(), session);
        io.personlab.people.CocoResults.add(img.id(), img.width(), img.height(), r.people(), kp, segm);
      }
    }
    for (IouType type : List.of(IouType.KEYPOINTS, IouType.SEGM)) {
      Path exported = tmp.resolve(type + ".json");
      EvaluateCommandTest.Run e = EvaluateCommandTest.run("export-coco", "--labels", out, "--output",
          exported.toString(), "--iou-type", type.cocoName());
      assertEquals(0, e.exit(), e.err());
      double[] viaSpark = stats(gt, CocoJson.readResults(exported.toString()), type);
      double[] direct = stats(gt, type == IouType.KEYPOINTS ? kp : segm, type);
      for (int i = 0; i < direct.length; i++) {
        assertEquals(direct[i], viaSpark[i], 0.0, type + " stat " + i);
      }
      assertTrue(direct[0] > 0.05, type + " AP " + direct[0]);
    }
  }

  @Test
  void cappedMasksAreStoredSmallAndExportedAtImageSize() throws Exception {
    Path dir = trapCorpus("capped", Map.of());
    String out = tmp.resolve("capped-labels").toString();
    PipelineConfig d = fast(0);
    PipelineConfig config = new PipelineConfig(d.longSides(), d.decoder(), d.masks().withMaxSide(160), d.maxPixels(),
        d.minPersonScore());
    assertEquals(0, LabelJob.run(spark, options(List.of(dir.toString()), out, config, 30, false, 0)).errors());
    int masks = 0;
    for (Row r : rows(out)) {
      for (Row person : r.<Row>getList(9)) {
        Row mask = person.getStruct(3);
        assertEquals(160, Math.max(mask.getInt(0), mask.getInt(1)), "stored at the capped size");
        assertEquals(Math.round(r.getInt(3) * 160.0 / Math.max(r.getInt(2), r.getInt(3))), mask.getInt(0));
        masks++;
      }
    }
    assertTrue(masks > 0);
    // export-coco writes them at image size, as the one-image path's COCO results have them
    CocoDataset gt = CocoJson.readDataset(SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json").toString());
    PersonLabModel model = PersonLabModel.shared(MODEL, 1);
    PersonLabPipeline pipeline = new PersonLabPipeline(model.spec(), config);
    List<CocoResult> kp = new ArrayList<>(), segm = new ArrayList<>();
    try (PersonLabModel.Session session = model.newSession()) {
      for (CocoImage img : gt.images()) {
        if (Files.exists(dir.resolve(img.fileName()))) {
          ImageResult r = pipeline.process(Files.readAllBytes(dir.resolve(img.fileName())), img.fileName(), session);
          io.personlab.people.CocoResults.add(img.id(), img.width(), img.height(), r.people(), kp, segm);
        }
      }
    }
    Path exported = tmp.resolve("capped-segm.json");
    EvaluateCommandTest.Run e = EvaluateCommandTest.run("export-coco", "--labels", out, "--output",
        exported.toString(), "--iou-type", "segm");
    assertEquals(0, e.exit(), e.err());
    Map<Long, List<String>> viaSpark = new TreeMap<>(), direct = new TreeMap<>();
    for (CocoResult c : CocoJson.readResults(exported.toString())) {
      viaSpark.computeIfAbsent(c.imageId(), k -> new ArrayList<>()).add(c.segmentation().toString());
    }
    for (CocoResult c : segm) {
      direct.computeIfAbsent(c.imageId(), k -> new ArrayList<>()).add(c.segmentation().toString());
      CocoImage img = gt.imagesById().get(c.imageId());
      var rle = (io.personlab.coco.Segmentation.CompressedRle) c.segmentation();
      assertEquals(img.height(), rle.height());
      assertEquals(img.width(), rle.width());
    }
    assertEquals(masks, segm.size());
    assertEquals(direct, viaSpark);
  }

  static double[] stats(CocoDataset gt, List<CocoResult> results, IouType type) {
    EvalParams p = EvalParams.defaults(type);
    return new CocoEvaluator(p).evaluate(gt, Detections.prepare(gt, results, "results", 17), "results", 1).stats();
  }

  @Test
  void aCorpusWithBadFilesLabelsTheGoodOnesAndReportsEveryBadOne() throws Exception {
    Path corpus = Files.createDirectories(tmp.resolve("corpus/sub"));
    List<String> good = List.of("000000000139.jpg", "000000109313.jpg", "000000011813.jpg");
    for (String g : good) {
      Files.copy(IMAGES.resolve(g), corpus.resolve(g));
    }
    byte[] jpeg = Files.readAllBytes(IMAGES.resolve("000000000139.jpg"));
    Files.write(corpus.resolve("truncated.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 3));
    Files.write(corpus.resolve("corrupt.jpg"), new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 1, 2, 3, 4, 5});
    Files.write(corpus.resolve("zero.jpg"), new byte[0]);
    Files.writeString(corpus.resolve("notes.txt"), "not an image");
    Files.write(corpus.resolve("huge.png"), ImageDecoderTest.pngHeader(30000, 30000));
    Files.write(corpus.resolve("gray.png"), fixture("gray.png"));
    Files.write(corpus.resolve("cmyk.jpg"), fixture("cmyk.jpg"));
    Files.writeString(tmp.resolve("corpus/_hidden.txt"), "skipped: hidden"); // not an input
    String out = tmp.resolve("labels").toString();
    // prefetch -1: the CPU default, images read and decoded in the task's thread
    LabelJob.Summary s = LabelJob.run(spark, options(List.of(tmp.resolve("corpus").toString()), out, fast(0.2), 4, false, 0, -1));
    assertEquals(10, s.images());
    List<Row> rows = rows(out);
    assertEquals(10, rows.size());
    Map<String, Row> byName = new HashMap<>();
    for (Row r : rows) {
      byName.put(Path.of(java.net.URI.create(r.getString(0)).getPath()).getFileName().toString(), r);
    }
    for (String ok : List.of("000000000139.jpg", "000000109313.jpg", "000000011813.jpg", "gray.png", "cmyk.jpg")) {
      assertEquals("ok", byName.get(ok).getString(4), ok + ": " + byName.get(ok).getString(5));
      assertNull(byName.get(ok).get(5));
    }
    assertEquals(109313L, byName.get("000000109313.jpg").getLong(1), "COCO ids come from the file name");
    Map<String, String> reasons = Map.of("truncated.jpg", "corrupt or truncated", "corrupt.jpg", "corrupt or truncated",
        "zero.jpg", "empty file", "notes.txt", "not an image", "huge.png", "exceeds the limit");
    for (var e : reasons.entrySet()) {
      Row r = byName.get(e.getKey());
      assertEquals("error", r.getString(4), e.getKey());
      assertTrue(r.getString(5).contains(e.getValue()) && r.getString(5).contains(e.getKey()),
          e.getKey() + ": " + r.getString(5));
      assertTrue(r.getList(9).isEmpty());
    }
    assertEquals(5, s.errors());
  }

  private static byte[] fixture(String name) throws Exception {
    try (var in = LabelJobTest.class.getResourceAsStream("/images/" + name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void theProgressLogEndsWithEveryImageCountedAndTheErrorsNamed() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("progress"));
    for (String n : List.of("000000000139.jpg", "000000109313.jpg", "000000011813.jpg")) {
      Files.copy(IMAGES.resolve(n), dir.resolve(n));
    }
    Files.writeString(dir.resolve("notes.jpg"), "text, not an image");
    java.io.StringWriter log = new java.io.StringWriter();
    org.apache.logging.log4j.core.Logger logger =
        (org.apache.logging.log4j.core.Logger) org.apache.logging.log4j.LogManager.getLogger(LabelJob.class);
    org.apache.logging.log4j.core.appender.WriterAppender capture =
        org.apache.logging.log4j.core.appender.WriterAppender.newBuilder().setName("progress-capture").setTarget(log)
            .setLayout(org.apache.logging.log4j.core.layout.PatternLayout.newBuilder().withPattern("%m%n").build())
            .build();
    capture.start();
    logger.addAppender(capture);
    try {
      LabelJob.Options o = options(List.of(dir.toString()), tmp.resolve("labels").toString(), fast(0.2), 1, false, 0);
      LabelJob.run(spark, new LabelJob.Options(o.inputs(), null, o.glob(), o.output(), o.model(), o.engineThreads(),
          o.pipeline(), o.imagesPerTask(), o.bytesPerTask(), o.maxFileBytes(), o.prefetch(), o.force(), o.runDate(),
          1, 0, false).withCocoIds());
    } finally {
      logger.removeAppender(capture);
      capture.stop();
    }
    List<String> lines = log.toString().lines().filter(l -> l.startsWith("progress: ")).toList();
    assertTrue(!lines.isEmpty(), "no progress line in: " + log);
    String last = lines.get(lines.size() - 1);
    assertTrue(last.matches("progress: 4 / 4 images \\(100\\.0%\\), [0-9.]+ images/s, ETA 0 s, errors 1"), last);
  }

  @Test
  void filesOverMaxFileBytesAreErrorRowsWhetherListedOrNamedInAManifest() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("sizes"));
    List<String> names = List.of("000000000139.jpg", "000000109313.jpg", "000000011813.jpg");
    long smallest = Long.MAX_VALUE;
    for (String n : names) {
      Files.copy(IMAGES.resolve(n), dir.resolve(n));
      smallest = Math.min(smallest, Files.size(dir.resolve(n)));
    }
    long limit = smallest; // the smallest file is exactly at the limit: allowed
    Path manifest = tmp.resolve("sizes.txt");
    StringBuilder listed = new StringBuilder();
    for (String n : names) {
      listed.append(dir.resolve(n).toUri()).append('\n');
    }
    Files.writeString(manifest, listed);
    LabelJob.Options o = options(List.of(dir.toString()), tmp.resolve("listed").toString(), fast(0.2), 2, false, 0);
    // the listing knows each size; a manifest does not, so its files are read up to the limit + 1 byte
    for (LabelJob.Options run : List.of(
        new LabelJob.Options(o.inputs(), null, o.glob(), o.output(), o.model(), o.engineThreads(), o.pipeline(),
            o.imagesPerTask(), o.bytesPerTask(), limit, o.prefetch(), o.force(), o.runDate(), o.progressSeconds(), 0,
            false),
        new LabelJob.Options(null, manifest.toString(), o.glob(), tmp.resolve("manifest").toString(), o.model(),
            o.engineThreads(), o.pipeline(), o.imagesPerTask(), o.bytesPerTask(), limit, o.prefetch(), o.force(),
            o.runDate(), o.progressSeconds(), 0, false))) {
      LabelJob.Summary s = LabelJob.run(spark, run.withCocoIds());
      assertEquals(3, s.images());
      assertEquals(2, s.errors(), run.output());
      Map<String, Row> byName = byName(rows(run.output()));
      for (String n : names) {
        Row r = byName.get(n);
        if (Files.size(dir.resolve(n)) <= limit) {
          assertEquals("ok", r.getString(4), n + ": " + r.getString(5));
        } else {
          assertEquals("error", r.getString(4), n);
          assertTrue(r.getString(5).contains(n) && r.getString(5).contains("exceeds the limit of " + limit),
              r.getString(5));
          assertEquals(ErrorKind.PERMANENT, r.getAs("error_kind"), "a bigger file does not shrink on retry");
        }
      }
    }
  }

  @Test
  void aManifestListsTheImagesAndAMissingOneIsAnErrorRow() throws Exception {
    Path manifest = tmp.resolve("manifest.txt");
    // written as an escaped file:/// URI; labeled under Hadoop's form, as listings write it
    String missingInManifest = tmp.resolve("gone/000000000001.jpg").toUri().toString();
    String missing = "file:" + tmp.resolve("gone/000000000001.jpg");
    Files.writeString(manifest, "# nightly batch\n"
        + IMAGES.resolve("000000000139.jpg").toUri() + "\n\n"
        + IMAGES.resolve("000000109313.jpg").toUri() + "\n"
        + IMAGES.resolve("000000109313.jpg").toUri() + "\n" // listed twice: labeled once
        + missingInManifest + "\n");
    String out = tmp.resolve("labels").toString();
    LabelJob.Options o = options(null, out, fast(0.2), 2, false, 0);
    LabelJob.Summary s = LabelJob.run(spark, new LabelJob.Options(null, manifest.toString(), o.glob(), o.output(),
        o.model(), o.engineThreads(), o.pipeline(), o.imagesPerTask(), o.bytesPerTask(), o.maxFileBytes(),
        o.prefetch(), o.force(), o.runDate(), o.progressSeconds(), 0, false));
    assertEquals(3, s.images());
    List<Row> rows = rows(out);
    assertEquals(3, rows.size());
    Row gone = rows.stream().filter(r -> r.getString(0).equals(missing)).findFirst().orElseThrow();
    assertEquals("error", gone.getString(4));
    assertEquals(missing + ": no such file or object", gone.getString(5));
  }

  @Test
  void reRunsLabelOnlyNewImagesAndForceReplacesEverything() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("photos"));
    List<String> names = List.of("000000000139.jpg", "000000000802.jpg", "000000011813.jpg", "000000109313.jpg",
        "000000165518.jpg", "000000343803.jpg");
    for (String n : names.subList(0, 4)) {
      Files.copy(IMAGES.resolve(n), dir.resolve(n));
    }
    String out = tmp.resolve("labels").toString();
    List<String> in = List.of(dir.toString());
    assertEquals(4, LabelJob.run(spark, options(in, out, fast(0.2), 2, false, 0)).images());
    LabelJob.Summary again = LabelJob.run(spark, options(in, out, fast(0.2), 2, false, 0));
    assertEquals(0, again.images());
    assertEquals(4, again.skippedAsLabeled());
    for (String n : names.subList(4, 6)) {
      Files.copy(IMAGES.resolve(n), dir.resolve(n));
    }
    assertEquals(2, LabelJob.run(spark, options(in, out, fast(0.2), 2, false, 0)).images());
    List<Row> rows = rows(out);
    assertEquals(6, rows.size());
    assertEquals(6, rows.stream().map(r -> r.getString(0)).distinct().count(), "never a duplicate row");
    assertEquals(2, LabelStore.completeRuns(spark.sparkContext().hadoopConfiguration(), out).size());
    assertEquals(6, LabelJob.run(spark, options(in, out, fast(0.2), 2, true, 0)).images());
    assertEquals(6, rows(out).size());
    assertEquals(1, LabelStore.completeRuns(spark.sparkContext().hadoopConfiguration(), out).size());
  }

  @Test
  void namesWithSpacesAndNonAsciiAndErrorsRetriedOnTheNextRun() throws Exception {
    Path nested = Files.createDirectories(tmp.resolve("photos/a b/ü"));
    Files.copy(IMAGES.resolve("000000109313.jpg"), nested.resolve("Müller 1.jpg"));
    Files.writeString(nested.resolve("later.jpg"), "not yet an image");
    String out = tmp.resolve("labels").toString();
    List<String> in = List.of(tmp.resolve("photos").toString());
    LabelJob.Summary first = LabelJob.run(spark, options(in, out, fast(0.2), 2, false, 0));
    assertEquals(2, first.images());
    assertEquals(1, first.errors(), "only later.jpg fails; the file with spaces and umlauts is read");
    Row mueller = rows(out).stream().filter(r -> r.getString(0).endsWith("Müller 1.jpg")).findFirst().orElseThrow();
    assertEquals("ok", mueller.getString(4), mueller.getString(5));
    assertTrue(mueller.getString(0).startsWith("file:/") && mueller.getString(0).contains("/a b/ü/"), mueller.getString(0));
    assertTrue(mueller.getLong(1) >= (1L << 61), "not a COCO file name: a hashed id");
    // the error is retried once the file is fixed; the image keeps one row, the latest
    Files.copy(IMAGES.resolve("000000343803.jpg"), nested.resolve("later.jpg"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    LabelJob.Summary second = LabelJob.run(spark, options(in, out, fast(0.2), 2, false, 0));
    assertEquals(1, second.images());
    assertEquals(0, second.errors());
    List<Row> rows = rows(out);
    assertEquals(2, rows.size());
    assertTrue(rows.stream().allMatch(r -> "ok".equals(r.getString(4))));
    assertEquals(3, LabelStore.readAll(spark, out).count(), "both runs are kept; reads take the latest row");
  }

  @Test
  void cocoIdsOnlyFromCocoFileNames() {
    assertEquals(139L, ImageIds.of("s3a://b/val2017/000000000139.jpg"));
    assertEquals(139L, ImageIds.of("file:/x/COCO_val2014_000000000139.jpg"));
    assertTrue(ImageIds.of("file:/2019/1.jpg") >= (1L << 61));
    assertTrue(ImageIds.of("file:/2019/1.jpg") != ImageIds.of("file:/2020/1.jpg"));
    // not a COCO split: 12-digit names in two folders are two images with two ids
    assertTrue(ImageIds.of("s3a://b/a/000000000139.jpg", false) != ImageIds.of("s3a://b/b/000000000139.jpg", false));
    assertTrue(ImageIds.of("s3a://b/a/000000000139.jpg", false) >= (1L << 61));
  }

  /** The first {@code count} val photos (linked, in name order) and a file that is not an image. */
  private Path photosAndABrokenFile(int count) throws java.io.IOException {
    return photosAndABrokenFile(tmp, count);
  }

  /** {@link #photosAndABrokenFile(int)} under any folder: {@code tmp/photos}. */
  static Path photosAndABrokenFile(Path tmp, int count) throws java.io.IOException {
    Path dir = Files.createDirectories(tmp.resolve("photos"));
    try (var list = Files.list(IMAGES)) {
      for (Path p : list.sorted().limit(count).toList()) {
        Files.createSymbolicLink(dir.resolve(p.getFileName()), p);
      }
    }
    Files.writeString(dir.resolve("broken.jpg"), "not an image");
    return dir;
  }

  @Test
  void aBatchedRunLabelsEveryImageAsOneImageAtATime() throws Exception {
    // batches of 4 prefetched images, same-sized network inputs sharing forwards (the GPU path),
    // against one image per forward; a broken file in between is its own error row
    Path dir = photosAndABrokenFile(30);
    String single = tmp.resolve("single").toString(), batched = tmp.resolve("batched").toString();
    LabelJob.Summary a = LabelJob.run(spark, options(List.of(dir.toString()), single, fast(0.2), 20, false, 1, 0));
    LabelJob.Summary b = LabelJob.run(spark, options(List.of(dir.toString()), batched, fast(0.2), 20, false, 4, 4));
    for (LabelJob.Summary s : List.of(a, b)) {
      assertEquals(31, s.images());
      assertEquals(1, s.errors());
    }
    assertEquals(byUri(rows(single)), byUri(rows(batched)));
  }

  @Test
  void aTaskKilledHalfWayThroughItsImagesIsRetriedAndEveryCountIsRightAfterwards() throws Exception {
    // the 79 val images and a broken file; the first labeling task seen with 3 or more images done
    // (from executor heartbeats) is killed by Spark and rescheduled: the retry labels its whole
    // partition again, and the counts must not include the killed attempt's images
    Path dir = photosAndABrokenFile(79);
    String clean = tmp.resolve("clean").toString(), retried = tmp.resolve("retried").toString();
    LabelJob.Summary c = LabelJob.run(spark, options(List.of(dir.toString()), clean, fast(0.2), 200, false, 0, 0));
    java.util.concurrent.atomic.AtomicLong killed = new java.util.concurrent.atomic.AtomicLong(-1);
    org.apache.spark.scheduler.SparkListener killer = killAfter("personlab.images", 3, killed);
    spark.sparkContext().addSparkListener(killer);
    LabelJob.Summary r;
    try {
      r = LabelJob.run(spark, options(List.of(dir.toString()), retried, fast(0.2), 200, false, 0, 0));
    } finally {
      spark.sparkContext().removeSparkListener(killer);
    }
    assertTrue(killed.get() >= 0, "a task was killed while labeling");
    for (LabelJob.Summary s : List.of(c, r)) {
      assertEquals(80, s.images());
      assertEquals(1, s.errors(), "the broken file counted once, whatever attempts ran");
    }
    List<Row> a = rows(clean), b = rows(retried);
    assertEquals(80, b.size());
    assertEquals(byUri(a), byUri(b));
  }

  @Test
  void theParquetIsReadByDuckDbAndItsMasksAreTheOneImagePathsMasks() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("photos"));
    List<String> names = List.of("000000109313.jpg", "000000343803.jpg");
    for (String n : names) {
      Files.copy(IMAGES.resolve(n), dir.resolve(n));
    }
    String out = tmp.resolve("labels").toString();
    PipelineConfig config = fast(0.2);
    LabelJob.run(spark, options(List.of(dir.toString()), out, config, 2, false, 0));
    // the masks of the one-image path (infer's code), decoded by the project's RLE decoder: what
    // a non-Spark reader of the Parquet file must find, pixel for pixel
    PersonLabModel model = PersonLabModel.shared(MODEL, 1);
    PersonLabPipeline pipeline = new PersonLabPipeline(model.spec(), config);
    Map<String, List<Rle>> expected = new TreeMap<>();
    try (PersonLabModel.Session session = model.newSession()) {
      for (String n : names) {
        List<Rle> masks = new ArrayList<>();
        for (io.personlab.people.Person p : pipeline.process(Files.readAllBytes(dir.resolve(n)), n, session).people()) {
          masks.add(p.mask());
        }
        expected.put(n, masks);
      }
    }
    Map<String, List<Rle>> fromDuck = new TreeMap<>();
    Class.forName("org.duckdb.DuckDBDriver");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT image_uri, p.mask.height, p.mask.width, p.mask.counts, p.mask_area FROM ("
                + "SELECT image_uri, unnest(people) AS p, generate_subscripts(people, 1) AS i FROM read_parquet('" + out
                + "/*/*/*.parquet', hive_partitioning = true)) ORDER BY image_uri, i")) {
      while (rs.next()) {
        String uri = rs.getString(1);
        // pycocotools' compressed string, decoded independently of Spark's reading of the file
        Rle mask = Rle.fromCompressedString(rs.getString(4), rs.getInt(2), rs.getInt(3));
        assertEquals(rs.getLong(5), mask.area(), "mask_area matches the decoded mask");
        fromDuck.computeIfAbsent(uri.substring(uri.lastIndexOf('/') + 1), k -> new ArrayList<>()).add(mask);
      }
    }
    assertEquals(expected, fromDuck, "every person's mask, in the decoder's order");
    assertTrue(expected.values().stream().mapToInt(List::size).sum() >= 2, "people compared: " + expected);
  }
}
