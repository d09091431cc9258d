package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.personlab.cli.EvaluateCommandTest;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code personlab report} on a real local Spark session: val photos and a broken file labeled
 * in two runs (the second adds a photo), into run directories and into the label table.
 */
class LabelReportTest {
  static SparkSession spark;
  @TempDir static Path tmp;
  static Path photos;
  static String runs;
  static String warehouse;
  static final String[] SECTIONS = {"summary", "sample", "distributions", "errors", "previous"};

  @BeforeAll
  static void labelTwice() throws Exception {
    spark = SparkSession.builder().master("local[2,4]").appName("LabelReportTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.extensions", LabelTable.EXTENSIONS)
        .getOrCreate();
    // 000000000139.jpg and the broken file, and three photos with people (one with a crowd)
    photos = LabelJobTest.photosAndABrokenFile(tmp, 1);
    link("000000034417.jpg", "000000350679.jpg", "000000217285.jpg");
    runs = tmp.resolve("runs").toString();
    warehouse = tmp.resolve("warehouse").toString();
    LabelJob.run(spark, LabelJobTest.options(List.of(photos.toString()), runs, LabelJobTest.fast(0.2), 200, false, 0, 0));
    LabelJob.run(spark, LabelTableTest.options(photos, warehouse, "labels", LabelJobTest.fast(0.2)));
    // a second run of the same configuration: one more photo (and the broken file, retried)
    link("000000183709.jpg");
    LabelJob.run(spark, LabelJobTest.options(List.of(photos.toString()), runs, LabelJobTest.fast(0.2), 200, false, 0, 0));
    LabelJob.run(spark, LabelTableTest.options(photos, warehouse, "labels", LabelJobTest.fast(0.2)));
  }

  static void link(String... names) throws java.io.IOException {
    for (String n : names) {
      Files.createSymbolicLink(photos.resolve(n), LabelJobTest.IMAGES.resolve(n));
    }
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static EvaluateCommandTest.Run report(String... args) {
    List<String> a = new ArrayList<>(List.of("report", "--master", "local[2]"));
    a.addAll(List.of(args));
    return EvaluateCommandTest.run(a.toArray(String[]::new));
  }

  static EvaluateCommandTest.Run ok(String... args) {
    EvaluateCommandTest.Run r = report(args);
    assertEquals(0, r.exit(), r.err() + r.out());
    return r;
  }

  static List<Map<String, String>> csv(Path file) throws Exception {
    CsvMapper m = new CsvMapper();
    try (MappingIterator<Map<String, String>> it = m.readerFor(Map.class)
        .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile())) {
      return it.readAll();
    }
  }

  static List<String> header(Path file) throws Exception {
    return List.of(Files.readAllLines(file).get(0).split(","));
  }

  /** Every section is there, and every picture the page shows is a file beside it that decodes. */
  static String checkPage(Path dir) throws Exception {
    String html = Files.readString(dir.resolve("index.html"));
    for (String id : SECTIONS) {
      assertTrue(html.contains("<section id=\"" + id + "\">"), "section " + id);
    }
    assertTrue(!html.contains("<script"), "no scripts");
    Matcher m = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
    int images = 0;
    while (m.find()) {
      Path f = dir.resolve(m.group(1));
      assertTrue(Files.isRegularFile(f), "picture " + f);
      BufferedImage img = ImageIO.read(f.toFile());
      assertNotNull(img, "decodable " + f);
      assertTrue(img.getWidth() > 0 && img.getHeight() > 0);
      images++;
    }
    assertTrue(images >= 5, "charts and pictures: " + images);
    return html;
  }

  @Test
  void reportOfRunDirectoriesMatchesTheLabels() throws Exception {
    Path dir = tmp.resolve("report-runs");
    String out = ok("--labels", runs, "--output", dir.toString(), "--sample", "4").out();
    assertTrue(out.contains("6 images (1 errors)"), out);
    String html = checkPage(dir);
    List<Row> labels = LabelStore.read(spark, runs).collectAsList();
    long people = labels.stream().mapToLong(r -> r.getList(9).size()).sum();
    long withPeople = labels.stream().filter(r -> !r.getList(9).isEmpty()).count();
    assertEquals(6, labels.size());
    assertTrue(people > 0);

    List<Map<String, String>> images = csv(dir.resolve("data/images.csv"));
    assertEquals(List.of("image_id", "image_uri", "status", "error", "error_kind", "width", "height", "people",
        "top_score", "mean_score", "decode_ms", "forward_ms", "postprocess_ms"), header(dir.resolve("data/images.csv")));
    assertEquals(6, images.size());
    assertEquals(1, images.stream().filter(r -> r.get("status").equals("error")).count());
    for (Map<String, String> r : images) { // empty cells stay in their columns
      boolean ok = r.get("status").equals("ok");
      assertEquals(ok, r.get("error").isEmpty(), r.toString());
      assertEquals(ok ? "" : "permanent", r.get("error_kind"), r.toString());
      assertEquals(ok, !r.get("width").isEmpty(), r.toString());
    }
    assertEquals(people, images.stream().mapToLong(r -> Long.parseLong(r.get("people"))).sum());
    List<Map<String, String>> persons = csv(dir.resolve("data/people.csv"));
    assertEquals(List.of("image_id", "rank", "score", "keypoints_found", "mask_area", "box_x", "box_y", "box_w",
        "box_h"), header(dir.resolve("data/people.csv")));
    assertEquals(people, persons.size());
    for (Map<String, String> p : persons) {
      int k = Integer.parseInt(p.get("keypoints_found"));
      assertTrue(k >= 0 && k <= 17);
      assertTrue(Long.parseLong(p.get("mask_area")) > 0);
    }

    JsonNode summary = new ObjectMapper().readTree(dir.resolve("data/summary.json").toFile());
    JsonNode counts = summary.get("counts");
    assertEquals(6, counts.get("images").asLong());
    assertEquals(5, counts.get("ok").asLong());
    assertEquals(1, counts.get("errors").asLong());
    assertEquals(people, counts.get("people").asLong());
    assertEquals(withPeople, counts.get("images_with_people").asLong());
    assertTrue(summary.get("timings_ms").get("forward_mean").asDouble() > 0);
    assertEquals(64, summary.get("model").get("model_sha256").asText().length());
    assertTrue(summary.get("configuration").has("options"), "the run's stored configuration");
    assertEquals("mixed", summary.get("sample").get("rule").asText());
    assertEquals(4, summary.get("sample").get("size").asInt());
    assertTrue(html.contains(summary.get("config_id").asText()));
    // the second run added one photo: before it, 5 images (4 photos and the broken file)
    JsonNode previous = summary.get("previous");
    assertEquals(5, previous.get("counts").get("images").asLong(), previous.toString());
    assertEquals(5, previous.get("counts").get("ok").asLong() + previous.get("counts").get("errors").asLong());
    assertTrue(previous.get("score_mean_change").isNumber());

    // the sample: the error row is in it, with a caption and no picture to show
    List<Map<String, String>> sample = csv(dir.resolve("data/sample.csv"));
    assertEquals(List.of("image_id", "image_uri", "rule", "people", "top_score", "picture"),
        header(dir.resolve("data/sample.csv")));
    assertEquals(4, sample.size());
    assertEquals(4, new HashSet<>(sample.stream().map(r -> r.get("image_uri")).toList()).size());
    assertTrue(sample.stream().anyMatch(r -> r.get("rule").equals("errors") && r.get("image_uri").endsWith("broken.jpg")));
    for (Map<String, String> r : sample) {
      if (r.get("image_uri").endsWith("broken.jpg")) {
        assertEquals("", r.get("picture"));
      } else {
        assertTrue(Files.isRegularFile(dir.resolve(r.get("picture"))), r.toString());
        assertTrue(html.contains("src=\"" + r.get("picture") + "\""));
      }
    }
    assertTrue(html.contains("broken.jpg — not labeled"), "the error's caption");
    assertTrue(html.contains("Selection rule &quot;mixed&quot;"), "the rule, stated");
  }

  @Test
  void theSampleIsDeterministicAndAMissingPhotoIsACaption() throws Exception {
    Path a = tmp.resolve("report-a"), b = tmp.resolve("report-b");
    ok("--labels", runs, "--output", a.toString(), "--sample", "3", "--sample-rule", "random");
    ok("--labels", runs, "--output", b.toString(), "--sample", "3", "--sample-rule", "random");
    assertEquals(Files.readString(a.resolve("data/sample.csv")), Files.readString(b.resolve("data/sample.csv")));
    List<Map<String, String>> all = csv(a.resolve("data/sample.csv"));
    assertEquals(3, all.size());

    // the photos moved: all but one copied to a new root
    Path moved = Files.createDirectories(tmp.resolve("moved/photos"));
    List<Map<String, String>> most = csv(runsReport("most-people", 5).resolve("data/sample.csv"));
    String uri = most.get(0).get("image_uri");
    String gone = uri.substring(uri.lastIndexOf('/') + 1);
    Set<String> copied = new HashSet<>();
    try (var list = Files.list(photos)) {
      for (Path p : list.toList()) {
        if (!p.getFileName().toString().equals(gone)) {
          Files.copy(p, moved.resolve(p.getFileName()));
          copied.add(p.getFileName().toString());
        }
      }
    }
    Path c = tmp.resolve("report-moved");
    ok("--labels", runs, "--output", c.toString(), "--sample", "5", "--sample-rule", "most-people", "--images-root",
        moved.toString());
    String html = checkPage(c);
    List<Map<String, String>> sample = csv(c.resolve("data/sample.csv"));
    assertEquals(most.get(0).get("image_uri"), sample.get(0).get("image_uri"), "the same sample");
    assertEquals("", sample.get(0).get("picture"), "the missing photo has no picture");
    assertTrue(html.contains(gone + " — ") && html.contains("could not be read"), "its caption says why");
    assertTrue(html.contains(moved.resolve(gone).toString()), "naming where it was looked for");
    long drawn = sample.stream().filter(r -> !r.get("picture").isEmpty()).count();
    assertEquals(sample.size() - 1, drawn, "the others were read from the new root");
    assertEquals(5, copied.size(), "four photos and the broken file moved");
  }

  private static Path runsReport(String rule, int n) {
    Path d = tmp.resolve("report-" + rule + "-" + n);
    ok("--labels", runs, "--output", d.toString(), "--sample", Integer.toString(n), "--sample-rule", rule);
    return d;
  }

  @Test
  void badInputsAreOneLineNamingThem() {
    String out = tmp.resolve("report-bad").toString();
    EvaluateCommandTest.Run missing = report("--labels", tmp.resolve("nowhere").toString(), "--output", out);
    assertEquals(1, missing.exit());
    assertTrue(missing.err().strip().startsWith("error: " + tmp.resolve("nowhere")), missing.err());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());
    EvaluateCommandTest.Run unknown = report("--labels", runs, "--config-id", "0123456789abcdef", "--output", out);
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("no configuration 0123456789abcdef"), unknown.err());
    EvaluateCommandTest.Run root = report("--labels", runs, "--images-root", tmp.resolve("no-photos").toString(),
        "--output", out);
    assertEquals(1, root.exit());
    assertTrue(root.err().contains(tmp.resolve("no-photos") + ": --images-root does not exist"), root.err());
    EvaluateCommandTest.Run rule = report("--labels", runs, "--sample-rule", "best", "--output", out);
    assertEquals(1, rule.exit());
    assertTrue(rule.err().contains("--sample-rule"), rule.err());
  }

  @Test
  void severalConfigurationsInRunDirectoriesAreListedAndChosen() throws Exception {
    // the runs so far, then a run of another configuration (minimum score 0.3): it labels only the
    // broken file again, the photos being labeled already
    Path two = tmp.resolve("runs-two");
    try (var walk = Files.walk(Path.of(runs))) {
      for (Path p : walk.toList()) {
        Files.copy(p, two.resolve(Path.of(runs).relativize(p).toString()));
      }
    }
    LabelJob.run(spark, LabelJobTest.options(List.of(photos.toString()), two.toString(), LabelJobTest.fast(0.3), 200,
        false, 0, 0));
    String out = tmp.resolve("report-two").toString();
    EvaluateCommandTest.Run ambiguous = report("--labels", two.toString(), "--output", out);
    assertEquals(1, ambiguous.exit());
    Matcher ids = Pattern.compile("holds 2 labeling configurations \\[([0-9a-f]{16}), ([0-9a-f]{16})\\]")
        .matcher(ambiguous.err());
    assertTrue(ids.find(), ambiguous.err());
    Set<Long> counts = new HashSet<>();
    for (String id : List.of(ids.group(1), ids.group(2))) {
      Path dir = tmp.resolve("report-two-" + id);
      ok("--labels", two.toString(), "--config-id", id, "--output", dir.toString());
      JsonNode summary = new ObjectMapper().readTree(dir.resolve("data/summary.json").toFile());
      assertEquals(id, summary.get("config_id").asText());
      long images = summary.get("counts").get("images").asLong();
      assertTrue(images == 6 || images == 1, "the first configuration's 6 images, or the broken file: " + images);
      if (images == 1) {
        assertTrue(summary.get("previous").isNull(), "the second configuration has one run");
      }
      counts.add(images);
    }
    assertEquals(Set.of(6L, 1L), counts, "each configuration's own rows");
  }

  @Test
  void reportOfTheLabelTable() throws Exception {
    Path dir = tmp.resolve("report-table");
    ok("--table", "labels", "--labels", warehouse, "--output", dir.toString(), "--sample", "4");
    String html = checkPage(dir);
    String table = LabelTable.name(spark, "labels", warehouse);
    String config = LabelTable.configurationToRead(spark, table, null);
    long rows = LabelTable.current(spark, table, config).count();
    JsonNode summary = new ObjectMapper().readTree(dir.resolve("data/summary.json").toFile());
    assertEquals(config, summary.get("config_id").asText());
    assertEquals(rows, summary.get("counts").get("images").asLong());
    assertEquals(6, rows);
    assertEquals(rows, csv(dir.resolve("data/images.csv")).size());
    assertTrue(summary.get("configuration").has("options"), "the snapshot's stored configuration");
    assertEquals(5, summary.get("previous").get("counts").get("images").asLong(), "as of the previous snapshot");
    assertTrue(html.contains("as of snapshot"));
  }

  /**
   * The val photos are at most 640 px, so the report never downscales them: here a 4x copy is
   * labeled and reported, and its thumbnail checked against the plain photo: the photo unmoved,
   * the first person's mask tinted in its colour inside and not 3-10 px outside, and white dots at
   * its keypoints. A mask, photo or keypoints 8 px off, or people left at the label's scale, fail.
   */
  @Test
  void aLargePhotosOverlaySitsOnItsPeopleInTheThumbnail() throws Exception {
    // one val photo with large people as a 4x PNG (2560 px: decoded, then downscaled to 640 px)
    String name = "000000350679.jpg";
    BufferedImage photo = ImageIO.read(LabelJobTest.IMAGES.resolve(name).toFile());
    Path dir = Files.createDirectories(tmp.resolve("big-photos"));
    BufferedImage big = io.personlab.testing.UpscaledPhoto.writePng(photo, 4, dir.resolve("big.png"));
    String bigRuns = tmp.resolve("big-runs").toString();
    LabelJob.run(spark, LabelJobTest.options(List.of(dir.toString()), bigRuns, LabelJobTest.fast(0.2), 200, false, 0, 0));
    Row label = LabelStore.read(spark, bigRuns).collectAsList().get(0);
    assertEquals(big.getWidth(), label.getInt(2), "labeled at the PNG's size");
    List<Row> people = label.getList(9);
    assertTrue(!people.isEmpty(), "people found");

    Path out = tmp.resolve("report-big");
    ok("--labels", bigRuns, "--output", out.toString(), "--sample", "1");
    Map<String, String> row = csv(out.resolve("data/sample.csv")).get(0);
    BufferedImage picture = ImageIO.read(out.resolve(row.get("picture")).toFile());
    int w = picture.getWidth(), h = picture.getHeight();
    assertEquals(640, w);
    assertEquals(Math.round(big.getHeight() * 640.0 / big.getWidth()), h);
    assertEquals(photo.getWidth(), w, "the thumbnail is the original photo's size");
    assertEquals(photo.getHeight(), h);

    // the masks brought to the thumbnail; the first person's is the one checked, the others' set aside
    boolean[] first = thumbnailMask(people.get(0), w, h);
    boolean[] others = new boolean[w * h];
    for (int j = 1; j < people.size(); j++) {
      boolean[] m = thumbnailMask(people.get(j), w, h);
      for (int i = 0; i < m.length; i++) {
        others[i] |= m[i];
      }
    }
    // the photo itself is where it belongs: away from the masks, the picture is the photo
    boolean[] anyNear = dilate(or(first, others), w, h, 3);
    List<Integer> diffs = new ArrayList<>();
    for (int i = 0; i < w * h; i++) {
      if (!anyNear[i]) {
        int p = picture.getRGB(i % w, i / w), q = photo.getRGB(i % w, i / w);
        diffs.add(Math.abs(((p >> 8) & 0xff) - ((q >> 8) & 0xff)));
      }
    }
    java.util.Collections.sort(diffs);
    double mean = diffs.stream().mapToInt(Integer::intValue).average().orElse(0);
    System.out.printf("green difference to the photo away from the masks: median %d, mean %.2f%n",
        diffs.get(diffs.size() / 2), mean);
    assertTrue(mean < 8, "mean green difference to the photo away from the masks " + mean);

    // tint towards the first person's colour (red): (R - G) gained over the plain photo; 45% of
    // (230, 25, 75) gives about +90 on typical pixels, JPEG noise a few units
    java.awt.Color c = io.personlab.pipeline.OverlayRenderer.color(0);
    assertTrue(c.getRed() - c.getGreen() > 150, "a red first colour: " + c);
    double[] tint = new double[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = picture.getRGB(x, y), q = photo.getRGB(x, y);
        tint[y * w + x] = (((p >> 16) & 0xff) - ((p >> 8) & 0xff)) - (((q >> 16) & 0xff) - ((q >> 8) & 0xff));
      }
    }
    boolean[] near = dilate(first, w, h, 2), ringOuter = dilate(first, w, h, 10);
    boolean[] inside = dilate(not(first), w, h, 2); // its complement: the mask eroded by 2 px
    int in = 0, inTinted = 0, ring = 0, ringTinted = 0;
    for (int i = 0; i < w * h; i++) {
      if (!inside[i]) {
        in++;
        inTinted += tint[i] > 35 ? 1 : 0;
      } else if (ringOuter[i] && !near[i] && !others[i]) {
        ring++;
        ringTinted += tint[i] > 35 ? 1 : 0;
      }
    }
    assertTrue(in > 2000 && ring > 1000, "a large person: " + in + " pixels inside, " + ring + " around");
    double inFraction = (double) inTinted / in, ringFraction = (double) ringTinted / ring;
    System.out.printf("mask tint: %.3f of %d inside, %.3f of %d in the 3-10 px ring%n", inFraction, in, ringFraction, ring);
    assertTrue(inFraction > 0.9 && ringFraction < 0.06, String.format(
        "the first person's mask tinted red in the thumbnail: %.3f of %d pixels inside it (want > 0.9), %.3f of %d"
            + " pixels 3-10 px outside it (want < 0.06)", inFraction, in, ringFraction, ring));

    // white dots at the first person's keypoints, scaled from the label's pixels to the thumbnail;
    // a keypoint within 8 px of another drawn one (whose outline or bones may cover it) is not checked
    double s = (double) w / label.getInt(2);
    List<double[]> drawn = new ArrayList<>();
    for (Row p : people) {
      List<Double> kp = p.getList(1);
      for (int i = 0; i + 2 < kp.size(); i += 3) {
        if (kp.get(i + 2) >= io.personlab.jobs.report.LabelReport.MIN_KEYPOINT_SCORE) {
          drawn.add(new double[] {(kp.get(i) + 0.5) * s - 0.5, (kp.get(i + 1) + 0.5) * s - 0.5});
        }
      }
    }
    List<Double> k = people.get(0).getList(1);
    int points = 0, white = 0;
    StringBuilder missed = new StringBuilder();
    for (int i = 0; i + 2 < k.size(); i += 3) {
      if (k.get(i + 2) < io.personlab.jobs.report.LabelReport.MIN_KEYPOINT_SCORE) {
        continue;
      }
      double px = (k.get(i) + 0.5) * s - 0.5, py = (k.get(i + 1) + 0.5) * s - 0.5;
      int x = (int) Math.round(px), y = (int) Math.round(py);
      long close = drawn.stream().filter(d -> Math.hypot(d[0] - px, d[1] - py) < 8).count();
      if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1 || whiteAround(photo, x, y) || close > 1) {
        continue; // off the picture, white already, or beside another keypoint
      }
      points++;
      if (whiteAround(picture, x, y)) {
        white++;
      } else {
        missed.append(' ').append(i / 3).append('@').append(x).append(',').append(y);
      }
    }
    System.out.printf("keypoints: %d of %d white; missed%s%n", white, points, missed);
    assertTrue(points >= 6, "keypoints to check: " + points);
    assertTrue(white >= 0.8 * points, white + " of " + points + " keypoints drawn white where they belong; missed" + missed);
  }

  /** A person's stored mask (at the labeled image's size, or capped) at the thumbnail's size, row-major. */
  static boolean[] thumbnailMask(Row person, int w, int h) {
    Row m = person.getStruct(3);
    io.personlab.rle.Rle rle = io.personlab.rle.RleOps.resize(
        io.personlab.rle.Rle.fromCompressedString(m.getString(2), m.getInt(0), m.getInt(1)), h, w);
    byte[] columns = rle.decode();
    boolean[] out = new boolean[w * h];
    for (int x = 0; x < w; x++) {
      for (int y = 0; y < h; y++) {
        out[y * w + x] = columns[x * h + y] != 0;
      }
    }
    return out;
  }

  /** Square dilation by {@code r} pixels (separable). */
  static boolean[] dilate(boolean[] m, int w, int h, int r) {
    boolean[] a = new boolean[m.length], b = new boolean[m.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int d = Math.max(0, x - r); d <= Math.min(w - 1, x + r) && !a[y * w + x]; d++) {
          a[y * w + x] = m[y * w + d];
        }
      }
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int d = Math.max(0, y - r); d <= Math.min(h - 1, y + r) && !b[y * w + x]; d++) {
          b[y * w + x] = a[d * w + x];
        }
      }
    }
    return b;
  }

  static boolean[] not(boolean[] m) {
    boolean[] o = new boolean[m.length];
    for (int i = 0; i < m.length; i++) {
      o[i] = !m[i];
    }
    return o;
  }

  static boolean[] or(boolean[] a, boolean[] b) {
    boolean[] o = new boolean[a.length];
    for (int i = 0; i < a.length; i++) {
      o[i] = a[i] || b[i];
    }
    return o;
  }

  /**
   * The 3x3 pixels around (x, y) are near white on average: their luma, which JPEG keeps at full
   * resolution (its chroma subsampling bleeds a coloured mask into a small white dot).
   */
  static boolean whiteAround(BufferedImage img, int x, int y) {
    double sum = 0;
    int n = 0;
    for (int dy = -1; dy <= 1; dy++) {
      for (int dx = -1; dx <= 1; dx++) {
        int px = Math.min(img.getWidth() - 1, Math.max(0, x + dx)), py = Math.min(img.getHeight() - 1, Math.max(0, y + dy));
        int p = img.getRGB(px, py);
        sum += 0.299 * ((p >> 16) & 0xff) + 0.587 * ((p >> 8) & 0xff) + 0.114 * (p & 0xff);
        n++;
      }
    }
    return sum / n > 190;
  }
}
