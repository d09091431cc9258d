package io.personlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluate command end to end: output format, and one clear error naming the file and the
 * record for each kind of malformed input (never a silent drop, never a stack trace).
 */
public class EvaluateCommandTest {
  private static final Path REF = SharedData.cocoEval();
  private static final String GT = REF.resolve("gt_person_keypoints_val2017_mini.json").toString();

  @TempDir Path tmp;

  public record Run(int exit, String out, String err) {
    public String lastLine() {
      List<String> lines = out.lines().toList();
      return lines.get(lines.size() - 1);
    }
  }

  public static synchronized Run run(String... args) {
    PrintStream oldOut = System.out, oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int exit = PersonLab.execute(new PersonLab(), args);
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void printsThePycocotoolsTableThenOneJsonLine() throws IOException {
    Run r = run("evaluate", "--gt", GT, "--results",
        REF.resolve("results/segm_perturbed_results.json").toString(), "--iou-type", "segm");
    assertEquals(0, r.exit(), r.err());
    JsonNode expected = new ObjectMapper().readTree(REF.resolve("expected/segm_perturbed.json").toFile());
    List<String> lines = r.out().lines().toList();
    assertEquals(13, lines.size());
    for (int i = 0; i < 12; i++) {
      assertEquals(expected.get("summary_text").get(i).asText(), lines.get(i));
    }
    JsonNode last = new ObjectMapper().readTree(r.lastLine());
    assertEquals("segm", last.get("iouType").asText());
    for (int i = 0; i < 12; i++) {
      // full precision: the printed double reads back as exactly pycocotools' value
      assertEquals(expected.get("stats").get(i).asDouble(), last.get("stats").get(i).asDouble(), 0.0);
    }
  }

  @Test
  void readsGzippedResultsWhateverTheirName() throws IOException {
    Path gz = tmp.resolve("results.json");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
      o.write(Files.readAllBytes(REF.resolve("results/kp_exact_results.json")));
    }
    Run r = run("evaluate", "--gt", GT, "--results", gz.toString(), "--iou-type", "keypoints");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.lastLine().startsWith("{\"iouType\":\"keypoints\",\"stats\":[1.0,1.0,1.0"), r.lastLine());
  }

  @Test
  void keypointsOfTheWrongLengthNameFileAndRecord() throws IOException {
    Path f = write("bad_kp.json", "[{\"image_id\": 139, \"category_id\": 1, \"score\": 0.9, \"keypoints\": [1, 2, 2]},"
        + "{\"image_id\": 139, \"category_id\": 1, \"score\": 0.5, \"keypoints\": [1, 2]}]");
    Run r = run("evaluate", "--gt", GT, "--results", f.toString(), "--iou-type", "keypoints");
    assertEquals(1, r.exit());
    assertEquals("error: " + f + ": result #0 (image_id 139): keypoints has 3 values, expected 51 (17 x [x, y, v])\n", r.err());
  }

  @Test
  void unknownImageIdNamesFileAndRecord() throws IOException {
    Path f = write("bad_image.json", "[" + pose(139, 0.9) + "," + pose(424242, 0.5) + "]");
    Run r = run("evaluate", "--gt", GT, "--results", f.toString(), "--iou-type", "keypoints");
    assertEquals(1, r.exit());
    assertEquals("error: " + f + ": result #1: image_id 424242 is not in the ground truth " + GT + "\n", r.err());
  }

  @Test
  void nanCoordinatesNameFileAndRecord() throws IOException {
    Path f = write("nan.json", "[" + pose(139, 0.9).replace("[10, 20, 2,", "[NaN, 20, 2,") + "]");
    Run r = run("evaluate", "--gt", GT, "--results", f.toString(), "--iou-type", "keypoints");
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith("error: " + f + ": result #0 (image_id 139): keypoints[0] is NaN"), r.err());
  }

  @Test
  void unknownIouTypeIsRefused() throws IOException {
    Run r = run("evaluate", "--gt", GT, "--results", REF.resolve("results/kp_exact_results.json").toString(),
        "--iou-type", "poses");
    assertEquals(1, r.exit());
    assertEquals("error: unknown iouType 'poses' (expected keypoints, segm or bbox)\n", r.err());
  }

  @Test
  void truncatedFileNamesTheFile() throws IOException {
    byte[] all = Files.readAllBytes(REF.resolve("results/kp_jitter_results.json"));
    Path f = tmp.resolve("truncated.json");
    Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
    Run r = run("evaluate", "--gt", GT, "--results", f.toString(), "--iou-type", "keypoints");
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith("error: " + f + ": file is truncated or not valid JSON"), r.err());
  }

  @Test
  void truncatedGzipNamesTheFile() throws IOException {
    Path gz = tmp.resolve("whole.json.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
      o.write(Files.readAllBytes(REF.resolve("results/kp_jitter_fp_results.json")));
    }
    byte[] all = Files.readAllBytes(gz);
    Path f = tmp.resolve("cut.json.gz");
    Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
    Run r = run("evaluate", "--gt", GT, "--results", f.toString(), "--iou-type", "keypoints");
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith("error: " + f + ": file is truncated"), r.err());
  }

  @Test
  void missingFileAndNonJsonFileAreNamed() throws IOException {
    Run missing = run("evaluate", "--gt", GT, "--results", tmp.resolve("nope.json").toString(), "--iou-type", "bbox");
    assertEquals(1, missing.exit());
    assertEquals("error: " + tmp.resolve("nope.json") + ": no such file\n", missing.err());
    Path text = write("notes.txt", "these are not results\n");
    Run notJson = run("evaluate", "--gt", GT, "--results", text.toString(), "--iou-type", "bbox");
    assertEquals(1, notJson.exit());
    assertTrue(notJson.err().startsWith("error: " + text + ": malformed JSON at line 1"), notJson.err());
    Run gtIsResults = run("evaluate", "--gt", REF.resolve("results/kp_exact_results.json").toString(),
        "--results", text.toString(), "--iou-type", "bbox");
    assertTrue(gtIsResults.err().contains("a ground-truth file must be a JSON object"), gtIsResults.err());
  }

  @Test
  void usageErrorsExitWithTwoAndHelpWorksOnEveryCommand() {
    assertEquals(2, run("evaluate", "--gt", GT).exit());
    Run help = run("evaluate", "--help");
    assertEquals(0, help.exit());
    assertTrue(help.out().contains("--iou-type"));
    assertEquals(0, run("--help").exit());
    assertEquals(0, run("bench-eval", "--help").exit());
  }

  private Path write(String name, String content) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  /** A keypoint result for tests: 17 labelled points near (10, 20). */
  public static String pose(long imageId, double score) {
    StringBuilder kp = new StringBuilder("[10, 20, 2");
    for (int i = 1; i < 17; i++) {
      kp.append(", ").append(10 + i).append(", ").append(20 + i).append(", 2");
    }
    return "{\"image_id\": " + imageId + ", \"category_id\": 1, \"score\": " + score
        + ", \"keypoints\": " + kp + "]}";
  }
}
