package io.personlab.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three notebooks in notebooks/ executed headless on small report folders that follow the
 * reports' data contract (ReportFixtures), and the runner's failure on a raising cell. The
 * executed notebooks land in target/notebooks.
 */
class NotebookRunnerTest {
  @TempDir Path tmp;

  @Test
  void labelReportNotebookRuns() throws IOException {
    Path report = ReportFixtures.labelReport(tmp.resolve("label-report"), "cfg-a1b2c3", 1, true);
    NotebookRunner.Result r = NotebookRunner.labelReport(report, "label-report");
    // distributions and the sample gallery
    assertTrue(r.figures() >= 2, "figures: " + r.figures());
    assertOutputs(r, "people per labeled image", "Unsupported JPEG process", "cfg-a1b2c3");
  }

  @Test
  void evaluationNotebookRuns() throws IOException {
    Path eval = ReportFixtures.evaluation(tmp.resolve("evaluation"), false);
    NotebookRunner.Result r = NotebookRunner.evaluation(eval, "evaluation");
    // PR curves, per-image plots, the worst pictures
    assertTrue(r.figures() >= 3, "figures: " + r.figures());
    assertOutputs(r, "iouType keypoints", "AP@[.50:.95|all|20]");
  }

  @Test
  void compareNotebookRuns() throws IOException {
    Path a = ReportFixtures.labelReport(tmp.resolve("label-a"), "cfg-a1b2c3", 1, true);
    Path b = ReportFixtures.labelReport(tmp.resolve("label-b"), "cfg-d4e5f6", 2, false);
    Path eval = ReportFixtures.evaluation(tmp.resolve("evaluation"), true);
    NotebookRunner.Result r = NotebookRunner.compare(a, b, eval, "compare");
    assertTrue(r.figures() >= 4, "figures: " + r.figures());
    assertOutputs(r, "b - a", "b worse than a");
  }

  @Test
  void aRaisingCellFailsWithItsError() throws IOException {
    Path nb = tmp.resolve("broken.ipynb");
    Files.writeString(nb, """
        {"nbformat": 4, "nbformat_minor": 5,
         "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
         "cells": [
          {"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": null, "outputs": [],
           "source": "import os\\nREPORT_DIR = os.environ.get('PERSONLAB_LABEL_REPORT', 'nowhere')"},
          {"cell_type": "code", "id": "c2", "metadata": {}, "execution_count": null, "outputs": [],
           "source": "import pandas as pd\\npd.read_csv(REPORT_DIR + '/data/images.csv')"}
         ]}
        """);
    AssertionError e = assertThrows(AssertionError.class, () -> NotebookRunner.execute(nb,
        Map.of("PERSONLAB_LABEL_REPORT", tmp.resolve("missing").toString()), "broken"));
    System.out.println("NotebookRunnerTest: expected failure: " + e.getMessage());
    assertTrue(e.getMessage().contains("FileNotFoundError"), e.getMessage());
    assertTrue(e.getMessage().contains("pd.read_csv(REPORT_DIR + '/data/images.csv')"), e.getMessage());
    assertTrue(e.getMessage().contains("missing/data/images.csv"), e.getMessage());
  }

  /** Each part appears in the cells' outputs (printed text, tables), not just in their source. */
  private static void assertOutputs(NotebookRunner.Result r, String... parts) {
    for (String part : parts) {
      assertTrue(r.outputText().contains(part), "expected '" + part + "' in the outputs of "
          + r.executed());
    }
    assertTrue(r.stderr().stream().noneMatch(t -> t.contains("Traceback")), r.stderr().toString());
    assertEquals(Path.of("target/notebooks").toAbsolutePath(), r.executed().getParent());
  }
}
