package io.personlab.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.personlab.cli.EvaluateCommandTest;
import io.personlab.testing.SharedData;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation report (index.html, pictures/, data/*.csv) on the 79 val photos' ground truth
 * with the reference prediction files: every section, every picture present and decodable,
 * CSVs that parse and agree with metrics.json, the worst ranking following the stated rule, a
 * comparison shown side by side, and unreadable photos as captions, not failures.
 */
class EvaluationReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path REF = SharedData.cocoEval();
  private static final String GT = REF.resolve("gt_person_keypoints_val2017_mini.json").toString();
  private static final String PHOTOS = SharedData.path("data/coco-mini-val/images").toString();
  private static final Pattern IMG = Pattern.compile("<img src=\"([^\"]+)\"");
  private static final Pattern SECTION = Pattern.compile("<section id=\"(\\w+)\">(.*?)</section>", Pattern.DOTALL);
  static SparkSession spark;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("EvaluationReportTest")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void oneSetWithPicturesHasEverySectionAndDataThatAgreesWithMetrics() throws Exception {
    Path out = tmp.resolve("out");
    String results = REF.resolve("results/kp_jitter_fp_results.json").toString();
    EvaluateCommandTest.Run r = ok("evaluate", "--gt", GT, "--predictions", results, "--iou-type", "keypoints",
        "--output", out.toString(), "--images", PHOTOS, "--report-worst", "5", "--partitions", "3");
    double[] expected = doubles(JSON.readTree(REF.resolve("expected/kp_jitter_fp.json").toFile()).get("stats"));
    assertEquals(expected[0], JSON.readTree(r.lastLine()).get("stats").get(0).asDouble(), 0.0,
        "the report changes no number");

    Map<String, String> sections = sections(out);
    assertEquals(List.of("stats", "curves", "worst", "inputs"), List.copyOf(sections.keySet()));
    assertTrue(sections.get("stats").contains("AP@[.50:.95|all|20]"), "pycocotools' labels");
    assertTrue(sections.get("curves").contains("pr-a.png") && sections.get("curves").contains("OKS threshold 0.50"));
    assertTrue(sections.get("worst").contains("ranked by the mean over those people of the best OKS"),
        "the rule is stated");
    assertTrue(sections.get("inputs").contains(results) && sections.get("inputs").contains(PHOTOS));
    List<String> pictures = checkImages(out);
    assertEquals(5, pictures.stream().filter(p -> p.startsWith("pictures/")).count(), pictures.toString());

    // stats.csv: exactly metrics.json's numbers, with their labels
    JsonNode metrics = JSON.readTree(out.resolve("metrics.json").toFile()).get("prediction_sets").get(0);
    List<Map<String, String>> stats = csv(out.resolve("data/stats.csv"));
    assertEquals(10, stats.size());
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Map<String, String> row = stats.get(i);
      assertEquals("a", row.get("set"));
      assertEquals(String.valueOf(i), row.get("index"));
      names.add(row.get("name"));
      assertEquals(metrics.get("stats_array").get(i).asDouble(), Double.parseDouble(row.get("value")), 0.0);
      assertEquals(metrics.get("stats").get(row.get("label")).asDouble(), Double.parseDouble(row.get("value")), 0.0);
    }
    assertEquals(EvaluationReport.KEYPOINT_NAMES, names);

    // pr.csv: pycocotools' precision array; the mean over the "all" range is AP
    List<Map<String, String>> pr = csv(out.resolve("data/pr.csv"));
    assertEquals(List.of("set", "iou_threshold", "area", "recall", "precision"), List.copyOf(pr.get(0).keySet()));
    double sum = 0;
    int n = 0;
    for (Map<String, String> row : pr) {
      if (row.get("area").equals("all")) {
        sum += Double.parseDouble(row.get("precision"));
        n++;
      }
    }
    assertEquals(expected[0], sum / n, 1e-12);
    assertEquals(10 * 101, pr.stream().filter(x -> x.get("area").equals("all")).count());

    // per_image.csv: one row per image; matched + missed = people; matched share = AR@.50
    List<Map<String, String>> perImage = csv(out.resolve("data/per_image.csv"));
    assertEquals(EvaluationReport.PER_IMAGE_HEADER, List.copyOf(perImage.get(0).keySet()));
    assertEquals(79, perImage.size());
    int gt = 0, matched = 0, missed = 0;
    for (Map<String, String> row : perImage) {
      gt += Integer.parseInt(row.get("ground_truth"));
      matched += Integer.parseInt(row.get("matched_50"));
      missed += Integer.parseInt(row.get("missed_50"));
    }
    assertEquals(68, gt);
    assertEquals(gt, matched + missed);
    assertEquals(expected[6], matched / (double) gt, 1e-12);

    // worst.csv: the stated rule applied to per_image.csv, pictures named
    List<Map<String, String>> worst = csv(out.resolve("data/worst.csv"));
    assertEquals(ranked(perImage, "a", 5), worst.stream().map(w -> w.get("image_id")).toList());
    for (Map<String, String> w : worst) {
      assertEquals("pictures/" + w.get("image_id") + "-a.jpg", w.get("picture"));
      assertTrue(pictures.contains(w.get("picture")), w.get("picture") + " is on the page");
    }

    // the picture is the photo at 640 px with the ground truth on top: white squares at its keypoints
    Map<String, String> first = worst.get(0);
    BufferedImage picture = ImageIO.read(out.resolve(first.get("picture")).toFile());
    JsonNode image = imageOf(Long.parseLong(first.get("image_id")));
    double s = picture.getWidth() / image.get("width").asDouble();
    assertEquals(Math.min(640, Math.max(image.get("width").asInt(), image.get("height").asInt())),
        Math.max(picture.getWidth(), picture.getHeight()));
    int white = 0, points = 0;
    for (JsonNode a : annotationsOf(image.get("id").asLong())) {
      JsonNode k = a.get("keypoints");
      if (a.get("iscrowd").asInt() != 0 || a.get("num_keypoints").asInt() == 0) {
        continue;
      }
      for (int i = 0; i < 17; i++) {
        if (k.get(3 * i + 2).asInt() > 0) {
          points++;
          if (whiteAround(picture, (int) Math.round(k.get(3 * i).asDouble() * s),
              (int) Math.round(k.get(3 * i + 1).asDouble() * s))) {
            white++;
          }
        }
      }
    }
    // squares of neighbouring points overlap in crowds (117 of 142 on the first worst image)
    assertTrue(points > 0 && white >= 0.7 * points, white + " of " + points + " ground-truth keypoints white");
  }

  /**
   * A white 3x3 block at (x, y): inside a ground-truth keypoint's square (a bone is thinner, and
   * 3 px off the point no block is white: 0 of 142 on the first worst image).
   */
  private static boolean whiteAround(BufferedImage img, int x, int y) {
    for (int dx = -1; dx <= 1; dx++) {
      for (int dy = -1; dy <= 1; dy++) {
        int px = x + dx, py = y + dy;
        if (px < 0 || py < 0 || px >= img.getWidth() || py >= img.getHeight()) {
          return false;
        }
        int rgb = img.getRGB(px, py);
        if (((rgb >> 16) & 0xff) <= 190 || ((rgb >> 8) & 0xff) <= 190 || (rgb & 0xff) <= 190) {
          return false;
        }
      }
    }
    return true;
  }

  @Test
  void aComparisonShowsEachWorstImageSideBySide() throws Exception {
    Path out = tmp.resolve("cmp");
    ok("evaluate", "--gt", GT, "--predictions", REF.resolve("results/kp_jitter_results.json").toString(),
        "--compare", REF.resolve("results/kp_ties_results.json").toString(), "--iou-type", "keypoints",
        "--output", out.toString(), "--images", PHOTOS, "--report-worst", "3");
    Map<String, String> sections = sections(out);
    String worst = sections.get("worst");
    assertTrue(worst.contains("Worst for a") && worst.contains("Worst for b"), worst);
    Matcher sheets = Pattern.compile("<div class=\"sheet\">(.*?)</div>", Pattern.DOTALL).matcher(worst);
    int pairs = 0;
    while (sheets.find()) {
      List<String> srcs = new ArrayList<>();
      Matcher m = IMG.matcher(sheets.group(1));
      while (m.find()) {
        srcs.add(m.group(1));
      }
      assertEquals(2, srcs.size(), "a and b side by side: " + srcs);
      assertTrue(srcs.get(0).endsWith("-a.jpg") && srcs.get(1).equals(srcs.get(0).replace("-a.jpg", "-b.jpg")), srcs.toString());
      pairs++;
    }
    assertEquals(6, pairs, "3 worst images for a and 3 for b");
    List<String> images = checkImages(out);
    assertTrue(images.containsAll(List.of("pr-a.png", "pr-b.png", "pr-compare.png")), images.toString());

    JsonNode sets = JSON.readTree(out.resolve("metrics.json").toFile()).get("prediction_sets");
    List<Map<String, String>> stats = csv(out.resolve("data/stats.csv"));
    assertEquals(20, stats.size());
    for (Map<String, String> row : stats) {
      JsonNode set = sets.get(row.get("set").equals("a") ? 0 : 1);
      assertEquals(set.get("stats_array").get(Integer.parseInt(row.get("index"))).asDouble(),
          Double.parseDouble(row.get("value")), 0.0);
    }
    assertTrue(sections.get("stats").contains("b − a"));
    List<Map<String, String>> perImage = csv(out.resolve("data/per_image.csv"));
    assertEquals(158, perImage.size());
    List<Map<String, String>> ranking = csv(out.resolve("data/worst.csv"));
    for (String set : List.of("a", "b")) {
      assertEquals(ranked(perImage, set, 3), ranking.stream().filter(w -> w.get("set").equals(set))
          .map(w -> w.get("image_id")).toList(), set);
    }
  }

  @Test
  void aLargePhotoIsDrawnAt640PixelsWithTheGroundTruthScaled() throws Exception {
    // one val photo as a 4x PNG (decoded full size, then halved twice), its ground truth at 4x
    JsonNode gt = JSON.readTree(Path.of(GT).toFile());
    JsonNode person = null;
    for (JsonNode a : gt.get("annotations")) {
      if (a.get("iscrowd").asInt() == 0 && a.get("num_keypoints").asInt() >= 12) {
        person = a;
        break;
      }
    }
    assertNotNull(person);
    JsonNode image = imageOf(person.get("image_id").asLong());
    BufferedImage photo = ImageIO.read(Path.of(PHOTOS, image.get("file_name").asText()).toFile());
    Path photos = Files.createDirectories(tmp.resolve("big"));
    BufferedImage big = io.personlab.testing.UpscaledPhoto.writePng(photo, 4, photos.resolve("big.png"));
    com.fasterxml.jackson.databind.node.ObjectNode root = JSON.createObjectNode();
    root.putArray("images").addObject().put("id", 1).put("file_name", "big.png")
        .put("width", big.getWidth()).put("height", big.getHeight());
    root.set("categories", gt.get("categories"));
    com.fasterxml.jackson.databind.node.ObjectNode a = root.putArray("annotations").addObject();
    a.put("id", 1).put("image_id", 1).put("category_id", 1).put("iscrowd", 0)
        .put("num_keypoints", person.get("num_keypoints").asInt()).put("area", 16 * person.get("area").asDouble());
    com.fasterxml.jackson.databind.node.ArrayNode kp = a.putArray("keypoints");
    com.fasterxml.jackson.databind.node.ArrayNode shifted = JSON.createArrayNode();
    JsonNode k = person.get("keypoints");
    for (int i = 0; i < k.size(); i++) {
      double v = i % 3 == 2 ? k.get(i).asDouble() : 4 * k.get(i).asDouble();
      kp.add(v);
      shifted.add(i % 3 == 0 ? v + 120 : v); // a detection 30 picture pixels to the right: a poor match
    }
    com.fasterxml.jackson.databind.node.ArrayNode box = a.putArray("bbox");
    person.get("bbox").forEach(b -> box.add(4 * b.asDouble()));
    Path gtFile = tmp.resolve("big-gt.json");
    JSON.writeValue(gtFile.toFile(), root);
    Path results = tmp.resolve("big-results.json");
    JSON.writeValue(results.toFile(), List.of(java.util.Map.of("image_id", 1, "category_id", 1, "score", 0.9,
        "keypoints", shifted)));
    Path out = tmp.resolve("big-out");
    ok("evaluate", "--gt", gtFile.toString(), "--predictions", results.toString(), "--iou-type", "keypoints",
        "--output", out.toString(), "--images", photos.toString(), "--report-worst", "1");
    BufferedImage picture = ImageIO.read(out.resolve("pictures/1-a.jpg").toFile());
    assertEquals(640, picture.getWidth());
    assertEquals(Math.round(big.getHeight() * 640.0 / big.getWidth()), picture.getHeight());
    int points = 0, white = 0;
    for (int i = 0; i < 17; i++) {
      if (k.get(3 * i + 2).asInt() > 0) {
        points++;
        // 4x coordinates at 640 / (4 * width): the original photo's coordinates
        if (whiteAround(picture, (int) Math.round(k.get(3 * i).asDouble()), (int) Math.round(k.get(3 * i + 1).asDouble()))) {
          white++;
        }
      }
    }
    assertTrue(white >= 0.8 * points, white + " of " + points + " ground-truth keypoints white");
    // the photo itself is where it belongs: away from the drawings, the picture is the photo
    double diff = 0;
    int n = 0;
    for (int y = 5; y < picture.getHeight() - 5; y += 7) {
      for (int x = 5; x < picture.getWidth() - 5; x += 7) {
        int p = picture.getRGB(x, y), q = photo.getRGB(x, y);
        diff += Math.abs(((p >> 8) & 0xff) - ((q >> 8) & 0xff));
        n++;
      }
    }
    assertTrue(diff / n < 12, "mean green difference to the photo " + diff / n);
  }

  @Test
  void maskPicturesOutlineTheGroundTruthPolygons() throws Exception {
    Path out = tmp.resolve("segm");
    ok("evaluate", "--gt", GT, "--predictions", REF.resolve("results/segm_perturbed_results.json").toString(),
        "--iou-type", "segm", "--output", out.toString(), "--images", PHOTOS, "--report-worst", "3");
    assertEquals(EvaluationReport.BOX_NAMES, csv(out.resolve("data/stats.csv")).stream().map(x -> x.get("name")).toList());
    assertTrue(sections(out).get("worst").contains("White outlines on black: the ground-truth masks"));
    checkImages(out);
    int vertices = 0, white = 0;
    for (Map<String, String> w : csv(out.resolve("data/worst.csv"))) {
      BufferedImage picture = ImageIO.read(out.resolve(w.get("picture")).toFile());
      JsonNode image = imageOf(Long.parseLong(w.get("image_id")));
      double s = picture.getWidth() / image.get("width").asDouble();
      for (JsonNode a : annotationsOf(image.get("id").asLong())) {
        if (a.get("iscrowd").asInt() != 0) {
          continue;
        }
        for (JsonNode polygon : a.get("segmentation")) {
          for (int i = 0; i + 1 < polygon.size(); i += 2) {
            int x = (int) Math.round(polygon.get(i).asDouble() * s), y = (int) Math.round(polygon.get(i + 1).asDouble() * s);
            if (x > 0 && y > 0 && x < picture.getWidth() - 1 && y < picture.getHeight() - 1) {
              vertices++;
              white += anyWhiteAround(picture, x, y) ? 1 : 0;
            }
          }
        }
      }
    }
    assertTrue(vertices > 0 && white >= 0.8 * vertices, white + " of " + vertices + " polygon vertices on a white outline");
  }

  private static boolean anyWhiteAround(BufferedImage img, int x, int y) {
    for (int dx = -1; dx <= 1; dx++) {
      for (int dy = -1; dy <= 1; dy++) {
        int rgb = img.getRGB(x + dx, y + dy);
        if (((rgb >> 16) & 0xff) > 200 && ((rgb >> 8) & 0xff) > 200 && (rgb & 0xff) > 200) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void unreadableOrMissingPhotosBecomeCaptionsAndWithoutImagesTheWorstAreListed() throws Exception {
    Path photos = Files.createDirectories(tmp.resolve("photos"));
    for (JsonNode image : JSON.readTree(Path.of(GT).toFile()).get("images")) {
      if (image.get("id").asLong() % 2 == 0) { // odd ids have no photo at all
        Files.write(photos.resolve(image.get("file_name").asText()), "not a photo".getBytes(StandardCharsets.UTF_8));
      }
    }
    Path out = tmp.resolve("broken");
    String results = REF.resolve("results/kp_jitter_results.json").toString();
    EvaluateCommandTest.Run r = ok("evaluate", "--gt", GT, "--predictions", results, "--iou-type", "keypoints",
        "--output", out.toString(), "--images", photos.toString(), "--report-worst", "4");
    double[] expected = doubles(JSON.readTree(REF.resolve("expected/kp_jitter.json").toFile()).get("stats"));
    assertEquals(expected[0], JSON.readTree(r.lastLine()).get("stats").get(0).asDouble(), 0.0);
    String worst = sections(out).get("worst");
    assertFalse(IMG.matcher(worst).find(), "no picture to show");
    assertEquals(4, worst.split("No picture: photo not drawn", -1).length - 1, worst);
    assertTrue(csv(out.resolve("data/worst.csv")).stream().allMatch(w -> w.get("picture").isEmpty()));

    Path plain = tmp.resolve("plain");
    ok("evaluate", "--gt", GT, "--predictions", results, "--iou-type", "keypoints", "--output", plain.toString());
    String listed = sections(plain).get("worst");
    assertTrue(listed.contains("pictures need") || listed.contains("give --images"), listed);
    assertEquals(EvaluationJob.Options.DEFAULT_REPORT_WORST, csv(plain.resolve("data/worst.csv")).size());
    assertFalse(Files.exists(plain.resolve("pictures")));
    EvaluateCommandTest.Run usage = EvaluateCommandTest.run("evaluate", "--gt", GT, "--predictions", results,
        "--iou-type", "keypoints", "--images", PHOTOS);
    assertEquals(1, usage.exit(), usage.err());
    assertTrue(usage.err().contains("give --output"), usage.err());
  }

  /** The image ids of a set's worst n by the page's rule, from per_image.csv. */
  static List<String> ranked(List<Map<String, String>> perImage, String set, int n) {
    return perImage.stream()
        .filter(x -> x.get("set").equals(set) && Integer.parseInt(x.get("ground_truth")) > 0)
        .sorted(Comparator.<Map<String, String>>comparingDouble(x -> Double.parseDouble(x.get("mean_best_similarity")))
            .thenComparing(Comparator.<Map<String, String>>comparingInt(x -> Integer.parseInt(x.get("missed_50"))).reversed())
            .thenComparing(Comparator.<Map<String, String>>comparingInt(
                x -> Integer.parseInt(x.get("false_positives_50"))).reversed())
            .thenComparingLong(x -> Long.parseLong(x.get("image_id"))))
        .limit(n).map(x -> x.get("image_id")).toList();
  }

  /** Sections by id, in page order. */
  static Map<String, String> sections(Path out) throws IOException {
    String html = Files.readString(out.resolve("index.html"));
    assertFalse(html.contains("<script"), "no scripts");
    assertFalse(html.contains("http://") || html.contains("https://"), "nothing from the network");
    Map<String, String> sections = new java.util.LinkedHashMap<>();
    Matcher m = SECTION.matcher(html);
    while (m.find()) {
      sections.put(m.group(1), m.group(2));
    }
    return sections;
  }

  /** Every picture the page shows exists beside it and decodes; the sources, in order. */
  static List<String> checkImages(Path out) throws IOException {
    List<String> srcs = new ArrayList<>();
    Matcher m = IMG.matcher(Files.readString(out.resolve("index.html")));
    while (m.find()) {
      String src = m.group(1);
      srcs.add(src);
      Path file = out.resolve(src);
      assertTrue(Files.isRegularFile(file), src + " exists");
      BufferedImage img = ImageIO.read(file.toFile());
      assertNotNull(img, src + " decodes");
      assertTrue(img.getWidth() > 0 && img.getHeight() > 0, src);
    }
    assertFalse(srcs.isEmpty());
    return srcs;
  }

  static List<Map<String, String>> csv(Path file) throws IOException {
    CsvMapper mapper = new CsvMapper();
    mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
    try (MappingIterator<Map<String, String>> it = mapper.readerFor(Map.class)
        .with(mapper.schemaFor(Map.class).withHeader()).readValues(file.toFile())) {
      return it.readAll();
    }
  }

  private static JsonNode imageOf(long id) throws IOException {
    for (JsonNode image : JSON.readTree(Path.of(GT).toFile()).get("images")) {
      if (image.get("id").asLong() == id) {
        return image;
      }
    }
    throw new AssertionError("no image " + id);
  }

  private static List<JsonNode> annotationsOf(long id) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode a : JSON.readTree(Path.of(GT).toFile()).get("annotations")) {
      if (a.get("image_id").asLong() == id) {
        out.add(a);
      }
    }
    return out;
  }

  private static EvaluateCommandTest.Run ok(String... args) {
    EvaluateCommandTest.Run r = EvaluateCommandTest.run(args);
    assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
    return r;
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
  }
}
