package io.personlab.jobs.report;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * {@code personlab report --labels}: a static HTML report of one labeling configuration's current
 * labels (label run directories or the label table), with a contact sheet of overlays drawn on
 * executors, distributions, errors, the change since the previous run, and data files for
 * notebooks ({@code data/summary.json}, {@code data/images.csv}, {@code data/people.csv},
 * {@code data/sample.csv}). Counts and distributions are Spark aggregations; the CSVs are
 * streamed to the driver one partition at a time; only the sample's rows are collected.
 */
public final class LabelReport {
  public static final int DEFAULT_SAMPLE = 24;
  /** Keypoints scoring at least this are "found" and drawn (what {@code infer --render} draws). */
  public static final double MIN_KEYPOINT_SCORE = 0.05;
  /** The long side of a contact-sheet picture, in pixels. */
  public static final int THUMBNAIL_LONG_SIDE = 640;
  /** Per-person and per-image values above this many are plotted from a seeded sample of this many. */
  static final int PLOT_CAP = 200_000;
  private static final long SEED = 13;

  /** How the contact sheet's photos are chosen. */
  public enum SampleRule {
    RANDOM("random"), LOWEST_SCORES("lowest-scores"), MOST_PEOPLE("most-people"), ERRORS("errors"), MIXED("mixed");

    private final String label;

    SampleRule(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    public static SampleRule parse(String s) {
      for (SampleRule r : values()) {
        if (r.label.equals(s)) {
          return r;
        }
      }
      throw new IllegalArgumentException("--sample-rule must be random, lowest-scores, most-people, errors or mixed, not "
          + s);
    }
  }

  /**
   * @param labels label's --output (run directories), or with {@code table} the table's warehouse
   * @param table a label table name (CATALOG.DB.TABLE, or a bare name kept under {@code labels}), or null
   * @param configId the configuration to report, or null for the only one
   * @param imagesRoot where the photos are now (replaces the labels' common folder), or null
   * @param output the report's folder (any Hadoop filesystem)
   */
  public record Options(String labels, String table, String configId, String imagesRoot, String output, int sample,
      SampleRule rule) {
    public Options {
      if (labels == null && table == null) {
        throw new IllegalArgumentException("give --labels URI (run directories), or --table NAME");
      }
      if (output == null) {
        throw new IllegalArgumentException("give --output DIR");
      }
      if (sample < 0) {
        throw new IllegalArgumentException("--sample must be 0 or more: " + sample);
      }
      rule = rule == null ? SampleRule.MIXED : rule;
    }
  }

  /** What a report holds. */
  public record Result(String page, String configId, long images, long errors, long people, int sampled,
      int pictures) {}

  private LabelReport() {}

  public static Result run(SparkSession spark, Options o) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    LabelSource source = LabelSource.open(spark, o.labels(), o.table(), o.configId());
    Dataset<Row> images = perImage(source.rows()).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return write(spark, conf, o, source, images);
    } finally {
      images.unpersist();
    }
  }

  /** The rows with people counts and scores per image. */
  static Dataset<Row> perImage(Dataset<Row> rows) {
    return rows.withColumn("n_people", expr("size(people)"))
        .withColumn("top_score", expr("array_max(transform(people, p -> p.score))"))
        .withColumn("mean_score", expr("IF(size(people) > 0, aggregate(people, 0D, (a, p) -> a + p.score) / size(people), NULL)"))
        .withColumn("score_sum", expr("aggregate(people, 0D, (a, p) -> a + p.score)"));
  }

  /** Counts, timings and the mean instance score. */
  record Stats(long images, long ok, long errors, long people, long imagesWithPeople, Double decodeMean,
      Double forwardMean, Double postprocessMean, Double scoreMean) {
    Map<String, Object> counts() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("images", images);
      m.put("ok", ok);
      m.put("errors", errors);
      m.put("people", people);
      m.put("images_with_people", imagesWithPeople);
      return m;
    }

    double peoplePerImage() {
      return ok == 0 ? 0 : (double) people / ok;
    }
  }

  static Stats stats(Dataset<Row> images) {
    Column ok = col("status").equalTo("ok");
    Row r = images.agg(count(lit(1)), sum(when(ok, 1).otherwise(0)), sum(when(ok, 0).otherwise(1)),
        sum(col("n_people")), sum(when(col("n_people").gt(0), 1).otherwise(0)),
        avg(when(ok, col("decode_ms"))), avg(when(ok, col("forward_ms"))), avg(when(ok, col("postprocess_ms"))),
        sum(col("score_sum"))).first();
    long people = r.isNullAt(3) ? 0 : r.getLong(3);
    return new Stats(r.getLong(0), r.isNullAt(1) ? 0 : r.getLong(1), r.isNullAt(2) ? 0 : r.getLong(2), people,
        r.isNullAt(4) ? 0 : r.getLong(4), nullable(r, 5), nullable(r, 6), nullable(r, 7),
        people == 0 ? null : r.getDouble(8) / people);
  }

  private static Double nullable(Row r, int i) {
    return r.isNullAt(i) ? null : r.getDouble(i);
  }

  private static Result write(SparkSession spark, Configuration conf, Options o, LabelSource source,
      Dataset<Row> images) throws IOException {
    Path dir = new Path(o.output());
    FileSystem fs = dir.getFileSystem(conf);
    fs.mkdirs(new Path(dir, "data"));
    fs.mkdirs(new Path(dir, "charts"));
    fs.mkdirs(new Path(dir, "pictures"));
    Stats stats = stats(images);
    if (stats.images() == 0) {
      throw new IllegalArgumentException(source.description() + ": configuration " + source.configId() + " has no rows");
    }
    Row model = images.select("model_id", "spec_hash").limit(1).first();
    String imagesRootFrom = null;
    if (o.imagesRoot() != null) {
      checkImagesRoot(conf, o.imagesRoot());
      Row range = images.agg(min("image_uri"), max("image_uri")).first();
      imagesRootFrom = commonFolder(range.getString(0), range.getString(1));
    }

    ReportPage page = new ReportPage("Labeling report: " + source.description());

    // --- summary
    page.section("summary", "Summary");
    Map<String, String> kv = new LinkedHashMap<>();
    kv.put("Labels", source.description());
    kv.put("Configuration id", source.configId());
    kv.put("Model id", model.getString(0));
    kv.put("Spec hash", model.getString(1));
    kv.put("Model SHA-256", source.modelSha256() == null ? "not recorded" : source.modelSha256());
    kv.put("Images", fmt(stats.images()));
    kv.put("Labeled (ok)", fmt(stats.ok()));
    kv.put("Errors", fmt(stats.errors()));
    kv.put("People", fmt(stats.people()));
    kv.put("Images with people", fmt(stats.imagesWithPeople()));
    kv.put("People per labeled image", num(stats.peoplePerImage()));
    kv.put("Mean instance score", stats.scoreMean() == null ? "no people" : num(stats.scoreMean()));
    kv.put("Mean decode ms per image", ms(stats.decodeMean()));
    kv.put("Mean forward ms per image", ms(stats.forwardMean()));
    kv.put("Mean post-processing ms per image", ms(stats.postprocessMean()));
    page.keyValues(kv);
    page.note("Times are means over the labeled (ok) images, as the labeling tasks measured them: reading and "
        + "decoding the file, the network's forward pass, and decoding people and masks from its maps.");
    if (source.configuration() != null) {
      page.folded("The run's stored effective configuration (secrets redacted)",
          source.configuration().toPrettyString());
    } else {
      page.note("The run's effective configuration was not stored with these labels.");
    }
    page.paragraph("Data files for notebooks, beside this page:");
    for (String f : List.of("data/summary.json", "data/images.csv", "data/people.csv", "data/sample.csv")) {
      page.link(f, f);
    }

    // --- sample
    List<Sampled> sample = sample(images, o.sample(), o.rule());
    List<Drawn> drawn = draw(spark, conf, o, images, sample, imagesRootFrom);
    page.section("sample", "Sample of " + sample.size() + " images");
    page.paragraph(ruleText(o.rule(), o.sample()));
    page.note("In each picture every person has its own colour: a translucent instance mask, the skeleton in "
        + "lines of that colour, white dots at keypoints scoring " + MIN_KEYPOINT_SCORE + " or more, and the "
        + "person's instance score (0 to 1) at the top left of its box. Pictures are downscaled to "
        + THUMBNAIL_LONG_SIDE + " pixels on the long side."
        + (o.imagesRoot() == null ? "" : " Photos were read from " + o.imagesRoot() + " in place of "
            + imagesRootFrom + "."));
    List<String> figures = new ArrayList<>();
    int pictures = 0;
    for (Drawn d : drawn) {
      String caption = caption(d);
      if (d.picture() != null) {
        pictures++;
        figures.add(ReportPage.figureHtml(d.picture(), caption));
      } else {
        figures.add(ReportPage.captionOnlyHtml(caption));
      }
    }
    if (figures.isEmpty()) {
      page.note("No images were sampled.");
    } else {
      page.sheet(figures);
    }

    // --- distributions
    page.section("distributions", "Distributions");
    Dataset<Row> people = people(images).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      distributions(page, conf, dir, images, people, stats);
      // --- data files
      writeCsvs(conf, dir, images, people);
    } finally {
      people.unpersist();
    }

    // --- errors
    page.section("errors", "Errors");
    errors(page, conf, dir, images, stats);

    // --- previous
    page.section("previous", "Change since the previous run");
    Map<String, Object> previousJson = previous(page, source, stats);

    writeSampleCsv(conf, dir, drawn);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("labels", source.description());
    summary.put("config_id", source.configId());
    summary.put("generated_at", Instant.now().toString());
    summary.put("counts", stats.counts());
    Map<String, Object> timings = new LinkedHashMap<>();
    timings.put("decode_mean", stats.decodeMean());
    timings.put("forward_mean", stats.forwardMean());
    timings.put("postprocess_mean", stats.postprocessMean());
    summary.put("timings_ms", timings);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model_id", model.getString(0));
    m.put("spec_hash", model.getString(1));
    m.put("model_sha256", source.modelSha256());
    summary.put("model", m);
    summary.put("configuration", source.configuration());
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("rule", o.rule().label());
    s.put("size", sample.size());
    summary.put("sample", s);
    summary.put("previous", previousJson);
    summary.put("score_mean", stats.scoreMean());
    ReportFiles.writeJson(conf, new Path(dir, "data/summary.json"), summary);

    page.write(conf, dir, "index.html");
    return new Result(new Path(dir, "index.html").toString(), source.configId(), stats.images(), stats.errors(),
        stats.people(), sample.size(), pictures);
  }

  // ------------------------------------------------------------------ sample

  /** A sampled image and the rule that chose it. */
  record Sampled(String uri, long imageId, String status, String error, int people, Double topScore, String rule) {}

  /** A sampled image after drawing: its picture (relative to the report) or why there is none. */
  record Drawn(Sampled image, String picture, String problem) {}

  static String ruleText(SampleRule rule, int n) {
    String what = switch (rule) {
      case RANDOM -> "a seeded pseudo-random choice: the images with the smallest hash of their URI";
      case LOWEST_SCORES -> "the images with people whose best person scores lowest";
      case MOST_PEOPLE -> "the images with the most people";
      case ERRORS -> "images that could not be labeled (ordered by the hash of their URI)";
      case MIXED -> "a quarter each: the images whose best person scores lowest, the images with the most people, "
          + "images that could not be labeled (as many as there are, up to a quarter), and the rest a seeded "
          + "pseudo-random choice (smallest hash of the URI)";
    };
    return "Selection rule \"" + rule.label() + "\" (up to " + n + " images): " + what + ". The same labels always "
        + "give the same sample. Ties are broken by URI.";
  }

  /** The sample, in display order; deterministic for the same labels. */
  static List<Sampled> sample(Dataset<Row> images, int n, SampleRule rule) {
    if (n == 0) {
      return List.of();
    }
    Column ok = col("status").equalTo("ok");
    Column hash = xxhash64(col("image_uri"), lit(SEED));
    Dataset<Row> errors = images.where(col("status").notEqual("ok")).orderBy(hash, col("image_uri"));
    Dataset<Row> lowest = images.where(ok.and(col("n_people").gt(0))).orderBy(col("top_score"), col("image_uri"));
    Dataset<Row> most = images.where(ok.and(col("n_people").gt(0)))
        .orderBy(col("n_people").desc(), col("top_score").desc(), col("image_uri"));
    Dataset<Row> random = images.orderBy(hash, col("image_uri"));
    Map<String, Sampled> chosen = new LinkedHashMap<>();
    switch (rule) {
      case RANDOM -> take(random, n, "random", chosen, n);
      case LOWEST_SCORES -> take(lowest, n, "lowest-scores", chosen, n);
      case MOST_PEOPLE -> take(most, n, "most-people", chosen, n);
      case ERRORS -> take(errors, n, "errors", chosen, n);
      case MIXED -> {
        int quarter = Math.max(1, (n + 3) / 4);
        take(lowest, quarter, "lowest-scores", chosen, n);
        take(most, quarter, "most-people", chosen, n);
        take(errors, quarter, "errors", chosen, n);
        take(random, n, "random", chosen, n);
      }
    }
    return new ArrayList<>(chosen.values());
  }

  /** Adds up to {@code quota} new images of {@code ordered} while the sample holds fewer than {@code n}. */
  private static void take(Dataset<Row> ordered, int quota, String rule, Map<String, Sampled> chosen, int n) {
    int room = Math.min(quota, n - chosen.size());
    if (room <= 0) {
      return;
    }
    // enough to fill the quota after skipping images already chosen
    List<Row> rows = ordered.select("image_uri", "image_id", "status", "error", "n_people", "top_score")
        .limit(room + chosen.size()).collectAsList();
    int added = 0;
    for (Row r : rows) {
      if (added == room) {
        break;
      }
      if (!chosen.containsKey(r.getString(0))) {
        chosen.put(r.getString(0), new Sampled(r.getString(0), r.getLong(1), r.getString(2), r.getString(3),
            r.getInt(4), r.isNullAt(5) ? null : r.getDouble(5), rule));
        added++;
      }
    }
  }

  /** Draws the sample on executors, one task per few images; results in sample order. */
  private static List<Drawn> draw(SparkSession spark, Configuration conf, Options o, Dataset<Row> images,
      List<Sampled> sample, String imagesRootFrom) {
    if (sample.isEmpty()) {
      return List.of();
    }
    Object[] uris = sample.stream().map(Sampled::uri).toArray();
    int tasks = Math.max(1, Math.min(sample.size(), 2 * spark.sparkContext().defaultParallelism()));
    ContactSheet sheet = new ContactSheet(new SerializableConfiguration(conf), o.output(), THUMBNAIL_LONG_SIDE,
        MIN_KEYPOINT_SCORE, imagesRootFrom, o.imagesRoot());
    List<Row> done = images.where(col("image_uri").isin(uris))
        .select("image_uri", "image_id", "width", "height", "people")
        .repartition(tasks, col("image_uri"))
        .mapPartitions(sheet, Encoders.row(ContactSheet.OUT)).collectAsList();
    Map<String, Row> byUri = new LinkedHashMap<>();
    done.forEach(r -> byUri.put(r.getString(0), r));
    List<Drawn> out = new ArrayList<>();
    for (Sampled s : sample) {
      Row r = byUri.get(s.uri());
      out.add(new Drawn(s, r == null ? null : r.getString(1), r == null ? "not drawn" : r.getString(2)));
    }
    return out;
  }

  static String caption(Drawn d) {
    Sampled s = d.image();
    StringBuilder b = new StringBuilder(fileName(s.uri())).append(" — ");
    if (!"ok".equals(s.status())) {
      b.append("not labeled: ").append(s.error() == null ? "error" : shortError(s.uri(), s.error()));
    } else if (s.people() == 0) {
      b.append("no people found");
    } else {
      b.append(s.people()).append(s.people() == 1 ? " person" : " people").append(", top score ")
          .append(num(s.topScore()));
    }
    b.append(" (chosen as ").append(s.rule()).append(")");
    if (d.picture() == null) {
      b.append(". The photo could not be read for this picture: ").append(d.problem());
    } else if (s.people() > 0) {
      b.append(". One colour per person: mask, skeleton; white dots are keypoints; numbers are instance scores.");
    }
    return b.toString();
  }

  private static String shortError(String uri, String error) {
    return error.startsWith(uri) ? error.substring(uri.length()).replaceFirst("^:\\s*", "") : error;
  }

  static String fileName(String uri) {
    String u = uri.replaceAll("/+$", "");
    return u.substring(u.lastIndexOf('/') + 1);
  }

  /** The folder prefix (ending with '/') that the first and last URI in order, hence all, share. */
  static String commonFolder(String first, String last) {
    int i = 0;
    while (i < first.length() && i < last.length() && first.charAt(i) == last.charAt(i)) {
      i++;
    }
    String common = first.substring(0, i);
    int slash = common.lastIndexOf('/');
    return slash < 0 ? "" : common.substring(0, slash + 1);
  }

  private static void checkImagesRoot(Configuration conf, String root) {
    try {
      Path p = new Path(root);
      FileStatus st = p.getFileSystem(conf).getFileStatus(p);
      if (!st.isDirectory()) {
        throw new IllegalArgumentException(root + ": --images-root is not a directory");
      }
    } catch (java.io.FileNotFoundException e) {
      throw new IllegalArgumentException(root + ": --images-root does not exist");
    } catch (IOException e) {
      throw new IllegalArgumentException(root + ": --images-root cannot be read: " + e.getMessage());
    }
  }

  private static void writeSampleCsv(Configuration conf, Path dir, List<Drawn> drawn) {
    List<List<?>> rows = new ArrayList<>();
    for (Drawn d : drawn) {
      Sampled s = d.image();
      rows.add(Arrays.asList(s.imageId(), s.uri(), s.rule(), s.people(), s.topScore(),
          d.picture() == null ? "" : d.picture()));
    }
    ReportFiles.writeCsv(conf, new Path(dir, "data/sample.csv"),
        List.of("image_id", "image_uri", "rule", "people", "top_score", "picture"), rows);
  }

  // ------------------------------------------------------------------ distributions

  /**
   * One row per person: image_id, rank (1 = the decoder's first), score, keypoints found (score
   * at least {@link #MIN_KEYPOINT_SCORE}), mask area in pixels at the image's size (a capped mask's
   * area scaled up), the mask's share of the image, and the box.
   */
  static Dataset<Row> people(Dataset<Row> images) {
    return images.where(col("n_people").gt(0))
        .select(col("image_id"), col("width"), col("height"), posexplode(col("people")).as(new String[] {"pos", "p"}))
        .select(col("image_id"), col("pos").plus(1).as("rank"), col("p.score").as("score"),
            expr("size(filter(transform(sequence(0, CAST(size(p.keypoints) / 3 AS INT) - 1), k -> p.keypoints[3 * k + 2]), "
                + "s -> s >= " + MIN_KEYPOINT_SCORE + "))").as("keypoints_found"),
            expr("CASE WHEN p.mask_area IS NULL THEN NULL WHEN p.mask IS NULL OR width IS NULL OR height IS NULL "
                + "THEN p.mask_area ELSE CAST(round(p.mask_area * (CAST(width AS DOUBLE) * height) "
                + "/ (CAST(p.mask.width AS DOUBLE) * p.mask.height)) AS BIGINT) END").as("mask_area"),
            expr("CASE WHEN p.mask_area IS NULL OR p.mask IS NULL THEN NULL "
                + "ELSE p.mask_area / (CAST(p.mask.width AS DOUBLE) * p.mask.height) END").as("mask_fraction"),
            expr("p.box[0]").as("box_x"), expr("p.box[1]").as("box_y"), expr("p.box[2]").as("box_w"),
            expr("p.box[3]").as("box_h"));
  }

  private static void distributions(ReportPage page, Configuration conf, Path dir, Dataset<Row> images,
      Dataset<Row> people, Stats stats) {
    // people per image: counted by Spark, one bar per count (15 and more together)
    List<Row> perImage = images.where(col("status").equalTo("ok"))
        .groupBy(when(col("n_people").geq(15), 15).otherwise(col("n_people")).as("n")).count().orderBy("n")
        .collectAsList();
    if (!perImage.isEmpty()) {
      int top = perImage.get(perImage.size() - 1).getInt(0);
      String[] cats = new String[top + 1];
      double[] vals = new double[top + 1];
      for (int i = 0; i <= top; i++) {
        cats[i] = i == 15 ? "15+" : Integer.toString(i);
      }
      perImage.forEach(r -> vals[r.getInt(0)] = r.getLong(1));
      chart(page, conf, dir, "people-per-image.png", Charts.countBars("People per image", "people found in the image",
          "images", cats, vals), "People per image: how many labeled images (bar height) have 0, 1, 2, ... people "
          + "found (15 or more in the last bar), over the " + fmt(stats.ok()) + " images labeled without error.");
    }
    long nPeople = stats.people();
    if (nPeople == 0) {
      page.note("No people were found, so there are no score, keypoint or mask distributions.");
    } else {
      String sampled = nPeople > PLOT_CAP ? " (a seeded sample of " + fmt(PLOT_CAP) + " of the " + fmt(nPeople)
          + " people)" : "";
      Dataset<Row> plotted = capped(people, nPeople);
      double[] scores = doubles(plotted, "score");
      chart(page, conf, dir, "instance-scores.png", Charts.histogram("Instance scores", "instance score", scores, 20),
          "Instance scores: how many people (bar height) have an instance score in each twentieth of its range; "
              + "the score (0 to 1) is the model's confidence that a detection is a person" + sampled + ".");
      List<Row> kp = people.groupBy("keypoints_found").count().orderBy("keypoints_found").collectAsList();
      int top = kp.get(kp.size() - 1).getInt(0);
      String[] cats = new String[top + 1];
      double[] vals = new double[top + 1];
      for (int i = 0; i <= top; i++) {
        cats[i] = Integer.toString(i);
      }
      kp.forEach(r -> vals[r.getInt(0)] = r.getLong(1));
      chart(page, conf, dir, "keypoints-found.png", Charts.countBars("Keypoints found per person", "keypoints found",
          "people", cats, vals), "Keypoints found per person: how many people (bar height) have 0 to 17 of their "
          + "keypoints scoring " + MIN_KEYPOINT_SCORE + " or more (the keypoints the pictures draw), over all "
          + fmt(nPeople) + " people.");
      double[] areas = doubles(plotted.where(col("mask_fraction").isNotNull()), "mask_fraction");
      if (areas.length > 0) {
        for (int i = 0; i < areas.length; i++) {
          areas[i] *= 100;
        }
        chart(page, conf, dir, "mask-areas.png", Charts.histogram("Mask areas", "mask area (% of the image)", areas,
            20), "Mask areas: how many people (bar height) have an instance mask covering each range of the image's "
            + "area, in percent of the image's pixels" + sampled + ".");
      } else {
        page.note("The model has no mask heads: no mask areas.");
      }
    }
    Dataset<Row> ok = images.where(col("status").equalTo("ok"));
    String sampledImages = stats.ok() > PLOT_CAP ? " (a seeded sample of " + fmt(PLOT_CAP) + " of the "
        + fmt(stats.ok()) + " images)" : "";
    Dataset<Row> okPlotted = capped(ok, stats.ok());
    for (String[] t : new String[][] {
      {"decode_ms", "decode-times.png", "Decode time per image", "reading the file and decoding its pixels"},
      {"forward_ms", "forward-times.png", "Forward time per image", "the network's forward pass"},
      {"postprocess_ms", "postprocess-times.png", "Post-processing time per image",
        "decoding people, keypoints and masks from the network's maps"}}) {
      double[] v = doubles(okPlotted, t[0]);
      if (v.length > 0) {
        chart(page, conf, dir, t[1], Charts.histogram(t[2], "milliseconds", v, 20), t[2]
            + ": how many labeled images (bar height) took each range of milliseconds for " + t[3]
            + sampledImages + ".");
      }
    }
  }

  private static Dataset<Row> capped(Dataset<Row> rows, long n) {
    return n <= PLOT_CAP ? rows : rows.sample(false, Math.min(1.0, 1.2 * PLOT_CAP / n), SEED).limit(PLOT_CAP);
  }

  private static double[] doubles(Dataset<Row> rows, String column) {
    return rows.select(col(column).cast("double")).where(col(column).isNotNull()).as(Encoders.DOUBLE())
        .collectAsList().stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static void chart(ReportPage page, Configuration conf, Path dir, String name, byte[] png, String caption) {
    ReportFiles.write(conf, new Path(dir, "charts/" + name), png);
    page.figure("charts/" + name, caption);
  }

  // ------------------------------------------------------------------ data files

  static final List<String> IMAGES_CSV = List.of("image_id", "image_uri", "status", "error", "error_kind", "width",
      "height", "people", "top_score", "mean_score", "decode_ms", "forward_ms", "postprocess_ms");
  static final List<String> PEOPLE_CSV = List.of("image_id", "rank", "score", "keypoints_found", "mask_area", "box_x",
      "box_y", "box_w", "box_h");

  /** images.csv and people.csv, streamed to the driver one partition at a time in image order. */
  private static void writeCsvs(Configuration conf, Path dir, Dataset<Row> images, Dataset<Row> people) {
    Iterator<Row> im = images.select("image_id", "image_uri", "status", "error", "error_kind", "width", "height",
        "n_people", "top_score", "mean_score", "decode_ms", "forward_ms", "postprocess_ms")
        .orderBy("image_id", "image_uri").toLocalIterator();
    ReportFiles.writeCsv(conf, new Path(dir, "data/images.csv"), IMAGES_CSV, asLists(im));
    Iterator<Row> pp = people.select("image_id", "rank", "score", "keypoints_found", "mask_area", "box_x", "box_y",
        "box_w", "box_h").orderBy("image_id", "rank").toLocalIterator();
    ReportFiles.writeCsv(conf, new Path(dir, "data/people.csv"), PEOPLE_CSV, asLists(pp));
  }

  private static Iterator<List<?>> asLists(Iterator<Row> rows) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public List<?> next() {
        Row r = rows.next();
        List<Object> out = new ArrayList<>(r.size());
        for (int i = 0; i < r.size(); i++) {
          out.add(r.get(i));
        }
        return out;
      }
    };
  }

  // ------------------------------------------------------------------ errors

  private static void errors(ReportPage page, Configuration conf, Path dir, Dataset<Row> images, Stats stats) {
    if (stats.errors() == 0) {
      page.paragraph("No errors: every image was labeled.");
      return;
    }
    // the reason: the message without the file's URI, digits folded, up to the first ':' or '('
    Dataset<Row> errors = images.where(col("status").notEqual("ok"))
        .withColumn("kind", coalesce(col("error_kind"), lit("unknown")))
        .withColumn("reason", expr("regexp_replace(trim(regexp_extract(CASE WHEN error IS NOT NULL AND "
            + "startswith(error, image_uri) THEN substring(error, length(image_uri) + 2) ELSE coalesce(error, '') END, "
            + "'^[:\\\\s]*([^:(]{0,80})', 1)), '[0-9]+', 'N')"))
        .withColumn("file", substring_index(col("image_uri"), "/", -1))
        .withColumn("rn", row_number().over(Window.partitionBy("kind", "reason").orderBy("image_uri")));
    List<Row> groups = errors.groupBy("kind", "reason")
        .agg(count(lit(1)).as("n"), expr("sort_array(collect_list(IF(rn <= 5, file, NULL)))").as("files"))
        .orderBy(col("n").desc(), col("kind"), col("reason")).collectAsList();
    List<Row> kinds = errors.groupBy("kind").count().orderBy("kind").collectAsList();
    page.paragraph(fmt(stats.errors()) + " of " + fmt(stats.images()) + " images could not be labeled. "
        + "\"permanent\" errors are properties of the file (not an image, corrupt, too large) and are not retried; "
        + "\"transient\" ones (a failed read, a time-out, memory) are retried by the next run.");
    String[] cats = kinds.stream().map(r -> r.getString(0)).toArray(String[]::new);
    double[] vals = kinds.stream().mapToDouble(r -> r.getLong(1)).toArray();
    chart(page, conf, dir, "errors-by-kind.png", Charts.countBars("Errors by kind", "kind", "images", cats, vals),
        "Errors by kind: how many images (bar height) failed with a permanent error (the file itself) or a transient "
            + "one (worth another attempt).");
    List<List<String>> rows = new ArrayList<>();
    for (Row g : groups) {
      List<String> files = g.getList(3);
      long n = g.getLong(2);
      rows.add(List.of(g.getString(0), g.getString(1).isEmpty() ? "(no message)" : g.getString(1), fmt(n),
          String.join(", ", files) + (n > files.size() ? ", ..." : "")));
    }
    page.table(List.of("kind", "reason", "images", "files (up to 5)"), rows);
  }

  // ------------------------------------------------------------------ previous

  private static Map<String, Object> previous(ReportPage page, LabelSource source, Stats now) {
    if (source.previous() == null) {
      page.paragraph("There is no previous run of configuration " + source.configId()
          + " in these labels, so there is nothing to compare with.");
      return null;
    }
    Stats before = stats(perImage(source.previous()));
    page.paragraph("The labels now, against the labels before the latest run of this configuration: "
        + source.previousDescription() + ".");
    List<List<String>> rows = new ArrayList<>();
    rows.add(row("images", before.images(), now.images()));
    rows.add(row("labeled (ok)", before.ok(), now.ok()));
    rows.add(row("errors", before.errors(), now.errors()));
    rows.add(row("people", before.people(), now.people()));
    rows.add(row("images with people", before.imagesWithPeople(), now.imagesWithPeople()));
    rows.add(List.of("people per labeled image", num(before.peoplePerImage()), num(now.peoplePerImage()),
        signed(now.peoplePerImage() - before.peoplePerImage())));
    Double change = before.scoreMean() == null || now.scoreMean() == null ? null : now.scoreMean() - before.scoreMean();
    rows.add(List.of("mean instance score", before.scoreMean() == null ? "" : num(before.scoreMean()),
        now.scoreMean() == null ? "" : num(now.scoreMean()), change == null ? "" : signed(change)));
    page.table(List.of("", "before", "now", "change"), rows);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("source", source.previousDescription());
    p.put("counts", before.counts());
    p.put("score_mean", before.scoreMean());
    p.put("score_mean_change", change);
    return p;
  }

  private static List<String> row(String name, long before, long now) {
    return List.of(name, fmt(before), fmt(now), (now >= before ? "+" : "") + fmt(now - before));
  }

  // ------------------------------------------------------------------ formatting

  private static String fmt(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String num(Double v) {
    return v == null ? "" : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String signed(double v) {
    return String.format(Locale.ROOT, "%+.3f", v);
  }

  private static String ms(Double v) {
    return v == null ? "no labeled images" : String.format(Locale.ROOT, "%.1f", v);
  }
}
