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
    // the figures the README's oracle table states for stride 16 (same data, default settings;
    // the thread count does not change the people found), to its three decimals
    JsonNode kps = last.get("keypoints");
    assertEquals(0.972, kps.get(0).asDouble(), 5e-4, "keypoint AP");
    assertEquals(0.979, kps.get(1).asDouble(), 5e-4, "keypoint AP50");
    assertEquals(0.979, kps.get(2).asDouble(), 5e-4, "keypoint AP75");
    assertEquals(0.269, last.get("segm").get(0).asDouble(), 5e-4, "segm AP (all people)");
    JsonNode segk = last.get("segm_keypointed");
    assertEquals(0.464, segk.get(0).asDouble(), 5e-4, "segm_keypointed AP");
    assertEquals(0.883, segk.get(1).asDouble(), 5e-4, "segm_keypointed AP50");
    assertEquals(0.404, segk.get(2).asDouble(), 5e-4, "segm_keypointed AP75");
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
