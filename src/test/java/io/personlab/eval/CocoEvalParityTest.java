package io.personlab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoResult;
import io.personlab.io.CocoJson;
import io.personlab.testing.SharedData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case the official evaluator (pycocotools) was run on: stats bit for bit (the README: "to the last bit"), and the
 * per-threshold precision and recall it recorded, value by value.
 */
class CocoEvalParityTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Stream<Arguments> cases() throws IOException {
    Path dir = SharedData.cocoEval();
    JsonNode manifest = JSON.readTree(dir.resolve("manifest.json").toFile());
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : manifest.get("cases")) {
      out.add(Arguments.of(c.get("case").asText(), c));
    }
    assertFalse(out.isEmpty(), "manifest lists no cases");
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesPycocotools(String name, JsonNode c) throws IOException {
    Path dir = SharedData.cocoEval();
    JsonNode expected = JSON.readTree(dir.resolve(c.get("expected").asText()).toFile());
    IouType type = IouType.parse(c.get("iouType").asText());
    String gtPath = dir.resolve(c.get("gt").asText()).toString();
    String resPath = dir.resolve(c.get("results").asText()).toString();

    CocoDataset gt = CocoJson.readDataset(gtPath);
    List<CocoResult> results = CocoJson.readResults(resPath);
    EvalParams params = EvalParams.defaults(type);
    assertParams(expected.get("params"), params);
    List<Detection> dts = Detections.prepare(gt, results, resPath, params.oksSigmas().length);
    assertEquals(expected.get("num_results").asInt(), dts.size());

    CocoEvaluator evaluator = new CocoEvaluator(params);
    ImageEvaluation[][][] perImage = evaluator.evaluateImages(gt, dts, resPath, 2, w -> {});
    Accumulation acc = Accumulator.accumulate(params, perImage);
    Summary summary = Summary.of(acc);

    JsonNode stats = expected.get("stats");
    assertEquals(stats.size(), summary.stats().length);
    for (int i = 0; i < stats.size(); i++) {
      assertEquals(stats.get(i).asDouble(), summary.stats()[i], 0.0, name + " stat " + i);
    }
    int a = List.of(params.areaLabels()).indexOf("all");
    int m = params.maxDets().length - 1;
    JsonNode prec = expected.get("precision_area_all_maxdet_last");
    for (int t = 0; t < prec.size(); t++) {
      for (int r = 0; r < prec.get(t).size(); r++) {
        assertEquals(prec.get(t).get(r).asDouble(), acc.precision(t, r, 0, a, m), 0.0,
            name + " precision t=" + t + " r=" + r);
      }
    }
    JsonNode rec = expected.get("recall_k0");
    for (int t = 0; t < rec.size(); t++) {
      for (int ai = 0; ai < rec.get(t).size(); ai++) {
        for (int mi = 0; mi < rec.get(t).get(ai).size(); mi++) {
          assertEquals(rec.get(t).get(ai).get(mi).asDouble(), acc.recall(t, 0, ai, mi), 0.0,
              name + " recall t=" + t + " a=" + ai + " m=" + mi);
        }
      }
    }
    JsonNode text = expected.get("summary_text");
    for (int i = 0; i < text.size(); i++) {
      assertEquals(text.get(i).asText(), summary.lines().get(i), name + " summary line " + i);
    }
  }

  private static void assertParams(JsonNode p, EvalParams params) {
    JsonNode thr = p.get("iouThrs");
    assertEquals(thr.size(), params.iouThrs().length);
    for (int i = 0; i < thr.size(); i++) {
      assertEquals(thr.get(i).asDouble(), params.iouThrs()[i], 0.0, "iouThrs[" + i + "]");
    }
    JsonNode md = p.get("maxDets");
    for (int i = 0; i < md.size(); i++) {
      assertEquals(md.get(i).asInt(), params.maxDets()[i]);
    }
  }

  @Test
  void singleThreadedEqualsParallel() throws IOException {
    Path dir = SharedData.cocoEval();
    String gtPath = dir.resolve("gt_person_keypoints_val2017_mini.json").toString();
    String resPath = dir.resolve("results/kp_ties_results.json").toString();
    CocoDataset gt = CocoJson.readDataset(gtPath);
    List<Detection> dts = Detections.prepare(gt, CocoJson.readResults(resPath), resPath, 17);
    CocoEvaluator evaluator = new CocoEvaluator(EvalParams.defaults(IouType.KEYPOINTS));
    double[] one = evaluator.evaluate(gt, dts, resPath, 1).stats();
    double[] two = evaluator.evaluate(gt, dts, resPath, 2).stats();
    for (int i = 0; i < one.length; i++) {
      assertEquals(one[i], two[i], 0.0);
    }
  }
}
