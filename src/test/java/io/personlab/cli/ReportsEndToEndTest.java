package io.personlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.testing.NotebookRunner;
import io.personlab.testing.ReportBrowser;
import io.personlab.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 end to end, with the README's commands: the 79 val photos labeled in two
 * configurations, a report of each, their COCO export evaluated against the ground truth with the
 * two compared, and then every page opened in headless Chromium and every notebook executed on
 * those outputs.
 */
class ReportsEndToEndTest {
  static final Path IMAGES = SharedData.path("data/coco-mini-val/images");
  static final Path GT = SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static Path reportA;
  static Path reportB;
  static Path evaluation;

  static void ok(String... args) {
    EvaluateCommandTest.Run r = EvaluateCommandTest.run(args);
    assertEquals(0, r.exit(), String.join(" ", args) + "\n" + r.err() + r.out());
  }

  @BeforeAll
  static void labelReportAndEvaluate() {
    String[][] configurations = {{"a", "769"}, {"b", "513"}};
    for (String[] c : configurations) {
      Path labels = tmp.resolve("labels-" + c[0]);
      ok("label", "--input", IMAGES.toString(), "--output", labels.toString(), "--scales", c[1],
          "--coco-ids", "--master", "local[2]");
      ok("report", "--labels", labels.toString(), "--output", tmp.resolve("report-" + c[0]).toString(),
          "--master", "local[2]");
      ok("export-coco", "--labels", labels.toString(), "--iou-type", "keypoints",
          "--output", tmp.resolve(c[0] + ".json").toString(), "--master", "local[2]");
    }
    reportA = tmp.resolve("report-a");
    reportB = tmp.resolve("report-b");
    evaluation = tmp.resolve("evaluation");
    ok("evaluate", "--gt", GT.toString(), "--predictions", tmp.resolve("a.json").toString(),
        "--compare", tmp.resolve("b.json").toString(), "--iou-type", "keypoints",
        "--output", evaluation.toString(), "--images", IMAGES.toString());
  }

  @Test
  void labelReportOpensInChromium() throws Exception {
    ReportBrowser.Result r = ReportBrowser.check(reportA, ReportBrowser.LABEL_REPORT_SECTIONS, "label-report");
    JsonNode summary = JSON.readTree(reportA.resolve("data/summary.json").toFile());
    assertEquals(79, summary.path("counts").path("images").asInt());
    // the charts plus one picture per sampled image (24 by default)
    assertTrue(r.images() >= 24 + 5, "images shown: " + r.images());
    ReportBrowser.check(reportB, ReportBrowser.LABEL_REPORT_SECTIONS, "label-report-513");
  }

  @Test
  void evaluationReportOpensInChromium() throws Exception {
    ReportBrowser.Result r = ReportBrowser.check(evaluation, ReportBrowser.EVALUATION_REPORT_SECTIONS,
        "evaluation-report");
    // the worst images of a and b, drawn side by side, and the curves
    assertTrue(r.images() >= 12, "images shown: " + r.images());
    List<String> stats = Files.readAllLines(evaluation.resolve("data/stats.csv"));
    assertEquals(1 + 2 * 10, stats.size(), "ten keypoint stats for each of a and b");
  }

  @Test
  void notebooksRunOnTheOutputs() {
    NotebookRunner.Result label = NotebookRunner.labelReport(reportA, "label-report");
    assertTrue(label.figures() > 0, "label-report notebook drew no figure");
    NotebookRunner.Result eval = NotebookRunner.evaluation(evaluation, "evaluation");
    assertTrue(eval.figures() > 0, "evaluation notebook drew no figure");
    NotebookRunner.Result compare = NotebookRunner.compare(reportA, reportB, evaluation, "compare");
    assertTrue(compare.figures() > 0, "compare notebook drew no figure");
  }
}
