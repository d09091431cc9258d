package io.personlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.testing.LocalS3;
import io.personlab.testing.SharedData;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * evaluate reading ground truth and results from s3a:// with the S3 settings given as spark-submit
 * gives them to the driver (spark.hadoop.* system properties), not from a configuration of its own.
 */
class EvaluateS3Test {
  @Test
  void readsFromS3WithTheSparkHadoopSettings() throws Exception {
    Path ref = SharedData.cocoEval();
    Configuration s3conf = new Configuration(false);
    try (LocalS3 s3 = new LocalS3()) {
      s3.client().createBucket("eval");
      s3.client().putObject("eval", "gt.json", ref.resolve("gt_person_keypoints_val2017_mini.json").toFile());
      s3.client().putObject("eval", "results/kp_jitter.json", ref.resolve("results/kp_jitter_results.json").toFile());
      s3.configure(s3conf);
      for (Map.Entry<String, String> e : s3conf) {
        System.setProperty("spark.hadoop." + e.getKey(), e.getValue());
      }
      for (String engine : new String[] {"jvm", "spark"}) {
        EvaluateCommandTest.Run r = EvaluateCommandTest.run("evaluate", "--engine", engine, "--gt",
            "s3a://eval/gt.json", "--predictions", "s3a://eval/results/kp_jitter.json", "--iou-type", "keypoints");
        assertEquals(0, r.exit(), r.err());
        JsonNode expected = new ObjectMapper().readTree(ref.resolve("expected/kp_jitter.json").toFile());
        JsonNode last = new ObjectMapper().readTree(r.lastLine());
        assertEquals(engine, last.get("engine").asText());
        for (int i = 0; i < 10; i++) {
          assertEquals(expected.get("stats").get(i).asDouble(), last.get("stats").get(i).asDouble(), 0.0);
        }
      }
      // the report: photos read from S3 by the executors, pictures, page and data files written there
      java.io.File[] photos = SharedData.path("data/coco-mini-val/images").toFile().listFiles();
      for (java.io.File photo : photos) {
        s3.client().putObject("eval", "images/" + photo.getName(), photo);
      }
      EvaluateCommandTest.Run r = EvaluateCommandTest.run("evaluate", "--gt", "s3a://eval/gt.json", "--predictions",
          "s3a://eval/results/kp_jitter.json", "--iou-type", "keypoints", "--output", "s3a://eval/out",
          "--images", "s3a://eval/images", "--report-worst", "2");
      assertEquals(0, r.exit(), r.err());
      String html = s3.client().getObjectAsString("eval", "out/index.html");
      for (String section : new String[] {"stats", "curves", "worst", "inputs"}) {
        assertTrue(html.contains("<section id=\"" + section + "\">"), section);
      }
      java.util.List<String> worst = s3.client().getObjectAsString("eval", "out/data/worst.csv").lines().skip(1).toList();
      assertEquals(2, worst.size());
      for (String row : worst) {
        String picture = row.substring(row.lastIndexOf(',') + 1);
        assertTrue(picture.startsWith("pictures/") && html.contains("src=\"" + picture + "\""), row);
        try (java.io.InputStream in = s3.client().getObject("eval", "out/" + picture).getObjectContent()) {
          assertNotNull(javax.imageio.ImageIO.read(in), picture + " decodes");
        }
      }
      assertEquals(80, s3.client().getObjectAsString("eval", "out/data/per_image.csv").lines().count());
    } finally {
      for (Map.Entry<String, String> e : s3conf) {
        System.clearProperty("spark.hadoop." + e.getKey());
      }
    }
  }
}
