package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.cli.EvaluateCommandTest;
import io.personlab.testing.LocalS3;
import io.personlab.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The labeling job with images, model and labels all in a real S3-compatible server
 * (local-s3-rest) on 127.0.0.1: s3a:// in and out, the model copied from s3a:// into the
 * executors' cache, export-coco written back to s3a://, and the credentials never in a log line
 * or an output file.
 */
class LabelJobS3Test {
  @TempDir Path tmp;

  @Test
  void labelsImagesFromS3IntoS3() throws Exception {
    List<String> logLines = new CopyOnWriteArrayList<>();
    AbstractAppender capture = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        logLines.add(event.getLoggerName() + " " + event.getMessage().getFormattedMessage()
            + (event.getThrown() == null ? "" : " " + event.getThrown()));
      }
    };
    capture.start();
    LoggerContext logs = (LoggerContext) LogManager.getContext(false);
    logs.getConfiguration().getRootLogger().addAppender(capture, Level.ALL, null);
    Configurator.setLevel("io.personlab", Level.INFO);
    logs.updateLoggers();
    System.setProperty(ModelStaging.CACHE_PROPERTY, tmp.resolve("model-cache").toString());
    SparkSession spark = SparkSession.builder().master("local[2]").appName("LabelJobS3Test")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        // a secret given as spark-submit would pass it: must be redacted wherever it is shown
        .config("spark.hadoop.fs.s3a.secret.key", LocalS3.SECRET_KEY).getOrCreate();
    try (LocalS3 s3 = new LocalS3()) {
      s3.client().createBucket("photos");
      s3.client().createBucket("models");
      Path images = SharedData.path("data/coco-mini-val/images");
      List<String> names = List.of("000000109313.jpg", "000000343803.jpg", "000000011813.jpg");
      for (int i = 0; i < names.size(); i++) {
        s3.client().putObject("photos", "archive/day" + i + "/" + names.get(i), images.resolve(names.get(i)).toFile());
      }
      s3.client().putObject("photos", "archive/day0/broken.jpg", "not an image");
      s3.client().putObject("models", "bodypix-mobilenet050-stride16.onnx",
          SharedData.path("models/bodypix-mobilenet050-stride16.onnx").toFile());
      Configuration conf = spark.sparkContext().hadoopConfiguration();
      s3.configure(conf);
      String model = "s3a://models/bodypix-mobilenet050-stride16.onnx";

      LabelJob.Summary s = LabelJob.run(spark, withModel(LabelJobTest.options(List.of("s3a://photos/archive"),
          "s3a://photos/labels", LabelJobTest.fast(0.2), 2, false, 0), model));
      assertEquals(4, s.images());
      assertEquals(1, s.errors());
      assertTrue(s.runDirectory().startsWith("s3a://photos/labels/run_date=2026-11-25/run_id="));
      List<Row> rows = LabelStore.read(spark, "s3a://photos/labels").collectAsList();
      assertEquals(4, rows.size());
      assertEquals(3, rows.stream().filter(r -> "ok".equals(r.getString(4))).count());
      assertTrue(rows.stream().anyMatch(r -> r.getString(0).equals("s3a://photos/archive/day0/broken.jpg")
          && r.getString(5).contains("not an image")));
      LabelJob.Summary again = LabelJob.run(spark, withModel(LabelJobTest.options(List.of("s3a://photos/archive"),
          "s3a://photos/labels", LabelJobTest.fast(0.2), 2, false, 0), model));
      assertEquals(1, again.images(), "re-run: only the error is retried");
      assertEquals(3, again.skippedAsLabeled());
      assertEquals(4, LabelStore.read(spark, "s3a://photos/labels").count(), "still one row per image");

      // the run's effective configuration is stored with it: the model's fingerprint, no secret
      String stored = read(conf, s.runDirectory() + "/" + EffectiveConfiguration.FILE_NAME);
      JsonNode run = new ObjectMapper().readTree(stored);
      assertEquals(ModelStaging.localHash(SharedData.path("models/bodypix-mobilenet050-stride16.onnx")),
          run.at("/model/sha256").asText());
      assertEquals("REMOTE", run.at("/model/kind").asText());
      assertEquals(4, run.at("/summary/images").asLong());
      assertEquals(EffectiveConfiguration.REDACTED, run.at("/hadoop/fs.s3a.secret.key").asText());
      assertEquals(EffectiveConfiguration.REDACTED, run.at("/hadoop/fs.s3a.access.key").asText());
      assertEquals(EffectiveConfiguration.REDACTED, run.at("/spark/spark.hadoop.fs.s3a.secret.key").asText());
      assertEquals(s3.endpoint(), run.at("/hadoop/fs.s3a.endpoint").asText(), "non-secret settings are kept");

      EvaluateCommandTest.Run e = EvaluateCommandTest.run("export-coco", "--labels", "s3a://photos/labels",
          "--output", "s3a://photos/results/kp.json", "--iou-type", "keypoints");
      assertEquals(0, e.exit(), e.err());
      assertTrue(read(conf, "s3a://photos/results/kp.json").contains("\"image_id\":109313"));

      // no secret anywhere: log lines, and every object the job wrote
      assertTrue(logLines.stream().anyMatch(l -> l.contains("effective configuration")), "the configuration is logged");
      for (String line : logLines) {
        assertFalse(line.contains(LocalS3.SECRET_KEY) || line.contains(LocalS3.ACCESS_KEY), line);
      }
      Path out = tmp.resolve("out");
      FileSystem fs = new org.apache.hadoop.fs.Path("s3a://photos/").getFileSystem(conf);
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(new org.apache.hadoop.fs.Path("s3a://photos/labels"), true);
      int files = 0;
      while (it.hasNext()) {
        String content = read(conf, it.next().getPath().toString());
        files++;
        assertFalse(content.contains(LocalS3.SECRET_KEY) || content.contains(LocalS3.ACCESS_KEY));
      }
      assertTrue(files >= 4, "parquet parts, _SUCCESS and the run files were checked: " + files + " " + out);
    } finally {
      spark.stop();
      logs.getConfiguration().getRootLogger().removeAppender("capture");
      logs.updateLoggers();
      System.clearProperty(ModelStaging.CACHE_PROPERTY);
    }
  }

  private static LabelJob.Options withModel(LabelJob.Options o, String model) {
    return o.withModel(model);
  }

  private static String read(Configuration conf, String uri) throws java.io.IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
    try (var in = p.getFileSystem(conf).open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
