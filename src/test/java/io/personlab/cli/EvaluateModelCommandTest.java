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

/**
 * evaluate-model end to end: the real BodyPix model over the 79 val photos at 513 px gives the
 * README's figures, and the results files it writes score the same with evaluate.
 */
class EvaluateModelCommandTest {
  @TempDir Path tmp;

  @Test
  void theReadmeFiguresAtStride16And513AndItsResultFilesScoreTheSame() throws Exception {
    String gt = SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json").toString();
    String images = SharedData.path("data/coco-mini-val/images").toString();
    Path out = tmp.resolve("out");
    EvaluateCommandTest.Run r = EvaluateCommandTest.run("evaluate-model", "--gt", gt, "--images", images,
        "--scales", "513", "--output", out.toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode last = new ObjectMapper().readTree(r.lastLine());
    // the README's table row "BodyPix stride 16, 513", printed to 3 decimals
    assertEquals(0.155, last.get("keypoints").get(0).asDouble(), 0.0006, "keypoint AP");
    assertEquals(0.416, last.get("keypoints").get(1).asDouble(), 0.0006, "keypoint AP50");
    assertEquals(0.113, last.get("segm").get(0).asDouble(), 0.0006, "mask AP");
    assertEquals(0.265, last.get("segm").get(1).asDouble(), 0.0006, "mask AP50");
    assertEquals(0.193, last.get("segm_keypointed").get(0).asDouble(), 0.0006, "mask AP, people with keypoints");
    assertTrue(last.get("timings").get("forwardMsMean").asDouble() > 0);

    for (String type : new String[] {"keypoints", "segm"}) {
      Path results = out.resolve(type + "_results.json");
      assertTrue(Files.size(results) > 0, results.toString());
      EvaluateCommandTest.Run again = EvaluateCommandTest.run("evaluate", "--engine", "jvm", "--gt", gt,
          "--predictions", results.toString(), "--iou-type", type);
      assertEquals(0, again.exit(), again.err());
      JsonNode stats = new ObjectMapper().readTree(again.lastLine()).get("stats");
      for (int i = 0; i < stats.size(); i++) {
        assertEquals(last.get(type).get(i).asDouble(), stats.get(i).asDouble(), 0.0, type + " stat " + i);
      }
    }
  }
}
