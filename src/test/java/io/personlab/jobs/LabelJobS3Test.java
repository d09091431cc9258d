package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.robothy.s3.rest.LocalS3;
import com.robothy.s3.rest.bootstrap.LocalS3Mode;
import io.personlab.cli.EvaluateCommandTest;
import io.personlab.testing.SharedData;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The labeling job reading images from and writing labels to s3a://, against a real
 * S3-compatible server (local-s3-rest) on 127.0.0.1 started by the test.
 */
class LabelJobS3Test {
  @TempDir Path tmp;

  @Test
  void labelsImagesFromS3IntoS3() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    LocalS3 server = LocalS3.builder().port(port).mode(LocalS3Mode.IN_MEMORY).build();
    server.start();
    SparkSession spark = SparkSession.builder().master("local[2]").appName("LabelJobS3Test")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
    try {
      String endpoint = "http://127.0.0.1:" + port;
      AmazonS3 s3 = AmazonS3ClientBuilder.standard()
          .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(endpoint, "us-east-1"))
          .withPathStyleAccessEnabled(true)
          .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials("test", "test"))).build();
      s3.createBucket("photos");
      Path images = SharedData.path("data/coco-mini-val/images");
      List<String> names = List.of("000000109313.jpg", "000000343803.jpg", "000000011813.jpg");
      for (int i = 0; i < names.size(); i++) {
        s3.putObject("photos", "archive/day" + i + "/" + names.get(i), images.resolve(names.get(i)).toFile());
      }
      s3.putObject("photos", "archive/day0/broken.jpg", "not an image");
      Configuration conf = spark.sparkContext().hadoopConfiguration();
      conf.set("fs.s3a.endpoint", endpoint);
      conf.set("fs.s3a.endpoint.region", "us-east-1");
      conf.set("fs.s3a.path.style.access", "true");
      conf.set("fs.s3a.connection.ssl.enabled", "false");
      conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
      conf.set("fs.s3a.access.key", "test");
      conf.set("fs.s3a.secret.key", "test");
      conf.set("fs.s3a.change.detection.version.required", "false");

      LabelJob.Summary s = LabelJob.run(spark, LabelJobTest.options(List.of("s3a://photos/archive"),
          "s3a://photos/labels", LabelJobTest.fast(0.2), 2, false, 0));
      assertEquals(4, s.images());
      assertEquals(1, s.errors());
      assertTrue(s.runDirectory().startsWith("s3a://photos/labels/run_date=2026-11-25/run_id="));
      List<Row> rows = LabelStore.read(spark, "s3a://photos/labels").collectAsList();
      assertEquals(4, rows.size());
      assertEquals(3, rows.stream().filter(r -> "ok".equals(r.getString(4))).count());
      assertTrue(rows.stream().anyMatch(r -> r.getString(0).equals("s3a://photos/archive/day0/broken.jpg")
          && r.getString(5).contains("not an image")));
      LabelJob.Summary again = LabelJob.run(spark, LabelJobTest.options(List.of("s3a://photos/archive"),
          "s3a://photos/labels", LabelJobTest.fast(0.2), 2, false, 0));
      assertEquals(1, again.images(), "re-run: only the error is retried");
      assertEquals(3, again.skippedAsLabeled());
      assertEquals(4, LabelStore.read(spark, "s3a://photos/labels").count(), "still one row per image");
      Path exported = tmp.resolve("kp.json");
      EvaluateCommandTest.Run e = EvaluateCommandTest.run("export-coco", "--labels", "s3a://photos/labels",
          "--output", exported.toString(), "--iou-type", "keypoints");
      assertEquals(0, e.exit(), e.err());
      assertTrue(Files.readString(exported).contains("\"image_id\":109313"));
    } finally {
      spark.stop();
      server.shutdown();
    }
  }
}
