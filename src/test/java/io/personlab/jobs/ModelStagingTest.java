package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.model.ModelLocation;
import io.personlab.testing.LocalS3;
import io.personlab.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --model from anywhere: S3 (file, file with spec, archived SavedModel-style directory), shipped files, errors. */
class ModelStagingTest {
  static final Path MODEL = SharedData.path("models/bodypix-mobilenet050-stride16.onnx");
  static SparkSession spark;
  static LocalS3 s3;
  @TempDir static Path cache;
  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    System.setProperty(ModelStaging.CACHE_PROPERTY, cache.toString());
    s3 = new LocalS3();
    s3.client().createBucket("models");
    s3.client().putObject("models", "bodypix/bodypix-mobilenet050-stride16.onnx", MODEL.toFile());
    spark = SparkSession.builder().master("local[2]").appName("ModelStagingTest")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
    s3.configure(spark.sparkContext().hadoopConfiguration());
  }

  @AfterAll
  static void stop() {
    spark.stop();
    s3.close();
    System.clearProperty(ModelStaging.CACHE_PROPERTY);
  }

  @Test
  void aRemoteTensorFlowJsModelComesWithItsWeightsAndIsImportedOncePerHostUnderItsHash() throws Exception {
    Path json = SharedData.path("models/posenet-mobilenet-tfjs/posenet.json");
    s3.client().putObject("models", "posenet/posenet.json", json.toFile());
    s3.client().putObject("models", "posenet/posenet.bin", json.resolveSibling("posenet.bin").toFile());
    s3.client().putObject("models", "nobin/posenet.json", json.toFile());
    ModelStaging.Checked checked = ModelStaging.resolve(spark, "s3a://models/posenet/posenet.json");
    assertEquals(ModelSource.Kind.REMOTE, checked.source().kind());
    assertEquals(ModelStaging.localHash(json), checked.source().contentHash(), "json and weights, wherever they are");
    String local = ModelStaging.localPath(checked.source(), spark.sparkContext().hadoopConfiguration());
    assertEquals(cache.resolve(checked.source().contentHash() + "-savedmodel").toString(), local);
    assertEquals(checked.location().spec(), io.personlab.model.ModelLocation.resolve(local).spec());
    assertTrue(Files.isRegularFile(cache.resolve(checked.source().contentHash()).resolve("posenet.bin")));
    // the weights are part of the model's bytes
    Path copy = Files.createDirectories(tmp.resolve("posenet"));
    Files.copy(json, copy.resolve("posenet.json"));
    byte[] bin = Files.readAllBytes(json.resolveSibling("posenet.bin"));
    bin[bin.length - 1] ^= 1;
    Files.write(copy.resolve("posenet.bin"), bin);
    assertTrue(!ModelStaging.localHash(json).equals(ModelStaging.localHash(copy.resolve("posenet.json"))));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelStaging.resolve(spark, "s3a://models/nobin/posenet.json"));
    assertTrue(e.getMessage().contains("s3a://models/nobin/posenet.json") && e.getMessage().contains("posenet.bin"),
        e.getMessage());
  }

  @Test
  void remoteModelFileIsCopiedOnceUnderItsContentHash() throws Exception {
    String uri = "s3a://models/bodypix/bodypix-mobilenet050-stride16.onnx";
    ModelStaging.Checked checked = ModelStaging.resolve(spark, uri);
    assertEquals(ModelSource.Kind.REMOTE, checked.source().kind());
    assertEquals(ModelStaging.localHash(MODEL), checked.source().contentHash(), "the hash of the bytes, wherever they are");
    assertEquals("bodypix-mobilenet050-stride16", checked.location().spec().name(), "built-in spec found by name");
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path local = Path.of(ModelStaging.localPath(checked.source(), conf));
    assertEquals(cache.resolve(checked.source().contentHash()), local.getParent());
    assertArrayEquals(Files.readAllBytes(MODEL), Files.readAllBytes(local));
    // a new JVM on this host (no in-memory entry) reuses the published copy without reading S3
    long modified = Files.getLastModifiedTime(local).toMillis();
    ModelStaging.Staged again = ModelStaging.stage(uri, conf, checked.source().contentHash());
    assertEquals(local.toString(), again.localPath());
    assertEquals(modified, Files.getLastModifiedTime(local).toMillis());
    try (var entries = Files.list(local.getParent())) {
      assertEquals(1, entries.count(), "one copy of the one file");
    }
    try (var entries = Files.list(cache)) {
      assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".staging-")), "no partial copy left");
    }
  }

  @Test
  void aCopyThatDiffersFromWhatTheDriverCheckedIsRefused() {
    String other = "0".repeat(64);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ModelStaging.stage(
        "s3a://models/bodypix/bodypix-mobilenet050-stride16.onnx", spark.sparkContext().hadoopConfiguration(), other));
    assertTrue(e.getMessage().contains("changed since the driver checked it"), e.getMessage());
  }

  @Test
  void modelWithItsSpecBesideItAndAnArchivedModelDirectory() throws Exception {
    // the same network under a name without a built-in spec: the spec must come from beside it
    String spec = Files.readString(Path.of("src/main/resources/io/personlab/model/specs/bodypix-mobilenet050-stride16.json"))
        .replace("\"name\": \"bodypix-mobilenet050-stride16\"", "\"name\": \"my-net\"")
        .replace("\"modelPath\": \"bodypix-mobilenet050-stride16.onnx\"", "\"modelPath\": \"my-net.onnx\"");
    s3.client().putObject("models", "custom/my-net.onnx", MODEL.toFile());
    s3.client().putObject("models", "custom/my-net.onnx.spec.json", spec);
    ModelStaging.Checked withSpec = ModelStaging.resolve(spark, "s3a://models/custom/my-net.onnx");
    assertEquals("my-net", withSpec.location().spec().name());
    assertNotEquals(ModelStaging.localHash(MODEL), withSpec.source().contentHash(), "the spec is part of the fingerprint");

    Path dir = Files.createDirectories(tmp.resolve("my-net"));
    Files.copy(MODEL, dir.resolve("my-net.onnx"));
    Files.writeString(dir.resolve("personlab-spec.json"), spec);
    Process tar = new ProcessBuilder("tar", "czf", tmp.resolve("my-net.tgz").toString(), "-C", tmp.toString(), "my-net")
        .inheritIO().start();
    assertEquals(0, tar.waitFor());
    s3.client().putObject("models", "archives/my-net.tgz", tmp.resolve("my-net.tgz").toFile());
    ModelStaging.Checked archived = ModelStaging.resolve(spark, "s3a://models/archives/my-net.tgz");
    assertEquals("my-net", archived.location().spec().name());
    assertTrue(Files.isDirectory(Path.of(ModelStaging.localPath(archived.source(), spark.sparkContext().hadoopConfiguration()))));
    assertEquals(dir.resolve("my-net.onnx").toFile().length(), archived.location().modelPath().toFile().length());
  }

  @Test
  void wrongUriMissingSpecAndCorruptArchiveAreOneClearError() {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> ModelStaging.resolve(spark, "s3a://models/nowhere/x.onnx"));
    assertTrue(missing.getMessage().startsWith("s3a://models/nowhere/x.onnx: no such model"), missing.getMessage());
    s3.client().putObject("models", "nospec/unknown-net.onnx", "onnx bytes");
    IllegalArgumentException noSpec = assertThrows(IllegalArgumentException.class,
        () -> ModelStaging.resolve(spark, "s3a://models/nospec/unknown-net.onnx"));
    assertTrue(noSpec.getMessage().contains("no model spec"), noSpec.getMessage());
    s3.client().putObject("models", "bad/broken.tgz", "not a tar file");
    IllegalArgumentException corrupt = assertThrows(IllegalArgumentException.class,
        () -> ModelStaging.resolve(spark, "s3a://models/bad/broken.tgz"));
    assertTrue(corrupt.getMessage().startsWith("s3a://models/bad/broken.tgz: "), corrupt.getMessage());
  }

  @Test
  void shippedFileIsFoundByNameInSparkFilesAndAMissingNameIsRefused() throws Exception {
    Path shipped = tmp.resolve("bodypix-mobilenet050-stride16.onnx");
    Files.copy(MODEL, shipped);
    spark.sparkContext().addFile(shipped.toString()); // what --files does on the driver
    ModelStaging.Checked checked = ModelStaging.resolve(spark, "bodypix-mobilenet050-stride16.onnx");
    assertEquals(ModelSource.Kind.SHIPPED, checked.source().kind());
    String local = ModelStaging.localPath(checked.source(), spark.sparkContext().hadoopConfiguration());
    assertArrayEquals(Files.readAllBytes(MODEL), Files.readAllBytes(Path.of(local)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelStaging.resolve(spark, "not-shipped.onnx"));
    assertTrue(e.getMessage().startsWith("not-shipped.onnx: no such model file"), e.getMessage());
  }

  @Test
  void shippedSourcesAreMatchedByFileNameOrAlias() {
    SparkConf conf = new SparkConf(false)
        .set("spark.yarn.dist.files", "hdfs:///m/a.onnx,s3a://b/c/d.onnx#net.onnx")
        .set("spark.archives", "s3a://b/posenet.tgz#posenet");
    assertEquals("hdfs:///m/a.onnx", ModelStaging.shippedSource(conf, "a.onnx"));
    assertEquals("s3a://b/c/d.onnx", ModelStaging.shippedSource(conf, "net.onnx"));
    assertEquals("s3a://b/posenet.tgz", ModelStaging.shippedSource(conf, "posenet"));
    assertEquals(null, ModelStaging.shippedSource(conf, "d.onnx"));
  }

  @Test
  void localModelInLocalModeIsUsedInPlace() {
    ModelStaging.Checked checked = ModelStaging.resolve(spark, MODEL.toString());
    assertEquals(ModelSource.Kind.LOCAL, checked.source().kind());
    assertEquals(MODEL.toAbsolutePath().normalize().toString(), checked.source().location());
    assertEquals(ModelLocation.resolve(MODEL.toString()).modelPath(), checked.location().modelPath());
  }
}
