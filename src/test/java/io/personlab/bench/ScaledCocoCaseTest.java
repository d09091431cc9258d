package io.personlab.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.coco.Segmentation;
import io.personlab.eval.Accumulator;
import io.personlab.eval.CocoEvaluator;
import io.personlab.eval.Detection;
import io.personlab.eval.Detections;
import io.personlab.eval.EvalParams;
import io.personlab.eval.ImageEvaluation;
import io.personlab.eval.IouType;
import io.personlab.eval.Summary;
import io.personlab.io.CocoJson;
import io.personlab.io.Inputs;
import io.personlab.testing.SharedData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scaled case on the shared mini case (79 images, 118 annotations) with 3 copies. */
class ScaledCocoCaseTest {
  private static final int COPIES = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static Path gtIn, kpIn, segmIn;
  static ScaledCocoCase.Outputs out;
  static CocoDataset gt1, gt3;

  @BeforeAll
  static void writeScaledCase() throws IOException {
    Path ref = SharedData.cocoEval(); // fails (no skip) when ../shared is missing
    gtIn = SharedData.path("reference/coco-eval/gt_person_keypoints_val2017_mini.json");
    kpIn = SharedData.path("reference/coco-eval/results/kp_jitter_results.json");
    segmIn = SharedData.path("reference/coco-eval/results/segm_perturbed_results.json");
    assertTrue(Files.isDirectory(ref));
    out = ScaledCocoCase.write(gtIn, List.of(kpIn, segmIn), COPIES, dir);
    gt1 = CocoJson.readDataset(gtIn.toString());
    gt3 = CocoJson.readDataset(out.groundTruth().toString());
  }

  @Test
  void namesAndStride() throws IOException {
    assertEquals(dir.resolve("gt_x3.json.gz"), out.groundTruth());
    assertEquals(List.of(dir.resolve("kp_jitter_results_x3.json.gz"), dir.resolve("segm_perturbed_results_x3.json.gz")),
        out.results());
    // crowd annotation ids of COCO are 9001002xxxxx: the stride is 10^12
    assertEquals(1_000_000_000_000L, ScaledCocoCase.stride(gtIn));
    for (Path p : List.of(out.groundTruth(), out.results().get(0))) {
      try (InputStream in = Files.newInputStream(p)) {
        assertEquals(0x1f, in.read(), p + " is gzipped");
        assertEquals(0x8b, in.read());
      }
    }
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().contains(".tmp")), "no temporary files left");
    }
  }

  @Test
  void groundTruthRepeatedWithUniqueShiftedIds() {
    long stride = 1_000_000_000_000L;
    assertEquals(COPIES * gt1.images().size(), gt3.images().size());
    assertEquals(COPIES * gt1.annotations().size(), gt3.annotations().size());
    assertEquals(gt1.categories(), gt3.categories());
    Set<Long> imageIds = new HashSet<>(), annotationIds = new HashSet<>();
    gt3.images().forEach(i -> imageIds.add(i.id()));
    gt3.annotations().forEach(a -> annotationIds.add(a.id()));
    assertEquals(gt3.images().size(), imageIds.size(), "image ids unique");
    assertEquals(gt3.annotations().size(), annotationIds.size(), "annotation ids unique");
    int ni = gt1.images().size(), na = gt1.annotations().size();
    for (int i = 0; i < ni; i++) {
      CocoImage a = gt1.images().get(i), c2 = gt3.images().get(2 * ni + i);
      assertEquals(new CocoImage(a.id() + 2 * stride, a.width(), a.height(), a.fileName()), c2);
      assertEquals(a, gt3.images().get(i));
    }
    for (int i = 0; i < na; i++) {
      CocoAnnotation a = gt1.annotations().get(i), c = gt3.annotations().get(2 * na + i);
      assertEquals(a.id() + 2 * stride, c.id());
      assertEquals(a.imageId() + 2 * stride, c.imageId());
      assertEquals(a.categoryId(), c.categoryId());
      assertEquals(a.area(), c.area());
      assertEquals(a.crowd(), c.crowd());
      assertEquals(a.numKeypoints(), c.numKeypoints());
      assertArrayEquals(a.bbox(), c.bbox());
      assertArrayEquals(a.keypoints(), c.keypoints());
      assertSameSegmentation(a.segmentation(), c.segmentation());
    }
  }

  @Test
  void everyFieldKeptExceptShiftedIds() throws IOException {
    // Whole records as trees (the mini files are small): copy 2 with ids shifted back is the original.
    JsonNode in = readTree(gtIn), scaled = readTree(out.groundTruth());
    long stride = 1_000_000_000_000L;
    for (String top : List.of("info", "licenses", "categories")) {
      assertEquals(in.get(top), scaled.get(top), top);
    }
    int ni = in.get("images").size();
    for (int i = 0; i < ni; i++) {
      ObjectNode c = (ObjectNode) scaled.get("images").get(2 * ni + i).deepCopy();
      c.put("id", c.get("id").asLong() - 2 * stride);
      assertEquals(in.get("images").get(i), reparsed(c), "image #" + i);
    }
    int na = in.get("annotations").size();
    for (int i = 0; i < na; i++) {
      ObjectNode c = (ObjectNode) scaled.get("annotations").get(2 * na + i).deepCopy();
      c.put("id", c.get("id").asLong() - 2 * stride);
      c.put("image_id", c.get("image_id").asLong() - 2 * stride);
      assertEquals(in.get("annotations").get(i), reparsed(c), "annotation #" + i);
    }
    JsonNode res = readTree(segmIn), res3 = readTree(out.results().get(1));
    int nr = res.size();
    assertEquals(COPIES * nr, res3.size());
    for (int i = 0; i < nr; i++) {
      ObjectNode c = (ObjectNode) res3.get(2 * nr + i).deepCopy();
      c.put("image_id", c.get("image_id").asLong() - 2 * stride);
      assertEquals(res.get(i), reparsed(c), "segm result #" + i);
    }
  }

  @Test
  void resultsRepeatedInCopyOrder() {
    long stride = 1_000_000_000_000L;
    for (int f = 0; f < 2; f++) {
      Path in = List.of(kpIn, segmIn).get(f);
      List<CocoResult> r1 = CocoJson.readResults(in.toString());
      List<CocoResult> r3 = CocoJson.readResults(out.results().get(f).toString());
      assertEquals(COPIES * r1.size(), r3.size());
      for (int c = 0; c < COPIES; c++) {
        for (int i = 0; i < r1.size(); i++) {
          CocoResult a = r1.get(i), b = r3.get(c * r1.size() + i);
          assertEquals(a.imageId() + c * stride, b.imageId());
          assertEquals(a.categoryId(), b.categoryId());
          assertEquals(a.score(), b.score());
          assertArrayEquals(a.keypoints(), b.keypoints());
          assertArrayEquals(a.bbox(), b.bbox());
          assertSameSegmentation(a.segmentation(), b.segmentation());
        }
      }
    }
  }

  @Test
  void scaledCaseEvaluatesToTheSameAp() {
    assertSameAp(kpIn, out.results().get(0), IouType.parse("keypoints"));
    assertSameAp(segmIn, out.results().get(1), IouType.parse("segm"));
  }

  @Test
  void existingOutputsAreKept() throws IOException {
    FileTime before = Files.getLastModifiedTime(out.groundTruth());
    ScaledCocoCase.Outputs again = ScaledCocoCase.write(gtIn, List.of(kpIn, segmIn), COPIES, dir);
    assertEquals(out, again);
    assertEquals(before, Files.getLastModifiedTime(out.groundTruth()));
  }

  private static void assertSameAp(Path results1, Path results3, IouType type) {
    double ap1 = ap(gt1, gtIn.toString(), results1.toString(), type);
    double ap3 = ap(gt3, out.groundTruth().toString(), results3.toString(), type);
    assertNotEquals(-1.0, ap3, type + " AP");
    assertTrue(ap3 > 0, type + " AP " + ap3);
    assertTrue(Math.abs(ap1 - ap3) < 0.02, type + ": AP x1 " + ap1 + " vs x3 " + ap3);
  }

  private static double ap(CocoDataset gt, String gtPath, String resultsPath, IouType type) {
    EvalParams params = EvalParams.defaults(type);
    List<Detection> dts = Detections.prepare(gt, CocoJson.readResults(resultsPath), resultsPath,
        params.oksSigmas().length);
    ImageEvaluation[][][] perImage = new CocoEvaluator(params).evaluateImages(gt, dts, resultsPath, 2, w -> {});
    return Summary.of(Accumulator.accumulate(params, perImage)).stats()[0];
  }

  /** Segmentation records hold arrays, which records compare by reference. */
  private static void assertSameSegmentation(Segmentation a, Segmentation b) {
    if (a instanceof Segmentation.PolygonList pa && b instanceof Segmentation.PolygonList pb) {
      assertEquals(pa.polygons().size(), pb.polygons().size());
      for (int i = 0; i < pa.polygons().size(); i++) {
        assertArrayEquals(pa.polygons().get(i), pb.polygons().get(i));
      }
    } else if (a instanceof Segmentation.UncompressedRle ua && b instanceof Segmentation.UncompressedRle ub) {
      assertEquals(ua.height(), ub.height());
      assertEquals(ua.width(), ub.width());
      assertArrayEquals(ua.counts(), ub.counts());
    } else {
      assertEquals(a, b); // compressed RLE (a string) or null
    }
  }

  /** Shifting back with put(long) gives LongNodes where the original has IntNodes: compare as read. */
  private static JsonNode reparsed(JsonNode n) throws IOException {
    return JSON.readTree(n.toString());
  }

  private static JsonNode readTree(Path p) throws IOException {
    try (InputStream in = Inputs.open(p.toString())) {
      return JSON.readTree(in);
    }
  }
}
