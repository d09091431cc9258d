package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.cli.EvaluateCommandTest;
import io.personlab.maps.EnsembleWeights;
import io.personlab.model.PersonLabModel;
import io.personlab.model.tfjs.TfjsImporter;
import io.personlab.people.Person;
import io.personlab.pipeline.ImageResult;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import io.personlab.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The label job with an ensemble (issue 12's balanced preset: PoseNet as shipped, a TensorFlow.js
 * graph model, beside BodyPix stride 16, PoseNet's pose heads with BodyPix's mask heads) on a real
 * local Spark session: its rows are the in-JVM pipeline's people for the same photos, models and
 * weights; its configuration is its own; export-coco reads it.
 */
class LabelEnsembleTest {
  static SparkSession spark;
  @TempDir static Path cache;
  @TempDir Path tmp;
  static final Path IMAGES = LabelJobTest.IMAGES;
  static final String BODYPIX = LabelJobTest.MODEL;
  static final String POSENET = SharedData.path("models/posenet-mobilenet-tfjs/posenet.json").toString();
  static final String WEIGHTS = "1,0;segmentation=0,1;long=0,1";
  static final List<String> PHOTOS = List.of("000000350679.jpg", "000000217285.jpg", "000000192699.jpg",
      "000000000139.jpg");

  @BeforeAll
  static void start() {
    System.setProperty(ModelStaging.CACHE_PROPERTY, cache.resolve("model-cache").toString());
    spark = SparkSession.builder().master("local[2]").appName("LabelEnsembleTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
    System.clearProperty(ModelStaging.CACHE_PROPERTY);
  }

  static PipelineConfig config(boolean flip) {
    PipelineConfig d = PipelineConfig.singleScale(385);
    return new PipelineConfig(d.longSides(), d.decoder(), d.masks(), d.maxPixels(), 0.2, flip);
  }

  private Path photos() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("photos"));
    for (String p : PHOTOS) {
      Files.createSymbolicLink(dir.resolve(p), IMAGES.resolve(p));
    }
    return dir;
  }

  private static LabelJob.Options options(Path photos, String out, List<String> models, String weights,
      PipelineConfig config, int batch, int prefetch) {
    return new LabelJob.Options(List.of(photos.toString()), null, "*", out, String.join(",", models), 1, config, 2,
        256L << 20, 64L << 20, prefetch, false, "2026-12-07", 60, batch, false).withCocoIds()
        .withModels(models, weights);
  }

  @Test
  void anEnsembleRunGivesTheInJvmPipelinesPeopleAndItsOwnConfiguration() throws Exception {
    Path photos = photos();
    // the reference: PoseNet imported as import-model does, both networks through the one-image path
    Path imported = TfjsImporter.importGraphModel(Path.of(POSENET), tmp.resolve("posenet-savedmodel")).savedModelDir();
    PersonLabModel posenet = PersonLabModel.shared(imported.toString(), 1);
    PersonLabModel bodypix = PersonLabModel.shared(BODYPIX, 1);
    EnsembleWeights weights = EnsembleWeights.parse(WEIGHTS, 2);
    for (boolean flip : new boolean[] {false, true}) {
      PipelineConfig config = config(flip);
      PersonLabPipeline pipeline = new PersonLabPipeline(List.of(posenet.spec(), bodypix.spec()), weights, config);
      // one image per forward without prefetch (CPU tasks); batches of 2 prefetched images with flip
      String out = tmp.resolve("labels-" + flip).toString();
      LabelJob.Summary s = LabelJob.run(spark, options(photos, out, List.of(POSENET, BODYPIX), WEIGHTS, config,
          flip ? 2 : 1, flip ? 2 : 0));
      assertEquals(PHOTOS.size(), s.images());
      assertEquals(0, s.errors());
      Map<String, Row> rows = LabelJobTest.byName(LabelStore.read(spark, out).collectAsList());
      int people = 0;
      long maskArea = 0;
      double unlikeBodyPix = 0; // PoseNet's keypoints count: the largest keypoint difference to BodyPix alone
      PersonLabPipeline bodypixAlone = new PersonLabPipeline(bodypix.spec(), config);
      try (PersonLabModel.Session p = posenet.newSession(); PersonLabModel.Session b = bodypix.newSession()) {
        for (String photo : PHOTOS) {
          ImageResult r = pipeline.process(Files.readAllBytes(IMAGES.resolve(photo)), photo, List.of(p, b));
          ImageResult alone = bodypixAlone.process(Files.readAllBytes(IMAGES.resolve(photo)), photo, b);
          for (int i = 0; i < Math.min(r.people().size(), alone.people().size()); i++) {
            for (int k = 0; k < r.people().get(i).keypoints().length; k++) {
              unlikeBodyPix = Math.max(unlikeBodyPix,
                  Math.abs(r.people().get(i).keypoints()[k] - alone.people().get(i).keypoints()[k]));
            }
          }
          if (r.people().size() != alone.people().size()) {
            unlikeBodyPix = Double.POSITIVE_INFINITY;
          }
          Row row = rows.get(photo);
          assertEquals("ok", row.getString(4), photo);
          assertEquals(posenet.spec().name() + "+" + bodypix.spec().name(), row.getString(6));
          List<Row> got = row.getList(9);
          assertEquals(r.people().size(), got.size(), photo + " flip " + flip);
          for (int i = 0; i < got.size(); i++) {
            Person want = r.people().get(i);
            Row g = got.get(i);
            assertEquals(want.score(), g.getDouble(0), 1e-6, photo);
            List<Double> kp = g.getList(1);
            assertEquals(want.keypoints().length, kp.size());
            for (int k = 0; k < kp.size(); k++) {
              assertEquals(want.keypoints()[k], kp.get(k), 1e-6, photo + " person " + i + " value " + k);
            }
            // masks come from BodyPix alone (PoseNet has no mask heads): every person has one
            assertTrue(g.getStruct(3) != null, photo + " person " + i + " has no mask");
            maskArea += g.getLong(4);
            assertEquals(want.mask().toCompressedString(), g.getStruct(3).getString(2), photo + " mask " + i);
          }
          people += got.size();
        }
      }
      assertTrue(people >= 5, "people found: " + people);
      assertTrue(maskArea > 10_000, "mask pixels: " + maskArea);
      assertTrue(unlikeBodyPix > 1, "the ensemble's keypoints are BodyPix's alone: PoseNet's maps were not used");
      // the stored configuration names every member
      JsonNode run = new ObjectMapper().readTree(Path.of(s.runDirectory(), EffectiveConfiguration.FILE_NAME).toFile());
      JsonNode members = run.path("model").path("members");
      assertEquals(2, members.size(), run.toString());
      assertEquals(posenet.spec().name(), members.get(0).path("model_id").asText());
      assertEquals(ModelStaging.localHash(Path.of(BODYPIX)), members.get(1).path("sha256").asText());
      assertEquals(0.0, members.get(0).path("weights").path("segmentation").asDouble());
      assertEquals(LabelModels.specHash(List.of(posenet.spec(), bodypix.spec()), weights),
          rows.get(PHOTOS.get(0)).getString(7));
      assertEquals(WEIGHTS, run.path("options").path("modelWeights").asText());
      if (!flip) {
        // export-coco reads the ensemble's labels
        Path exported = tmp.resolve("kp.json");
        EvaluateCommandTest.Run e = EvaluateCommandTest.run("export-coco", "--labels", out, "--output",
            exported.toString(), "--iou-type", "keypoints");
        assertEquals(0, e.exit(), e.err());
        assertEquals(people, new ObjectMapper().readTree(exported.toFile()).size());
      }
    }
  }

  @Test
  void theConfigurationChangesWithEveryMembersBytesTheWeightsAndTheOrder() throws Exception {
    PipelineConfig config = config(false);
    LabelJob.Options base = options(tmp, tmp.resolve("x").toString(), List.of(BODYPIX), null, config, 1, 0);
    String single = id(base);
    // one model: the id it always had
    ModelStaging.Checked b = ModelStaging.resolve(spark, BODYPIX);
    assertEquals(LabelTable.configId(ModelStaging.localHash(Path.of(BODYPIX)), b.location().spec().hash(), config),
        single);
    LabelModels m = LabelModels.resolve(spark, base);
    assertEquals(b.location().spec().name(), m.modelId());
    String stride8 = SharedData.path("models/bodypix-mobilenet050-stride8.onnx").toString();
    String ensemble = id(base.withModels(List.of(POSENET, BODYPIX), WEIGHTS));
    String other = id(base.withModels(List.of(POSENET, stride8), WEIGHTS));
    String weights = id(base.withModels(List.of(POSENET, BODYPIX), "0.5,0.5"));
    String order = id(base.withModels(List.of(BODYPIX, POSENET), "0,1;segmentation=1,0;long=1,0"));
    String flipped = LabelTable.configId(LabelModels.resolve(spark, base.withModels(List.of(POSENET, BODYPIX), WEIGHTS))
        .contentHash(), LabelModels.resolve(spark, base.withModels(List.of(POSENET, BODYPIX), WEIGHTS)).specHash(),
        config.withFlip(true));
    List<String> ids = List.of(single, ensemble, other, weights, order, flipped);
    assertEquals(ids.size(), ids.stream().distinct().count(), ids.toString());
    // a member's bytes: the same spec with a changed byte is another configuration
    Path copy = tmp.resolve("bodypix-mobilenet050-stride16.onnx");
    byte[] bytes = Files.readAllBytes(Path.of(BODYPIX));
    bytes[bytes.length - 1] ^= 1;
    Files.write(copy, bytes);
    assertNotEquals(ensemble, id(base.withModels(List.of(POSENET, copy.toString()), WEIGHTS)));
  }

  @Test
  void anEnsembleRunIntoTheLabelTableIsItsOwnConfigurationWithItsMembersInTheSnapshot() throws Exception {
    Path photos = Files.createDirectories(tmp.resolve("two"));
    for (String p : PHOTOS.subList(0, 2)) {
      Files.createSymbolicLink(photos.resolve(p), IMAGES.resolve(p));
    }
    String out = tmp.resolve("store").toString();
    LabelJob.Options o = options(photos, out, List.of(POSENET, BODYPIX), WEIGHTS, config(false), 1, 0)
        .intoTable("labels");
    LabelJob.Summary s = LabelJob.run(spark, o);
    assertEquals(2, s.images());
    LabelModels m = LabelModels.resolve(spark, o);
    String ensembleId = LabelTable.configId(m.contentHash(), m.specHash(), o.pipeline());
    LabelJob.Options single = o.withModels(List.of(BODYPIX), null);
    LabelModels one = LabelModels.resolve(spark, single);
    assertNotEquals(LabelTable.configId(one.contentHash(), one.specHash(), o.pipeline()), ensembleId);
    String table = LabelTable.resolve(spark, "labels", out);
    List<Row> rows = LabelTable.current(spark, table, ensembleId).collectAsList();
    assertEquals(2, rows.size());
    for (Row r : rows) {
      assertEquals("ok", r.getAs("status"));
      assertEquals("posenet+bodypix-mobilenet050-stride16", r.getAs("model_id"));
      assertEquals(m.specHash(), r.getAs("spec_hash"));
      assertEquals(m.contentHash(), r.getAs("model_sha256"));
    }
    Map<String, String> summary = spark.sql("SELECT summary FROM " + table + ".snapshots ORDER BY committed_at DESC LIMIT 1")
        .first().getJavaMap(0);
    assertEquals(ensembleId, summary.get("personlab.config-id"));
    JsonNode members = new ObjectMapper().readTree(summary.get("personlab.configuration")).path("model").path("members");
    assertEquals(2, members.size());
    assertEquals(ModelStaging.localHash(Path.of(POSENET)), members.get(0).path("sha256").asText());
  }

  /** The pose chain with the left shoulder hung from the left eye instead of the nose: another tree. */
  private static String otherEdges() {
    io.personlab.geometry.Skeleton chain = io.personlab.geometry.CocoKeypoints.POSE_CHAIN;
    StringBuilder b = new StringBuilder("[");
    for (int e = 0; e < chain.numEdges(); e++) {
      String parent = chain.keypointNames().get(chain.parents()[e]), child = chain.keypointNames().get(chain.children()[e]);
      if (parent.equals("nose") && child.equals("left_shoulder")) {
        parent = "left_eye";
      }
      b.append(e == 0 ? "" : ",").append("[\"").append(parent).append("\",\"").append(child).append("\"]");
    }
    return b.append("]").toString();
  }

  private static String id(LabelJob.Options o) {
    LabelModels m = LabelModels.resolve(spark, o);
    return LabelTable.configId(m.contentHash(), m.specHash(), o.pipeline());
  }

  @Test
  void badEnsemblesAreRefusedNamingTheInput() throws Exception {
    PipelineConfig config = config(false);
    LabelJob.Options base = options(tmp, tmp.resolve("x").toString(), List.of(BODYPIX), null, config, 1, 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelJob.run(spark,
        base.withModels(List.of(BODYPIX, "/no/such/model.onnx"), null)));
    assertTrue(e.getMessage().contains("--model #2") && e.getMessage().contains("/no/such/model.onnx"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LabelJob.run(spark,
        base.withModels(List.of(BODYPIX, "nosuchfs://models/m.onnx"), null)));
    assertTrue(e.getMessage().contains("--model #2") && e.getMessage().contains("nosuchfs://models/m.onnx"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LabelJob.run(spark,
        base.withModels(List.of(POSENET, BODYPIX), "0.5,0.3,0.2")));
    assertTrue(e.getMessage().contains("--model-weights 0.5,0.3,0.2") && e.getMessage().contains("3 values for 2 models"),
        e.getMessage());
    // PoseNet has no mask heads: BodyPix's weighed 0 leaves masks from nobody
    e = assertThrows(IllegalArgumentException.class, () -> LabelJob.run(spark,
        base.withModels(List.of(POSENET, BODYPIX), "1,0")));
    assertTrue(e.getMessage().contains("segmentation has weight 0"), e.getMessage());
    // a network with other keypoints/edges: grids that cannot be merged
    Path other = tmp.resolve("other-net.onnx");
    Files.createSymbolicLink(other, Path.of(BODYPIX));
    String spec = new String(LabelEnsembleTest.class.getResourceAsStream(
        "/io/personlab/model/specs/bodypix-mobilenet050-stride16.json").readAllBytes())
        .replace("\"bodypix-mobilenet050-stride16\"", "\"other-net\"")
        .replace("bodypix-mobilenet050-stride16.onnx", "other-net.onnx")
        .replace("\"channelLayout\"", "\"edges\": " + otherEdges() + ", \"channelLayout\"");
    Files.writeString(tmp.resolve("other-net.onnx.spec.json"), spec);
    e = assertThrows(IllegalArgumentException.class, () -> LabelJob.run(spark,
        base.withModels(List.of(BODYPIX, other.toString()), null)));
    assertTrue(e.getMessage().contains("cannot be merged") && e.getMessage().contains("other-net.onnx"), e.getMessage());
  }
}
