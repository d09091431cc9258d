package io.personlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The oracle command: summaries, one JSON last line, and results files the evaluator reads back. */
class OracleCommandTest {
  @TempDir Path tmp;

  @Test
  void printsThreeSummariesAndWritesResultsThatEvaluateAlike() throws Exception {
    String gt = SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json").toString();
    EvaluateCommandTest.Run r = EvaluateCommandTest.run("oracle", "--gt", gt, "--stride", "16",
        "--output", tmp.toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode last = new ObjectMapper().readTree(r.lastLine());
    assertEquals(10, last.get("keypoints").size());
    assertEquals(12, last.get("segm").size());
    assertEquals(12, last.get("segm_keypointed").size());
    // the written results, evaluated from disk, give the same keypoint AP
    Path kp = tmp.resolve("keypoints_results.json");
    assertTrue(Files.size(kp) > 0);
    EvaluateCommandTest.Run e = EvaluateCommandTest.run("evaluate", "--gt", gt, "--results", kp.toString(),
        "--iou-type", "keypoints");
    assertEquals(0, e.exit(), e.err());
    JsonNode stats = new ObjectMapper().readTree(e.lastLine()).get("stats");
    assertEquals(last.get("keypoints").get(0).asDouble(), stats.get(0).asDouble(), 1e-12);
    EvaluateCommandTest.Run s = EvaluateCommandTest.run("evaluate", "--gt", gt, "--results",
        tmp.resolve("segm_results.json").toString(), "--iou-type", "segm");
    assertEquals(last.get("segm").get(0).asDouble(),
        new ObjectMapper().readTree(s.lastLine()).get("stats").get(0).asDouble(), 1e-12);
  }
}
