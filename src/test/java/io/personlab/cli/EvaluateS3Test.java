package io.personlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    } finally {
      for (Map.Entry<String, String> e : s3conf) {
        System.clearProperty("spark.hadoop." + e.getKey());
      }
    }
  }
}
