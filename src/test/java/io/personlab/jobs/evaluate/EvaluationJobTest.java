package io.personlab.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.cli.EvaluateCommandTest;
import io.personlab.coco.CocoDataset;
import io.personlab.eval.Accumulation;
import io.personlab.eval.Accumulator;
import io.personlab.eval.CocoEvaluator;
import io.personlab.eval.Detections;
import io.personlab.eval.EvalParams;
import io.personlab.eval.IouType;
import io.personlab.io.CocoJson;
import io.personlab.testing.SharedData;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The evaluation job on a real local Spark session: pycocotools' numbers to the last bit on every
 * reference case (with the ranking cut into several partitions), the same through import-coco,
 * the files under --output, a comparison, and errors that name the record.
 */
class EvaluationJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path REF = SharedData.cocoEval();
  private static final String GT = REF.resolve("gt_person_keypoints_val2017_mini.json").toString();
  static SparkSession spark;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("EvaluationJobTest")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static List<Arguments> cases() throws IOException {
    JsonNode manifest = JSON.readTree(REF.resolve("manifest.json").toFile());
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : manifest.get("cases")) {
      out.add(Arguments.of(c.get("case").asText(), c));
    }
    assertTrue(out.size() >= 10, "manifest lists " + out.size() + " cases");
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyReferenceCaseGivesPycocotoolsNumbersToTheLastBit(String name, JsonNode c) throws IOException {
    IouType type = IouType.parse(c.get("iouType").asText());
    String gt = REF.resolve(c.get("gt").asText()).toString();
    String results = REF.resolve(c.get("results").asText()).toString();
    EvaluationJob.Outcome outcome = EvaluationJob.run(spark, new EvaluationJob.Options(gt,
        List.of(new EvaluationJob.PredictionSet(results, null, null)), type, null, false, 5), l -> { });
    JsonNode expected = JSON.readTree(REF.resolve(c.get("expected").asText()).toFile());
    EvaluationJob.SetResult r = outcome.sets().get(0);
    assertEquals(expected.get("num_results").asInt(), r.predictions());
    assertArrayEquals(doubles(expected.get("stats")), r.summary().stats(), 0.0, name + " stats");
    Accumulation single = singleJvm(gt, results, type);
    assertArrayEquals(single.precision(), r.accumulation().precision(), 0.0, name + " precision");
    assertArrayEquals(single.recall(), r.accumulation().recall(), 0.0, name + " recall");
  }

  @Test
  void importedGroundTruthAndResultsGiveTheSameNumbersAndAnyEngineReadsThem() throws Exception {
    Path gt = tmp.resolve("gt"), res = tmp.resolve("res");
    String out = ok("import-coco", "--gt", REF.resolve("scale/gt_synthetic_scale.json.gz").toString(),
        "--output", gt.toString()).out();
    assertTrue(out.contains("imported 5000 images, 19855 annotations, 1 categories"), out);
    ok("import-coco", "--results", REF.resolve("scale/scale_segm_results.json.gz").toString(),
        "--output", res.toString());
    EvaluateCommandTest.Run r = ok("evaluate", "--gt", gt.toString(), "--predictions", res.toString(),
        "--iou-type", "segm", "--partitions", "3");
    JsonNode last = JSON.readTree(r.lastLine());
    assertEquals("spark", last.get("engine").asText(), "auto picks Spark for imports");
    JsonNode expected = JSON.readTree(REF.resolve("expected/scale_segm.json").toFile());
    assertArrayEquals(doubles(expected.get("stats")), doubles(last.get("stats")), 0.0);
    Class.forName("org.duckdb.DuckDBDriver");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
      ResultSet rs = c.createStatement().executeQuery("SELECT count(*), sum(CASE WHEN iscrowd THEN 1 ELSE 0 END), "
          + "count(DISTINCT id) FROM read_parquet('" + gt + "/annotations/*.parquet')");
      assertTrue(rs.next());
      assertEquals(19855, rs.getLong(1));
      assertEquals(607, rs.getLong(2));
      assertEquals(19855, rs.getLong(3));
    }
  }

  @Test
  void outputHoldsMetricsArraysCurvesAndPerImageResultsSideBySide() throws Exception {
    String a = REF.resolve("results/kp_jitter_results.json").toString();
    String b = REF.resolve("results/kp_ties_results.json").toString();
    Path out = tmp.resolve("out");
    EvaluateCommandTest.Run r = ok("evaluate", "--gt", GT, "--predictions", a, "--compare", b,
        "--iou-type", "keypoints", "--output", out.toString());
    double[] expectedA = doubles(JSON.readTree(REF.resolve("expected/kp_jitter.json").toFile()).get("stats"));
    double[] expectedB = doubles(JSON.readTree(REF.resolve("expected/kp_ties.json").toFile()).get("stats"));
    JsonNode last = JSON.readTree(r.lastLine());
    assertArrayEquals(expectedA, doubles(last.get("stats")), 0.0);
    assertArrayEquals(expectedB, doubles(last.get("compare").get("stats")), 0.0);
    assertTrue(r.out().contains("AP@[.50:.95|all|20]"), r.out());

    JsonNode metrics = JSON.readTree(out.resolve("metrics.json").toFile());
    assertEquals(79, metrics.get("images").asInt());
    assertEquals(2, metrics.get("prediction_sets").size());
    assertEquals(expectedB[0], metrics.get("prediction_sets").get(1).get("stats").get("AP@[.50:.95|all|20]")
        .asDouble(), 0.0);
    assertEquals(Files.size(Path.of(a)), metrics.get("prediction_sets").get(0).get("input").get("bytes").asLong());
    JsonNode acc = JSON.readTree(out.resolve("accumulation-b.json").toFile());
    assertEquals("[10,101,1,3,1]", acc.get("precision_shape").toString());
    assertEquals(10 * 101 * 3, acc.get("precision").size());
    for (String set : List.of("a", "b")) {
      BufferedImage png = ImageIO.read(out.resolve("pr-" + set + ".png").toFile());
      assertNotNull(png, "pr-" + set + ".png decodes");
      assertTrue(png.getWidth() >= 800, "one panel per area range");
    }

    List<Row> rows = spark.read().parquet(out.resolve("per_image").toString()).collectAsList();
    assertEquals(79, rows.stream().mapToLong(x -> x.<Long>getAs("image_id")).distinct().count());
    long gtA = rows.stream().mapToLong(x -> x.<Integer>getAs("a_ground_truth")).sum();
    long matchedB = rows.stream().mapToLong(x -> x.<Integer>getAs("b_matched_50")).sum();
    long missedB = rows.stream().mapToLong(x -> x.<Integer>getAs("b_missed_50")).sum();
    assertEquals(68, gtA, "people with keypoints, not crowd");
    assertEquals(gtA, matchedB + missedB);
    // AR@.50 with 20 detections per image is the share of people matched at OKS .50
    assertEquals(expectedB[6], matchedB / (double) gtA, 1e-12);
    Row worst = spark.read().parquet(out.resolve("per_image").toString())
        .where("a_ground_truth > 0").orderBy("a_mean_best_similarity").first();
    assertTrue(worst.<Double>getAs("a_mean_best_similarity") < 1, "a sortable quality per image");
  }

  @Test
  void errorsNameTheRecordAndLenientModeCountsWhatItSkips() throws Exception {
    Path absent = write("absent.json", "[" + EvaluateCommandTest.pose(139, 0.9) + "," + EvaluateCommandTest.pose(424242, 0.5) + "]");
    EvaluateCommandTest.Run strict = EvaluateCommandTest.run("evaluate", "--engine", "spark", "--gt", GT,
        "--predictions", absent.toString(), "--iou-type", "keypoints");
    assertEquals(1, strict.exit());
    assertEquals("error: " + absent + ": result #1: image_id 424242 is not in the ground truth " + GT,
        lastLine(strict.err()));
    EvaluateCommandTest.Run lenient = ok("evaluate", "--lenient", "--gt", GT, "--predictions",
        absent.toString(), "--iou-type", "keypoints");
    assertEquals(1, JSON.readTree(lenient.lastLine()).get("skipped").asInt());
    assertTrue(lenient.err().contains("lenient mode skipped 1 prediction(s) {ABSENT_IMAGE=1}"), lenient.err());

    Path nan = write("nan.json", "[" + EvaluateCommandTest.pose(139, 0.9) + "," + EvaluateCommandTest.pose(139, 0.5).replace("0.5", "NaN") + "]");
    assertError(nan.toString(), "keypoints", nan + ": result #1 (image_id 139): score is NaN");
    EvaluateCommandTest.Run skipped = ok("evaluate", "--lenient", "--gt", GT, "--predictions", nan.toString(),
        "--iou-type", "keypoints");
    assertEquals(1, JSON.readTree(skipped.lastLine()).get("predictions").asInt(), "the readable one evaluated");
    assertTrue(skipped.err().contains("{UNREADABLE=1}") && skipped.err().contains("score is NaN"), skipped.err());
    assertError(REF.resolve("results/segm_exact_results.json").toString(), "keypoints",
        "has no keypoints");
    Path rle = write("rle.json", "[{\"image_id\": 139, \"category_id\": 1, \"score\": 0.5, "
        + "\"segmentation\": {\"size\": [426, 640], \"counts\": \"}}}}\"}}]");
    assertError(rle.toString(), "segm", rle + ": result #0 (image_id 139): bad segmentation");

    String gtText = Files.readString(Path.of(GT));
    JsonNode gtJson = JSON.readTree(gtText);
    long firstId = gtJson.get("annotations").get(0).get("id").asLong();
    long secondId = gtJson.get("annotations").get(1).get("id").asLong();
    Path dupAnn = write("dup_ann.json", gtText.replace("\"id\": " + secondId + "}", "\"id\": " + firstId + "}")
        .replace("\"id\": " + secondId + ",", "\"id\": " + firstId + ","));
    EvaluateCommandTest.Run dup = EvaluateCommandTest.run("evaluate", "--engine", "spark", "--gt",
        dupAnn.toString(), "--predictions", REF.resolve("results/kp_exact_results.json").toString(),
        "--iou-type", "keypoints");
    assertEquals(1, dup.exit());
    assertTrue(dup.err().contains(dupAnn + ": annotation ids must be unique: id " + firstId + " (2 times)"),
        dup.err());
  }

  @Test
  void anImageListedTwiceAndAMalformedPolygonAreNamed() throws Exception {
    String gtText = Files.readString(Path.of(GT));
    JsonNode first = JSON.readTree(gtText).get("images").get(0);
    Path twice = write("twice.json", gtText.replaceFirst("\"images\": \\[", "\"images\": [" + first + ", "));
    EvaluateCommandTest.Run r = EvaluateCommandTest.run("evaluate", "--engine", "spark", "--gt", twice.toString(),
        "--predictions", REF.resolve("results/kp_exact_results.json").toString(), "--iou-type", "keypoints");
    assertEquals(1, r.exit());
    assertTrue(lastLine(r.err()).contains(twice + ": image id " + first.get("id").asLong() + " is listed 2 times"),
        r.err());
    Path polygon = write("polygon.json", "[{\"image_id\": 139, \"category_id\": 1, \"score\": 0.5, "
        + "\"segmentation\": [[10, 10, 20]]}]");
    assertError(polygon.toString(), "segm", polygon + ": result #0 (image_id 139): bad segmentation");
  }

  private void assertError(String predictions, String type, String expected) {
    EvaluateCommandTest.Run r = EvaluateCommandTest.run("evaluate", "--engine", "spark", "--gt", GT,
        "--predictions", predictions, "--iou-type", type);
    assertEquals(1, r.exit(), r.out());
    assertTrue(lastLine(r.err()).startsWith("error: ") && lastLine(r.err()).contains(expected), r.err());
  }

  private static String lastLine(String text) {
    List<String> lines = text.lines().toList();
    return lines.get(lines.size() - 1);
  }

  private static EvaluateCommandTest.Run ok(String... args) {
    EvaluateCommandTest.Run r = EvaluateCommandTest.run(args);
    assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
    return r;
  }

  private Path write(String name, String content) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
  }

  private static Accumulation singleJvm(String gtPath, String results, IouType type) {
    CocoDataset gt = CocoJson.readDataset(gtPath);
    EvalParams params = EvalParams.defaults(type);
    var dts = Detections.prepare(gt, CocoJson.readResults(results), results, params.oksSigmas().length);
    return Accumulator.accumulate(params, new CocoEvaluator(params).evaluateImages(gt, dts, results, 1, w -> { }));
  }
}
