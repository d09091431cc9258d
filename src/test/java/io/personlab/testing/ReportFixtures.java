package io.personlab.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Small report folders that follow issue 13's data contract exactly (file names, columns, JSON
 * fields), with realistic values: what the notebooks read until the report builders' real output
 * is wired into an end-to-end test. Deterministic for a given seed.
 */
public final class ReportFixtures {
  private ReportFixtures() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long[] IMAGE_IDS = {139, 785, 872, 885, 1000, 1268, 1296, 1353, 1425, 1490};

  /** A label report's data: data/summary.json, images.csv, people.csv, sample.csv, pictures/. */
  public static Path labelReport(Path dir, String configId, long seed, boolean withPrevious)
      throws IOException {
    Random rnd = new Random(seed);
    Files.createDirectories(dir.resolve("data"));
    Files.createDirectories(dir.resolve("pictures"));
    Files.createDirectories(dir.resolve("charts"));
    List<String> images = new ArrayList<>();
    images.add("image_id,image_uri,status,error,error_kind,width,height,people,top_score,mean_score,"
        + "decode_ms,forward_ms,postprocess_ms");
    List<String> people = new ArrayList<>();
    people.add("image_id,rank,score,keypoints_found,mask_area,box_x,box_y,box_w,box_h");
    List<String> sample = new ArrayList<>();
    sample.add("image_id,image_uri,rule,people,top_score,picture");
    int ok = 0;
    int errors = 0;
    int persons = 0;
    int withPeople = 0;
    double decode = 0;
    double forward = 0;
    double post = 0;
    double scoreSum = 0;
    for (int i = 0; i < IMAGE_IDS.length; i++) {
      long id = IMAGE_IDS[i];
      String uri = String.format(Locale.ROOT, "s3://photos/coco/val2017/%012d.jpg", id);
      if (i == 7) {
        errors++;
        images.add(id + "," + uri + ",error,\"Unsupported JPEG process: SOF type 0xc3\",decode,,,0,,,"
            + "3.1,0.0,0.0");
        sample.add(id + "," + uri + ",errors,0,,");
        continue;
      }
      ok++;
      int w = i % 3 == 0 ? 480 : 640;
      int h = i % 3 == 0 ? 640 : 427;
      int n = i == 2 ? 0 : 1 + rnd.nextInt(4);
      double d = 8 + rnd.nextDouble() * 9;
      double f = 61 + rnd.nextDouble() * 25;
      double pp = 9 + 7.5 * n + rnd.nextDouble() * 6;
      decode += d;
      forward += f;
      post += pp;
      double top = Double.NaN;
      double sum = 0;
      double score = 0.55 + rnd.nextDouble() * 0.4;
      for (int r = 1; r <= n; r++) {
        score = r == 1 ? score : score * (0.45 + rnd.nextDouble() * 0.45);
        top = r == 1 ? score : top;
        sum += score;
        int kp = Math.max(3, 17 - (int) Math.round((1 - score) * 20 * rnd.nextDouble()));
        double bw = 40 + rnd.nextDouble() * 200;
        double bh = bw * (1.6 + rnd.nextDouble() * 0.8);
        long area = Math.round(bw * bh * (0.45 + rnd.nextDouble() * 0.2));
        people.add(String.format(Locale.ROOT, "%d,%d,%.4f,%d,%d,%.1f,%.1f,%.1f,%.1f",
            id, r, score, kp, area, rnd.nextDouble() * (w - bw), rnd.nextDouble() * Math.max(1, h - bh),
            bw, Math.min(bh, h)));
      }
      persons += n;
      scoreSum += sum;
      withPeople += n > 0 ? 1 : 0;
      images.add(String.format(Locale.ROOT, "%d,%s,ok,,,%d,%d,%d,%s,%s,%.2f,%.2f,%.2f",
          id, uri, w, h, n, n > 0 ? String.format(Locale.ROOT, "%.4f", top) : "",
          n > 0 ? String.format(Locale.ROOT, "%.4f", sum / n) : "", d, f, pp));
      if (i % 2 == 0 || i == 2) {
        String picture = "pictures/" + String.format(Locale.ROOT, "%012d.jpg", id);
        picture(dir.resolve(picture), n, rnd);
        sample.add(String.format(Locale.ROOT, "%d,%s,random,%d,%s,%s", id, uri, n,
            n > 0 ? String.format(Locale.ROOT, "%.4f", top) : "", picture));
      }
    }
    Files.write(dir.resolve("data/images.csv"), images);
    Files.write(dir.resolve("data/people.csv"), people);
    Files.write(dir.resolve("data/sample.csv"), sample);

    ObjectNode s = JSON.createObjectNode();
    s.put("labels", "s3://labels/warehouse/personlab.labels");
    s.put("config_id", configId);
    s.put("generated_at", "2026-12-07T19:30:00Z");
    ObjectNode counts = s.putObject("counts");
    counts.put("images", IMAGE_IDS.length).put("ok", ok).put("errors", errors)
        .put("people", persons).put("images_with_people", withPeople);
    s.putObject("timings_ms").put("decode_mean", round(decode / ok))
        .put("forward_mean", round(forward / ok)).put("postprocess_mean", round(post / ok));
    s.putObject("model").put("model_id", "bodypix-mobilenet050-stride16")
        .put("spec_hash", "5f0c2a9e41d7").put("model_sha256",
            "0efb15559998f0e49f248980e5d4e5dde3fc1eead78132a646cb6453923a13d2");
    ObjectNode conf = s.putObject("configuration");
    conf.put("longSides", "[385]").put("minPersonScore", 0.2).put("flip", seed % 2 == 0)
        .put("maxPeople", 20);
    s.putObject("sample").put("rule", "random").put("size", sample.size() - 1);
    if (withPrevious) {
      ObjectNode prev = s.putObject("previous");
      prev.put("source", "s3://labels/warehouse/personlab.labels@run_date=2026-12-06");
      prev.putObject("counts").put("images", IMAGE_IDS.length - 1).put("ok", ok - 1)
          .put("errors", errors).put("people", persons - 2).put("images_with_people", withPeople - 1);
      double mean = persons > 0 ? scoreSum / persons : 0;
      prev.put("score_mean", round(mean - 0.012)).put("score_mean_change", 0.012);
    } else {
      s.putNull("previous");
    }
    JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("data/summary.json").toFile(), s);
    return dir;
  }

  /**
   * An evaluation output: metrics.json and data/stats.csv, pr.csv, per_image.csv, worst.csv with
   * pictures/; sets a and b when {@code compare}.
   */
  public static Path evaluation(Path dir, boolean compare) throws IOException {
    Random rnd = new Random(13);
    Files.createDirectories(dir.resolve("data"));
    Files.createDirectories(dir.resolve("pictures"));
    String[] names = {"AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"};
    String[] labels = {"AP@[.50:.95|all|20]", "AP@[.50|all|20]", "AP@[.75|all|20]",
        "AP@[.50:.95|medium|20]", "AP@[.50:.95|large|20]", "AR@[.50:.95|all|20]",
        "AR@[.50|all|20]", "AR@[.75|all|20]", "AR@[.50:.95|medium|20]", "AR@[.50:.95|large|20]"};
    double[] a = {0.5574, 0.8988, 0.5607, 0.4712, 0.6811, 0.6203, 0.9114, 0.6456, 0.5369, 0.7375};
    String[] sets = compare ? new String[] {"a", "b"} : new String[] {"a"};
    List<String> stats = new ArrayList<>(List.of("set,index,name,label,value"));
    ObjectNode metrics = JSON.createObjectNode();
    metrics.put("iouType", "keypoints");
    ArrayNode predictionSets = metrics.putArray("prediction_sets");
    for (String set : sets) {
      ObjectNode ps = predictionSets.addObject();
      ps.put("name", set.equals("a") ? "bodypix stride 16" : "bodypix stride 16, flip");
      ObjectNode st = ps.putObject("stats");
      for (int i = 0; i < names.length; i++) {
        double v = set.equals("a") ? a[i] : a[i] + 0.004 + 0.02 * rnd.nextDouble() - 0.008;
        st.put(labels[i], v);
        stats.add(String.format(Locale.ROOT, "%s,%d,%s,\"%s\",%.6f", set, i, names[i], labels[i], v));
      }
    }
    JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("metrics.json").toFile(), metrics);
    Files.write(dir.resolve("data/stats.csv"), stats);

    List<String> pr = new ArrayList<>(List.of("set,iou_threshold,area,recall,precision"));
    // As the evaluation writes it: every threshold .50:.05:.95 (Double.toString), every area,
    // recall at pycocotools' thresholds (here every .05 instead of every .01).
    for (String set : sets) {
      for (String area : new String[] {"all", "medium", "large"}) {
        for (int t = 0; t < 10; t++) {
          double threshold = Math.round((0.5 + 0.05 * t) * 100) / 100.0;
          double reach = 0.95 - 0.06 * t;
          for (int k = 0; k <= 20; k++) {
            double recall = k / 20.0;
            double precision = recall > reach ? 0 : Math.max(0.05,
                1 - Math.pow(recall / reach, 3) * (0.5 + 0.03 * t) + (set.equals("b") ? 0.01 : 0));
            pr.add(String.format(Locale.ROOT, "%s,%s,%s,%s,%.4f", set, Double.toString(threshold),
                area, Double.toString(recall), Math.min(1, precision)));
          }
        }
      }
    }
    Files.write(dir.resolve("data/pr.csv"), pr);

    List<String> perImage = new ArrayList<>(List.of("set,image_id,file_name,ground_truth,"
        + "ignored_ground_truth,detections,matched_50,false_positives_50,missed_50,matched_75,"
        + "false_positives_75,missed_75,mean_best_similarity"));
    List<String> worst = new ArrayList<>(List.of(
        "set,rank,image_id,file_name,mean_best_similarity,missed_50,false_positives_50,picture"));
    for (String set : sets) {
      List<double[]> rows = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        long id = IMAGE_IDS[i];
        int gt = 1 + rnd.nextInt(4);
        int det = Math.max(0, gt + rnd.nextInt(3) - 1);
        int m50 = Math.min(gt, det) - (rnd.nextInt(4) == 0 ? 1 : 0);
        m50 = Math.max(0, m50);
        int m75 = Math.max(0, m50 - rnd.nextInt(2));
        double sim = Math.min(1, 0.25 + 0.7 * rnd.nextDouble() + (set.equals("b") ? 0.03 : 0));
        perImage.add(String.format(Locale.ROOT, "%s,%d,%012d.jpg,%d,%d,%d,%d,%d,%d,%d,%d,%d,%.4f",
            set, id, id, gt, rnd.nextInt(2), det, m50, det - m50, gt - m50, m75, det - m75,
            gt - m75, sim));
        rows.add(new double[] {id, sim, gt - m50, det - m50});
      }
      rows.sort((x, y) -> Double.compare(x[1], y[1]));
      for (int r = 0; r < 3; r++) {
        double[] row = rows.get(r);
        long id = (long) row[0];
        String picture = String.format(Locale.ROOT, "pictures/worst-%s-%012d.jpg", set, id);
        picture(dir.resolve(picture), (int) row[2] + 1, rnd);
        worst.add(String.format(Locale.ROOT, "%s,%d,%d,%012d.jpg,%.4f,%d,%d,%s", set, r + 1, id, id,
            row[1], (int) row[2], (int) row[3], picture));
      }
    }
    Files.write(dir.resolve("data/per_image.csv"), perImage);
    Files.write(dir.resolve("data/worst.csv"), worst);
    return dir;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** A 320x240 stand-in for an overlay: a photo-like background, coloured figures, skeletons. */
  private static void picture(Path out, int figures, Random rnd) throws IOException {
    BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setPaint(new java.awt.GradientPaint(0, 0, new Color(150, 180, 205), 0, 240,
        new Color(95, 120, 85)));
    g.fillRect(0, 0, 320, 240);
    Color[] colors = {new Color(230, 60, 60, 150), new Color(60, 130, 230, 150),
        new Color(60, 200, 90, 150), new Color(240, 190, 40, 150)};
    for (int i = 0; i < figures; i++) {
      int x = 30 + rnd.nextInt(230);
      int y = 40 + rnd.nextInt(60);
      g.setColor(colors[i % colors.length]);
      g.fillOval(x, y, 36, 110);
      g.setColor(Color.WHITE);
      g.setStroke(new BasicStroke(2));
      g.drawLine(x + 18, y + 10, x + 18, y + 70);
      g.drawLine(x + 18, y + 30, x + 2, y + 55);
      g.drawLine(x + 18, y + 30, x + 34, y + 55);
      g.drawLine(x + 18, y + 70, x + 8, y + 105);
      g.drawLine(x + 18, y + 70, x + 28, y + 105);
    }
    g.dispose();
    Files.createDirectories(out.getParent());
    ImageIO.write(img, "jpg", out.toFile());
  }
}
