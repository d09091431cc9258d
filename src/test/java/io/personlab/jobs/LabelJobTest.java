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
import org.apache.spark.sql.Row;
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
        .config("spark.driver.host", "127.0.0.1").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static LabelJob.Options options(List<String> inputs, String output, PipelineConfig config, int imagesPerTask,
      boolean force, int failFirst) {
    // prefetch 2: most tests exercise the reader thread (a GPU task's default)
    return options(inputs, output, config, imagesPerTask, force, failFirst, 2);
  }

  static LabelJob.Options options(List<String> inputs, String output, PipelineConfig config, int imagesPerTask,
      boolean force, int failFirst, int prefetch) {
    return new LabelJob.Options(inputs, null, "*", output, MODEL, 1, config, imagesPerTask, 256L << 20,
        64L << 20, prefetch, force, "2026-11-25", 60, failFirst, false);
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
        io.personlab.people.CocoResults.add(img.id(), r.people(), kp, segm);
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
  }

  @Test
  void injectedTaskFailuresLeaveTheSameOutputAsACleanRun() throws Exception {
    List<String> in = List.of(IMAGES.toString());
    String clean = tmp.resolve("clean").toString(), retried = tmp.resolve("retried").toString();
    LabelJob.run(spark, options(in, clean, fast(0.2), 20, false, 0));
    // the first attempt of partitions 0 and 1 (of 4) throws after reading; Spark retries them
    LabelJob.run(spark, options(in, retried, fast(0.2), 20, false, 2));
    List<Row> a = rows(clean), b = rows(retried);
    assertEquals(79, b.size());
    assertEquals(byUri(a), byUri(b));
  }

  @Test
  void theParquetIsReadByDuckDbAndItsMasksDecodeToTheJobsMasks() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("photos"));
    for (String n : List.of("000000109313.jpg", "000000343803.jpg")) {
      Files.copy(IMAGES.resolve(n), dir.resolve(n));
    }
    String out = tmp.resolve("labels").toString();
    LabelJob.run(spark, options(List.of(dir.toString()), out, fast(0.2), 2, false, 0));
    List<Row> spark = rows(out);
    Class.forName("org.duckdb.DuckDBDriver");
    int compared = 0;
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT image_uri, p.mask.height, p.mask.width, p.mask.counts, p.mask_area, p.score FROM ("
                + "SELECT image_uri, unnest(people) AS p FROM read_parquet('" + out
                + "/*/*/*.parquet', hive_partitioning = true)) ORDER BY image_uri, p.score DESC")) {
      while (rs.next()) {
        String uri = rs.getString(1);
        Rle fromDuck = Rle.fromCompressedString(rs.getString(4), rs.getInt(2), rs.getInt(3));
        assertEquals(rs.getLong(5), fromDuck.area(), "mask_area matches the decoded mask");
        Row sparkRow = spark.stream().filter(r -> r.getString(0).equals(uri)).findFirst().orElseThrow();
        boolean same = false;
        for (Row p : sparkRow.<Row>getList(9)) {
          Row m = p.getStruct(3);
          same |= Rle.fromCompressedString(m.getString(2), m.getInt(0), m.getInt(1)).equals(fromDuck);
        }
        assertTrue(same, "DuckDB's mask is one the job computed");
        compared++;
      }
    }
    assertTrue(compared >= 2, "people compared: " + compared);
  }
}
