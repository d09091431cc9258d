package io.personlab.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoFormatException;
import io.personlab.coco.CocoResult;
import io.personlab.coco.Segmentation;
import io.personlab.io.CocoJson.RecordKind;
import io.personlab.testing.SharedData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Splitting then parsing each record gives what the whole-file readers give, record by record. */
class CocoJsonSplitterTest {

  private static Map<RecordKind, List<Object>> splitAndParse(InputStream in, String source)
      throws IOException {
    Map<RecordKind, List<Object>> out = new EnumMap<>(RecordKind.class);
    CocoJsonSplitter.split(in, source, (kind, index, json, length) -> {
      String line = new String(json, 0, length, StandardCharsets.UTF_8);
      assertTrue(line.indexOf('\n') < 0, "a record is one line");
      List<Object> list = out.computeIfAbsent(kind, k -> new ArrayList<>());
      assertEquals(list.size(), index);
      list.add(CocoJson.parseRecord(kind, json, 0, length, (int) index, source));
    });
    return out;
  }

  @Test
  void groundTruthRecordsEqualTheWholeFileReader() throws IOException {
    for (Path gt : List.of(SharedData.cocoEval().resolve("gt_person_keypoints_val2017_mini.json"),
        SharedData.cocoEval().resolve("scale/gt_synthetic_scale.json.gz"))) {
      CocoDataset whole = CocoJson.readDataset(gt.toString());
      Map<RecordKind, List<Object>> split;
      try (InputStream in = Inputs.open(gt.toString())) {
        split = splitAndParse(in, gt.toString());
      }
      assertEquals(whole.images(), split.get(RecordKind.IMAGE));
      assertEquals(whole.categories(), split.get(RecordKind.CATEGORY));
      List<Object> anns = split.get(RecordKind.ANNOTATION);
      assertEquals(whole.annotations().size(), anns.size());
      for (int i = 0; i < anns.size(); i++) {
        assertSameAnnotation(whole.annotations().get(i), (CocoAnnotation) anns.get(i));
      }
      assertTrue(whole.annotations().stream().anyMatch(CocoAnnotation::crowd), "crowd RLEs covered");
    }
  }

  @Test
  void resultRecordsEqualTheWholeFileReader() throws IOException {
    for (String name : List.of("results/kp_ties_results.json", "results/segm_polygon_dt_results.json",
        "scale/scale_segm_results.json.gz")) {
      String path = SharedData.cocoEval().resolve(name).toString();
      List<CocoResult> whole = CocoJson.readResults(path);
      List<Object> split;
      try (InputStream in = Inputs.open(path)) {
        split = splitAndParse(in, path).get(RecordKind.RESULT);
      }
      assertEquals(whole.size(), split.size(), name);
      for (int i = 0; i < whole.size(); i++) {
        CocoResult a = whole.get(i), b = (CocoResult) split.get(i);
        assertEquals(a.index(), b.index());
        assertEquals(a.imageId(), b.imageId());
        assertEquals(a.score(), b.score(), 0.0);
        assertTrue(Arrays.equals(a.bbox(), b.bbox()) && Arrays.equals(a.keypoints(), b.keypoints()));
        assertEquals(CocoJson.segmentationJsonOrNull(a.segmentation()),
            CocoJson.segmentationJsonOrNull(b.segmentation()));
      }
    }
  }

  @Test
  void segmentationJsonRoundTripsExactly() throws IOException {
    CocoDataset gt = CocoJson.readDataset(
        SharedData.cocoEval().resolve("gt_person_keypoints_val2017_mini.json").toString());
    for (CocoAnnotation a : gt.annotations()) {
      String json = CocoJson.segmentationJson(a.segmentation());
      Segmentation back = CocoJson.parseSegmentation(json, "test");
      assertEquals(json, CocoJson.segmentationJson(back));
      assertEquals(a.segmentation().toRle(480, 640).area(), back.toRle(480, 640).area());
    }
  }

  @Test
  void prettyPrintedFilesSplitIntoOneLineRecords() throws IOException {
    String pretty = "{\n \"info\": {\"x\": [1, {\"y\": \"]}\\\"\"}]},\n \"images\": [\n  {\"id\": 1,\n"
        + "   \"width\": 4, \"height\": 3, \"file_name\": \"a\\\\b}.jpg\"}\n ],\n"
        + " \"annotations\": [], \"categories\": [{\"id\": 1, \"name\": \"person\"}]\n}\n";
    Map<RecordKind, List<Object>> split =
        splitAndParse(new ByteArrayInputStream(pretty.getBytes(StandardCharsets.UTF_8)), "p.json");
    assertEquals(1, split.get(RecordKind.IMAGE).size());
    assertEquals("a\\b}.jpg", ((io.personlab.coco.CocoImage) split.get(RecordKind.IMAGE).get(0)).fileName());
    assertEquals(1, split.get(RecordKind.CATEGORY).size());
  }

  @Test
  void structuralErrorsNameTheFileAndTheProblem() {
    assertProblem("[{\"image_id\": 1}, ", "r.json", "truncated");
    assertProblem("[{\"image_id\": 1}] [", "r.json", "after the top-level array");
    assertProblem("[{\"image_id\": 1}, [1]]", "r.json", "result #1: expected an object");
    assertProblem("[{\"image_id\": 1}, 7]", "r.json", "result #1: expected an object");
    assertProblem("[{\"a\": \"x\ny\"}]", "r.json", "control character");
    assertProblem("", "r.json", "empty");
    assertProblem("\"x\"", "r.json", "JSON object (ground truth) or array");
  }

  private static void assertProblem(String json, String source, String expected) {
    CocoFormatException e = assertThrows(CocoFormatException.class, () -> CocoJsonSplitter.split(
        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), source, (k, i, b, n) -> { }));
    assertTrue(e.getMessage().startsWith(source + ": ") && e.getMessage().contains(expected),
        e.getMessage());
  }

  private static void assertSameAnnotation(CocoAnnotation a, CocoAnnotation b) {
    assertEquals(a.index(), b.index());
    assertEquals(a.id(), b.id());
    assertEquals(a.imageId(), b.imageId());
    assertEquals(a.area(), b.area(), 0.0);
    assertEquals(a.crowd(), b.crowd());
    assertTrue(Arrays.equals(a.bbox(), b.bbox()) && Arrays.equals(a.keypoints(), b.keypoints()));
    assertEquals(a.numKeypoints(), b.numKeypoints());
    assertEquals(CocoJson.segmentationJsonOrNull(a.segmentation()),
        CocoJson.segmentationJsonOrNull(b.segmentation()));
  }
}
