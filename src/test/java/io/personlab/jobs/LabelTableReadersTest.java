package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.cli.EvaluateCommandTest;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoResult;
import io.personlab.eval.IouType;
import io.personlab.io.CocoJson;
import io.personlab.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The label table's readers on a real local Spark session, through the command line:
 * export-coco --table, export-parquet and import-runs.
 */
class LabelTableReadersTest {
  static SparkSession spark;
  static final Path IMAGES = SharedData.path("data/coco-mini-val/images");
  static final CocoDataset GT =
      CocoJson.readDataset(SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json").toString());
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    // the commands' own Spark.session finds this one (getOrCreate)
    spark = SparkSession.builder().master("local[2,4]").appName("LabelTableReadersTest")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.extensions", LabelTable.EXTENSIONS)
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  Path photos(String name, List<String> files) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (String f : files) {
      Files.copy(IMAGES.resolve(f), dir.resolve(f));
    }
    return dir;
  }

  static EvaluateCommandTest.Run ok(String... args) {
    EvaluateCommandTest.Run r = EvaluateCommandTest.run(args);
    assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
    return r;
  }

  List<CocoResult> exportCoco(IouType type, String... source) throws Exception {
    Path out = Files.createTempFile(tmp, type.cocoName(), ".json");
    List<String> args = new ArrayList<>(List.of("export-coco", "--output", out.toString(), "--iou-type", type.cocoName()));
    args.addAll(List.of(source));
    ok(args.toArray(String[]::new));
    return CocoJson.readResults(out.toString());
  }

  static void assertSameAp(List<CocoResult> expected, List<CocoResult> actual, IouType type) {
    assertEquals(expected.size(), actual.size(), type + " results");
    assertTrue(!expected.isEmpty());
    assertArrayEquals(LabelJobTest.stats(GT, expected, type), LabelJobTest.stats(GT, actual, type), 0.0, type.cocoName());
  }

  @Test
  void exportsOfTheTableEqualTheRunDirectoriesWithoutMissingImagesAndOfOneConfiguration() throws Exception {
    Path photos = photos("photos", List.of("000000000139.jpg", "000000109313.jpg", "000000011813.jpg",
        "000000343803.jpg"));
    String runs = tmp.resolve("runs").toString(), warehouse = tmp.resolve("warehouse").toString();
    LabelJob.run(spark, LabelJobTest.options(List.of(photos.toString()), runs, LabelJobTest.fast(0.2), 200, false, 0));
    String table = LabelJob.run(spark, LabelTableTest.options(photos, warehouse, "labels", LabelJobTest.fast(0.2)))
        .runDirectory();
    assertTrue(Files.isDirectory(Path.of(warehouse, "labels", "labels", "metadata")), "the bare name's location");
    for (IouType type : List.of(IouType.KEYPOINTS, IouType.SEGM)) {
      assertSameAp(exportCoco(type, "--labels", runs), exportCoco(type, "--table", "labels", "--labels", warehouse), type);
    }

    // a deleted file: marked missing by the next run, and no longer exported
    Files.delete(photos.resolve("000000011813.jpg"));
    LabelJob.run(spark, LabelTableTest.options(photos, warehouse, "labels", LabelJobTest.fast(0.2)));
    String config = LabelTable.configurationToRead(spark, table, null);
    assertTrue((boolean) spark.table(table).where("image_id = 11813").first().getAs("missing"));
    List<CocoResult> present = exportCoco(IouType.KEYPOINTS, "--labels", runs).stream()
        .filter(r -> r.imageId() != 11813).toList();
    List<CocoResult> fromTable = exportCoco(IouType.KEYPOINTS, "--table", "labels", "--labels", warehouse);
    assertTrue(fromTable.stream().noneMatch(r -> r.imageId() == 11813));
    assertSameAp(present, fromTable, IouType.KEYPOINTS);

    // the README's query through a catalog configured by hand on the same warehouse
    spark.conf().set("spark.sql.catalog.personlab", "org.apache.iceberg.spark.SparkCatalog");
    spark.conf().set("spark.sql.catalog.personlab.type", "hadoop");
    spark.conf().set("spark.sql.catalog.personlab.warehouse", warehouse);
    assertEquals(3, spark.sql("SELECT * FROM personlab.labels.labels WHERE config_id = '" + config
        + "' AND NOT missing").count());

    // a Parquet snapshot for tools without Iceberg: one row per present image, the table's columns
    Path snapshot = tmp.resolve("snapshot");
    ok("export-parquet", "--table", "labels", "--labels", warehouse, "--output", snapshot.toString());
    assertTrue(!Files.exists(snapshot.resolve("metadata")));
    Class.forName("org.duckdb.DuckDBDriver");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
      String files = "read_parquet('" + snapshot + "/*.parquet')";
      ResultSet rs = c.createStatement().executeQuery("SELECT count(*), count(DISTINCT image_uri), "
          + "count(DISTINCT config_id), max(config_id), bool_or(missing), min(labeled_at) > TIMESTAMP '2020-01-01' FROM "
          + files);
      assertTrue(rs.next());
      assertEquals(3, rs.getLong(1));
      assertEquals(3, rs.getLong(2));
      assertEquals(1, rs.getLong(3));
      assertEquals(config, rs.getString(4));
      assertTrue(!rs.getBoolean(5));
      assertTrue(rs.getBoolean(6), "timestamps read as timestamps");
      List<String> columns = new ArrayList<>();
      ResultSet d = c.createStatement().executeQuery("DESCRIBE SELECT * FROM " + files);
      while (d.next()) {
        columns.add(d.getString(1));
      }
      assertEquals(List.of(LabelTable.SCHEMA.fieldNames()), columns);
    }
    EvaluateCommandTest.Run again = EvaluateCommandTest.run("export-parquet", "--table", "labels", "--labels", warehouse,
        "--output", snapshot.toString());
    assertEquals(1, again.exit());
    assertTrue(again.err().contains("exists: give --overwrite"), again.err());
    ok("export-parquet", "--table", "labels", "--labels", warehouse, "--output", snapshot.toString(), "--overwrite");

    // a second configuration: exports must name one
    LabelJob.run(spark, LabelTableTest.options(photos, warehouse, "labels", LabelJobTest.fast(0.1)));
    List<String> configs = LabelTable.configurations(spark, table);
    assertEquals(2, configs.size());
    EvaluateCommandTest.Run ambiguous = EvaluateCommandTest.run("export-coco", "--table", "labels", "--labels",
        warehouse, "--output", tmp.resolve("x.json").toString(), "--iou-type", "keypoints");
    assertEquals(1, ambiguous.exit());
    assertTrue(ambiguous.err().contains("choose one with --config-id") && ambiguous.err().contains(configs.get(0))
        && ambiguous.err().contains(configs.get(1)), ambiguous.err());
    assertSameAp(present, exportCoco(IouType.KEYPOINTS, "--table", "labels", "--labels", warehouse, "--config-id",
        config), IouType.KEYPOINTS);
    // the evaluation job reads the table itself: each configuration, and both side by side, give
    // the numbers of its COCO export evaluated by the single-JVM evaluator
    String gtPath = SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json").toString();
    for (IouType type : List.of(IouType.KEYPOINTS, IouType.SEGM)) {
      EvaluateCommandTest.Run both = ok("evaluate", "--gt", gtPath, "--predictions", warehouse, "--table", "labels",
          "--config-id", configs.get(0), "--compare-config-id", configs.get(1), "--iou-type", type.cocoName());
      com.fasterxml.jackson.databind.JsonNode last = new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(both.lastLine());
      assertEquals("spark", last.get("engine").asText());
      for (int c = 0; c < 2; c++) {
        double[] expected = LabelJobTest.stats(GT, exportCoco(type, "--table", "labels", "--labels", warehouse,
            "--config-id", configs.get(c)), type);
        com.fasterxml.jackson.databind.JsonNode got = c == 0 ? last.get("stats") : last.get("compare").get("stats");
        assertEquals(expected.length, got.size());
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], got.get(i).asDouble(), 0.0, type + " configuration " + c + " stat " + i);
        }
      }
      assertTrue(both.out().contains("(configuration " + configs.get(1) + ")"), both.out());
    }
    EvaluateCommandTest.Run unknown = EvaluateCommandTest.run("export-parquet", "--table", "labels", "--labels",
        warehouse, "--config-id", "0123456789abcdef", "--output", tmp.resolve("y").toString());
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("no configuration 0123456789abcdef"), unknown.err());
    EvaluateCommandTest.Run noWarehouse = EvaluateCommandTest.run("export-parquet", "--table", "labels",
        "--output", tmp.resolve("z").toString());
    assertEquals(1, noWarehouse.exit());
    assertTrue(noWarehouse.err().contains("needs --labels URI"), noWarehouse.err());
  }

  @Test
  void importRunsGivesEachImageItsLatestRowOnceAndImportingAgainChangesNothing() throws Exception {
    Path photos = photos("old", List.of("000000000139.jpg", "000000109313.jpg", "000000011813.jpg"));
    Files.writeString(photos.resolve("notes.jpg"), "text, not an image");
    String runs = tmp.resolve("runs").toString();
    LabelJob.run(spark, LabelJobTest.options(List.of(photos.toString()), runs, LabelJobTest.fast(0.2), 200, false, 0));
    Files.copy(IMAGES.resolve("000000343803.jpg"), photos.resolve("000000343803.jpg"));
    LabelJob.run(spark, LabelJobTest.options(List.of(photos.toString()), runs, LabelJobTest.fast(0.2), 200, false, 0));
    assertEquals(2, LabelStore.completeRuns(spark.sparkContext().hadoopConfiguration(), runs).size());
    Map<String, Row> old = LabelStore.read(spark, runs).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("image_uri"), r -> r));
    assertEquals(5, old.size());

    String out = ok("import-runs", "--labels", runs, "--table", "labels").out();
    assertTrue(out.contains("imported 5 images") && out.contains("(5 rows written)"), out);
    String table = LabelTable.name(spark, "labels", runs);
    List<Row> rows = spark.table(table).orderBy("image_uri").collectAsList();
    assertEquals(5, rows.size());
    for (Row r : rows) {
      Row o = old.get(r.<String>getAs("image_uri"));
      for (String c : List.of("image_id", "status", "error", "error_kind", "model_id", "spec_hash", "run_id")) {
        assertEquals((Object) o.getAs(c), r.getAs(c), c);
      }
      assertEquals(o.getList(o.fieldIndex("people")).toString(), r.getList(r.fieldIndex("people")).toString());
      assertTrue(r.<String>getAs("config_id").startsWith("imported-"), r.<String>getAs("config_id"));
      assertEquals(1, (int) r.getAs("attempts"));
      assertTrue(!(boolean) r.getAs("missing"));
      assertNull(r.getAs("file_size"));
      assertNull(r.getAs("model_sha256"));
      assertEquals(LabelTableImport.runTime(r.getAs("run_id")), r.getAs("labeled_at"));
    }
    assertEquals(2, rows.stream().map(r -> r.getAs("run_id")).distinct().count(), "the latest run of each image");
    assertEquals(1, LabelTable.configurations(spark, table).size());
    assertEquals(2, LabelStore.completeRuns(spark.sparkContext().hadoopConfiguration(), runs).size(),
        "the table beside the runs is no run");

    long snapshots = spark.table(table + ".snapshots").count();
    assertTrue(ok("import-runs", "--labels", runs, "--table", "labels").out().contains("(0 rows written)"));
    assertEquals(snapshots, spark.table(table + ".snapshots").count(), "nothing committed");
    assertEquals(rows.toString(), spark.table(table).orderBy("image_uri").collectAsList().toString());
    assertSameAp(exportCoco(IouType.KEYPOINTS, "--labels", runs),
        exportCoco(IouType.KEYPOINTS, "--table", "labels", "--labels", runs), IouType.KEYPOINTS);
  }

  @Test
  void runIdsGiveTheRunsStartAndHelpFitsOneHundredColumns() {
    long now = System.currentTimeMillis();
    long t = LabelTableImport.runTime(LabelJob.newRunId()).getTime();
    assertTrue(Math.abs(t - now) < 5_000, t + " vs " + now);
    assertEquals(java.sql.Timestamp.from(java.time.Instant.parse("2026-11-25T10:15:30.123456Z")),
        LabelTableImport.runTime("20261125T101530123456Z-1a2b"));
    assertNull(LabelTableImport.runTime("manual-run"));
    for (String command : List.of("export-coco", "export-parquet", "import-runs")) {
      EvaluateCommandTest.Run r = ok(command, "--help");
      assertTrue(r.out().lines().allMatch(l -> l.length() <= 100), r.out());
      assertTrue(ok("--help").out().contains(command));
    }
  }
}
