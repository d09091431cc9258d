package io.personlab.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoResult;
import io.personlab.eval.Accumulation;
import io.personlab.eval.Accumulator;
import io.personlab.eval.CocoEvaluator;
import io.personlab.eval.Detection;
import io.personlab.eval.Detections;
import io.personlab.eval.EvalParams;
import io.personlab.eval.ImageEvaluation;
import io.personlab.eval.IouType;
import io.personlab.eval.Summary;
import io.personlab.io.CocoJson;
import io.personlab.testing.SharedData;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.junit.jupiter.api.Test;

/**
 * The PR-curve PNG for real evaluations of the shared reference cases (../shared is required:
 * missing data fails). The pictures are kept in target/test-artifacts/pr-curves-*.png for a look.
 */
class PrCurveChartTest {

  private static final Path ARTIFACTS = Path.of("target", "test-artifacts");
  /** Exact series-colour pixels a drawn curve leaves at least (a legend swatch leaves ~30). */
  private static final int MIN_CURVE_PIXELS = 150;

  @Test
  void keypointsPictureHasOnePanelPerAreaRangeWithThreeCurves() throws IOException {
    Accumulation acc = evaluate("results/kp_jitter_results.json", IouType.KEYPOINTS);
    BufferedImage image = writeAndDecode(acc, "keypoints: precision vs recall", "pr-curves-keypoints.png");

    assertEquals(3 * PrCurveChart.PANEL_WIDTH, image.getWidth());
    assertEquals(PrCurveChart.TITLE_HEIGHT + PrCurveChart.PANEL_HEIGHT, image.getHeight());
    for (int a = 0; a < 3; a++) {
      assertCurvesDrawn(image, a);
    }
    // The AP in the legends is the summary's AP@[.50:.95] for all, medium, large.
    double[] stats = Summary.of(acc).stats();
    assertEquals(stats[0], PrCurveChart.averagePrecision(acc, 0), 1e-12);
    assertEquals(stats[3], PrCurveChart.averagePrecision(acc, 1), 1e-12);
    assertEquals(stats[4], PrCurveChart.averagePrecision(acc, 2), 1e-12);
    JFreeChart[] panels = PrCurveChart.panels(acc);
    assertEquals("area medium, maxDets 20", panels[1].getTitle().getText());
    List<String> keys = seriesKeys(panels[0]);
    assertEquals(List.of("OKS 0.50", "OKS 0.75",
        String.format(java.util.Locale.ROOT, "mean over .50:.95 (AP %.3f)", stats[0])), keys);
  }

  @Test
  void comparisonPictureDrawsBothSetsInEveryPanel() throws IOException {
    Accumulation a = evaluate("results/kp_jitter_results.json", IouType.KEYPOINTS);
    Accumulation b = evaluate("results/kp_ties_results.json", IouType.KEYPOINTS);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrCurveChart.writeComparisonPng(a, b, "keypoints: a and b", out);
    Files.createDirectories(ARTIFACTS);
    Files.write(ARTIFACTS.resolve("pr-curves-compare.png"), out.toByteArray());
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(3 * PrCurveChart.PANEL_WIDTH, image.getWidth());
    for (int p = 0; p < 3; p++) {
      assertTrue(countPixels(image, p, PrCurveChart.COLOR_A) >= MIN_CURVE_PIXELS, "a drawn in panel " + p);
      assertTrue(countPixels(image, p, PrCurveChart.COLOR_B) >= MIN_CURVE_PIXELS, "b drawn in panel " + p);
    }
  }

  @Test
  void segmPictureHasFourPanelsAtTheLastMaxDets() throws IOException {
    Accumulation acc = evaluate("results/segm_perturbed_results.json", IouType.SEGM);
    BufferedImage image = writeAndDecode(acc, "segm: precision vs recall", "pr-curves-segm.png");

    assertEquals(4 * PrCurveChart.PANEL_WIDTH, image.getWidth());
    assertEquals(PrCurveChart.TITLE_HEIGHT + PrCurveChart.PANEL_HEIGHT, image.getHeight());
    for (int a = 0; a < 4; a++) {
      assertCurvesDrawn(image, a);
    }
    double[] stats = Summary.of(acc).stats(); // AP all, small, medium, large at maxDets 100
    for (int a = 0; a < 4; a++) {
      assertEquals(stats[a == 0 ? 0 : a + 2], PrCurveChart.averagePrecision(acc, a), 1e-12);
    }
    JFreeChart[] panels = PrCurveChart.panels(acc);
    assertEquals("area small, maxDets 100", panels[1].getTitle().getText());
    assertEquals("IoU 0.50", seriesKeys(panels[1]).get(0));
  }

  @Test
  void areaRangeWithoutGroundTruthGetsAnEmptyPanelSayingSo() throws IOException {
    Accumulation real = evaluate("results/kp_jitter_results.json", IouType.KEYPOINTS);
    int large = 2;
    assertEquals("large", real.params().areaLabels()[large]);
    Accumulation acc = withoutGroundTruth(real, large);
    assertEquals(-1, PrCurveChart.averagePrecision(acc, large));

    JFreeChart[] panels = PrCurveChart.panels(acc);
    assertEquals("area large: " + PrCurveChart.NO_GROUND_TRUTH, panels[large].getTitle().getText());
    assertEquals(0, panels[large].getXYPlot().getDataset().getSeriesCount());
    assertFalse(panels[0].getTitle().getText().contains(PrCurveChart.NO_GROUND_TRUTH));

    BufferedImage image = writeAndDecode(acc, "keypoints: precision vs recall (no large ground truth)",
        "pr-curves-keypoints-no-large-gt.png");
    assertEquals(3 * PrCurveChart.PANEL_WIDTH, image.getWidth());
    assertCurvesDrawn(image, 0);
    assertCurvesDrawn(image, 1);
    for (Color c : List.of(PrCurveChart.COLOR_50, PrCurveChart.COLOR_75, PrCurveChart.COLOR_MEAN)) {
      assertEquals(0, countPixels(image, large, c), "curve colour in the panel without ground truth");
    }
  }

  @Test
  void anAccumulationWithoutCategoriesIsRefused() {
    Accumulation empty = new Accumulation(EvalParams.defaults(IouType.KEYPOINTS), 0, new double[0], new double[0]);
    assertThrows(IllegalArgumentException.class,
        () -> PrCurveChart.writePng(empty, "empty", new ByteArrayOutputStream()));
  }

  // --- helpers ---

  /** The project's evaluator on the shared mini val2017 ground truth, as TimedEvaluation runs it. */
  private static Accumulation evaluate(String results, IouType type) {
    Path dir = SharedData.cocoEval();
    String gtLocation = dir.resolve("gt_person_keypoints_val2017_mini.json").toString();
    String resultsLocation = SharedData.path("reference/coco-eval/" + results).toString();
    CocoDataset gt = CocoJson.readDataset(gtLocation);
    List<CocoResult> raw = CocoJson.readResults(resultsLocation);
    EvalParams params = EvalParams.defaults(type);
    List<Detection> dts = Detections.prepare(gt, raw, resultsLocation, params.oksSigmas().length);
    List<String> warnings = new ArrayList<>();
    ImageEvaluation[][][] perImage =
        new CocoEvaluator(params).evaluateImages(gt, dts, resultsLocation, 1, warnings::add);
    Accumulation acc = Accumulator.accumulate(params, perImage);
    assertEquals(1, acc.numCategories());
    return acc;
  }

  /** A copy of {@code acc} with area range {@code a} as pycocotools leaves it without ground truth. */
  private static Accumulation withoutGroundTruth(Accumulation acc, int a) {
    EvalParams p = acc.params();
    double[] precision = acc.precision().clone();
    double[] recall = acc.recall().clone();
    for (int t = 0; t < p.iouThrs().length; t++) {
      for (int k = 0; k < acc.numCategories(); k++) {
        for (int m = 0; m < p.maxDets().length; m++) {
          recall[acc.recallIndex(t, k, a, m)] = -1;
          for (int r = 0; r < p.recThrs().length; r++) {
            precision[acc.precisionIndex(t, r, k, a, m)] = -1;
          }
        }
      }
    }
    return new Accumulation(p, acc.numCategories(), precision, recall);
  }

  private static BufferedImage writeAndDecode(Accumulation acc, String title, String fileName)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrCurveChart.writePng(acc, title, out);
    byte[] png = out.toByteArray();
    Files.createDirectories(ARTIFACTS);
    Files.write(ARTIFACTS.resolve(fileName), png);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertNotNull(image, "the PNG decodes");
    return image;
  }

  private static void assertCurvesDrawn(BufferedImage image, int panel) {
    for (Color c : List.of(PrCurveChart.COLOR_50, PrCurveChart.COLOR_75, PrCurveChart.COLOR_MEAN)) {
      int n = countPixels(image, panel, c);
      assertTrue(n >= MIN_CURVE_PIXELS,
          "panel " + panel + ": " + n + " pixels of " + c + ", want at least " + MIN_CURVE_PIXELS);
    }
  }

  /** Pixels of exactly colour {@code c} in panel {@code panel}'s column of the image. */
  private static int countPixels(BufferedImage image, int panel, Color c) {
    int rgb = c.getRGB() & 0xffffff;
    int n = 0;
    for (int x = panel * PrCurveChart.PANEL_WIDTH; x < (panel + 1) * PrCurveChart.PANEL_WIDTH; x++) {
      for (int y = PrCurveChart.TITLE_HEIGHT; y < image.getHeight(); y++) {
        if ((image.getRGB(x, y) & 0xffffff) == rgb) {
          n++;
        }
      }
    }
    return n;
  }

  private static List<String> seriesKeys(JFreeChart chart) {
    List<String> keys = new ArrayList<>();
    var data = chart.getXYPlot().getDataset();
    for (int s = 0; s < data.getSeriesCount(); s++) {
      keys.add(String.valueOf(data.getSeriesKey(s)));
    }
    return keys;
  }
}
