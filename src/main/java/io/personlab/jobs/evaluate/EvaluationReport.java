package io.personlab.jobs.evaluate;

import io.personlab.eval.Accumulation;
import io.personlab.eval.EvalParams;
import io.personlab.eval.IouType;
import io.personlab.eval.Summary;
import io.personlab.jobs.report.ReportFiles;
import io.personlab.jobs.report.ReportPage;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The evaluation's static HTML report, {@code OUTPUT/index.html}, with its pictures and data
 * files beside it: sections {@code stats}, {@code curves}, {@code worst} and {@code inputs}, and
 * under {@code data/} the CSV files notebooks read with pandas (columns are a contract: new ones
 * only at the end):
 *
 * <ul>
 *   <li>{@code stats.csv}: set,index,name,label,value
 *   <li>{@code pr.csv}: set,iou_threshold,area,recall,precision (the last maxDets, the first
 *       category; settings without ground truth left out)
 *   <li>{@code per_image.csv}: set,image_id,file_name, the per-image counts,
 *       mean_best_similarity (one row per set and image, all categories together), written by
 *       Spark as one file
 *   <li>{@code worst.csv}: set,rank,image_id,file_name,mean_best_similarity,missed_50,
 *       false_positives_50,picture
 * </ul>
 *
 * Nothing here changes a number of the evaluation: it reads the per-image outcomes and the
 * accumulations the job already has.
 */
final class EvaluationReport {
  private EvaluationReport() {}

  static final String INDEX = "index.html";
  static final String DATA = "data";
  static final String COMPARISON_PNG = "pr-compare.png";

  static final List<String> KEYPOINT_NAMES =
      List.of("AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl");
  static final List<String> BOX_NAMES =
      List.of("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl");

  static final List<String> STATS_HEADER = List.of("set", "index", "name", "label", "value");
  static final List<String> PR_HEADER = List.of("set", "iou_threshold", "area", "recall", "precision");
  static final List<String> PER_IMAGE_HEADER = List.of("set", "image_id", "file_name", "ground_truth",
      "ignored_ground_truth", "detections", "matched_50", "false_positives_50", "missed_50", "matched_75",
      "false_positives_75", "missed_75", "mean_best_similarity");
  static final List<String> WORST_HEADER = List.of("set", "rank", "image_id", "file_name",
      "mean_best_similarity", "missed_50", "false_positives_50", "picture");

  /** The rule the worst images are ranked by, as the page states it. */
  static String worstRule(IouType type) {
    String measure = measure(type);
    return "Images with at least one person that counts (not a crowd"
        + (type == IouType.KEYPOINTS ? ", with labelled keypoints" : "") + "), ranked by the mean over "
        + "those people of the best " + measure + " any prediction reaches with each (lowest first); "
        + "ties go to more people missed at " + measure + " 0.50, then more false positives at 0.50, "
        + "then the lower image id. Images without such a person are not ranked.";
  }

  /** One image's results for one prediction set, all categories together. */
  record ImageRow(int set, long imageId, String fileName, int[] counts, Double meanBestSimilarity)
      implements Serializable {
    int groundTruth() {
      return counts[0];
    }

    int detections() {
      return counts[2];
    }

    int falsePositives50() {
      return counts[4];
    }

    int missed50() {
      return counts[5];
    }

    Row row() {
      Object[] v = new Object[13];
      v[0] = EvaluationOutput.SET_NAMES[set];
      v[1] = imageId;
      v[2] = fileName;
      for (int i = 0; i < 9; i++) {
        v[3 + i] = counts[i];
      }
      v[12] = meanBestSimilarity;
      return RowFactory.create(v);
    }
  }

  /** The worst first: lowest mean best similarity, most missed, most false positives, lowest id. */
  static final Comparator<ImageRow> WORST = (Comparator<ImageRow> & Serializable) (x, y) -> {
    int c = Double.compare(x.meanBestSimilarity(), y.meanBestSimilarity());
    if (c == 0) {
      c = Integer.compare(y.missed50(), x.missed50());
    }
    if (c == 0) {
      c = Integer.compare(y.falsePositives50(), x.falsePositives50());
    }
    return c != 0 ? c : Long.compare(x.imageId(), y.imageId());
  };

  /** Each prediction set's row of an evaluated image (none for records of no image). */
  static List<ImageRow> imageRows(ImageStage.Outcome out) {
    List<ImageRow> rows = new ArrayList<>(out.sets().length);
    for (int s = 0; s < out.sets().length; s++) {
      if (out.totals()[s].images == 0) {
        continue; // unreadable records, or predictions of an image the ground truth does not list
      }
      List<PerImageResult> results = out.sets()[s].rows();
      int[] counts = new int[9];
      double weighted = 0;
      int weight = 0;
      long imageId = -1;
      String fileName = null;
      for (PerImageResult r : results) {
        imageId = r.imageId();
        fileName = r.fileName();
        Object[] m = r.metrics();
        for (int i = 0; i < 9; i++) {
          counts[i] += (Integer) m[i];
        }
        if (r.meanBestSimilarity() != null) {
          weighted += r.meanBestSimilarity() * r.groundTruth();
          weight += r.groundTruth();
        }
      }
      if (results.isEmpty()) {
        imageId = out.sets()[s].imageId();
        fileName = out.sets()[s].fileName();
      }
      rows.add(new ImageRow(s, imageId, fileName, counts, weight == 0 ? null : weighted / weight));
    }
    return rows;
  }

  static StructType perImageSchema() {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField("set", DataTypes.StringType, false));
    f.add(DataTypes.createStructField("image_id", DataTypes.LongType, false));
    f.add(DataTypes.createStructField("file_name", DataTypes.StringType, true));
    for (int i = 0; i < 9; i++) {
      f.add(DataTypes.createStructField(PerImageResult.METRICS.get(i).name(), DataTypes.IntegerType, false));
    }
    f.add(DataTypes.createStructField("mean_best_similarity", DataTypes.DoubleType, true));
    return new StructType(f.toArray(StructField[]::new));
  }

  static void write(SparkSession spark, EvaluationJob.Options o, EvaluationJob.Outcome outcome,
      JavaRDD<ImageStage.Outcome> outcomes, JavaPairRDD<Long, byte[]> records, EvalParams params,
      long[] categoryIds, Consumer<String> log) {
    long t0 = System.nanoTime();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Path out = new Path(o.output());
    Path data = new Path(out, DATA);
    IouType type = params.iouType();
    int numSets = outcome.sets().size();
    JavaRDD<ImageRow> rows = outcomes.flatMap(x -> imageRows(x).iterator());

    writePerImageCsv(spark, rows, data, conf);

    List<List<ImageRow>> worst = new ArrayList<>();
    Set<Long> worstIds = new LinkedHashSet<>();
    for (int s = 0; s < numSets; s++) {
      int set = s;
      List<ImageRow> w = o.reportWorst() == 0 ? List.of() : rows
          .filter(r -> r.set() == set && r.groundTruth() > 0 && r.meanBestSimilarity() != null)
          .takeOrdered(o.reportWorst(), WORST);
      worst.add(w);
      w.forEach(r -> worstIds.add(r.imageId()));
    }
    // every set's numbers for the ranked images, for the captions of side-by-side pictures
    Map<String, ImageRow> shownRows = new HashMap<>();
    if (numSets > 1 && !worstIds.isEmpty()) {
      Set<Long> ids = Set.copyOf(worstIds);
      rows.filter(r -> ids.contains(r.imageId())).collect()
          .forEach(r -> shownRows.put(r.imageId() + "-" + r.set(), r));
    }
    double rankSeconds = (System.nanoTime() - t0) / 1e9;

    long t1 = System.nanoTime();
    Map<String, WorstPictures.Picture> pictures = new HashMap<>();
    if (o.images() != null) {
      for (WorstPictures.Picture p : WorstPictures.draw(jsc, conf, records, worstIds, o.images(),
          o.output(), type, params.maxDetLast(), categoryIds, numSets)) {
        pictures.put(p.imageId() + "-" + p.set(), p);
      }
    }
    double pictureSeconds = (System.nanoTime() - t1) / 1e9;

    if (numSets > 1) {
      java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
      try {
        PrCurveChart.writeComparisonPng(outcome.sets().get(0).accumulation(),
            outcome.sets().get(1).accumulation(), type.cocoName() + ": a (blue) and b (orange)", png);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ReportFiles.write(conf, new Path(out, COMPARISON_PNG), png.toByteArray());
    }
    writeStatsCsv(conf, new Path(data, "stats.csv"), outcome);
    writePrCsv(conf, new Path(data, "pr.csv"), outcome);
    writeWorstCsv(conf, new Path(data, "worst.csv"), worst, pictures);

    ReportPage page = new ReportPage("Evaluation report: " + type.cocoName() + " AP");
    page.paragraph(outcome.images() + " images, " + outcome.gtAnnotations()
        + " ground-truth annotations from " + outcome.gtSource() + "; "
        + (numSets == 1 ? "one prediction set (a): " + describe(outcome.sets().get(0))
            : "two prediction sets compared, a: " + describe(outcome.sets().get(0)) + ", b: "
                + describe(outcome.sets().get(1))) + ".");
    statsSection(page, outcome);
    curvesSection(page, outcome, params);
    worstSection(page, o, type, worst, pictures, shownRows, numSets);
    inputsSection(page, o, outcome, params, rankSeconds, pictureSeconds);
    page.write(conf, out, INDEX);
    log.accept(String.format(Locale.ROOT, "report written to %s (%.1fs, pictures %.1fs)",
        new Path(out, INDEX), (System.nanoTime() - t0) / 1e9, pictureSeconds));
  }

  private static String describe(EvaluationJob.SetResult r) {
    return r.source() + (r.configId() == null ? "" : " (configuration " + r.configId() + ")");
  }

  static List<String> statNames(IouType type) {
    return type == IouType.KEYPOINTS ? KEYPOINT_NAMES : BOX_NAMES;
  }

  private static String measure(IouType type) {
    return type == IouType.KEYPOINTS ? "OKS" : "IoU";
  }

  // ---- data files

  private static void writePerImageCsv(SparkSession spark, JavaRDD<ImageRow> rows, Path data,
      Configuration conf) {
    Path target = new Path(data, "per_image.csv");
    Path tmp = new Path(data, "_per_image_csv");
    // one file from one task, sorted by set and image id: a notebook reads it with pd.read_csv
    spark.createDataFrame(rows.map(ImageRow::row), perImageSchema())
        .orderBy("set", "image_id").coalesce(1)
        .write().mode(SaveMode.Overwrite).option("header", "true").option("escape", "\"")
        .csv(tmp.toString());
    try {
      FileSystem fs = tmp.getFileSystem(conf);
      Path part = null;
      for (FileStatus st : fs.listStatus(tmp)) {
        String name = st.getPath().getName();
        if (name.startsWith("part-") && name.endsWith(".csv")) {
          part = st.getPath();
        }
      }
      fs.delete(target, false);
      if (part == null || fs.getFileStatus(part).getLen() == 0) {
        ReportFiles.writeCsv(conf, target, PER_IMAGE_HEADER, List.of());
      } else if (!fs.rename(part, target)) {
        throw new IOException("cannot move " + part + " to " + target);
      }
      fs.delete(tmp, true);
    } catch (IOException e) {
      throw new UncheckedIOException(target + ": cannot write", e);
    }
  }

  private static void writeStatsCsv(Configuration conf, Path path, EvaluationJob.Outcome outcome) {
    List<List<?>> rows = new ArrayList<>();
    for (int s = 0; s < outcome.sets().size(); s++) {
      Summary summary = outcome.sets().get(s).summary();
      List<String> names = statNames(summary.iouType());
      for (int i = 0; i < summary.stats().length; i++) {
        rows.add(List.of(EvaluationOutput.SET_NAMES[s], String.valueOf(i), names.get(i),
            summary.labels().get(i), Double.toString(summary.stats()[i])));
      }
    }
    ReportFiles.writeCsv(conf, path, STATS_HEADER, rows);
  }

  private static void writePrCsv(Configuration conf, Path path, EvaluationJob.Outcome outcome) {
    List<List<?>> rows = new ArrayList<>();
    for (int s = 0; s < outcome.sets().size(); s++) {
      Accumulation acc = outcome.sets().get(s).accumulation();
      EvalParams p = acc.params();
      if (acc.numCategories() < 1) {
        continue;
      }
      int m = p.maxDets().length - 1;
      for (int t = 0; t < p.iouThrs().length; t++) {
        for (int a = 0; a < p.areaRanges().length; a++) {
          for (int r = 0; r < p.recThrs().length; r++) {
            double v = acc.precision(t, r, 0, a, m);
            if (v > -1) {
              rows.add(List.of(EvaluationOutput.SET_NAMES[s], Double.toString(p.iouThrs()[t]),
                  p.areaLabels()[a], Double.toString(p.recThrs()[r]), Double.toString(v)));
            }
          }
        }
      }
    }
    ReportFiles.writeCsv(conf, path, PR_HEADER, rows);
  }

  private static void writeWorstCsv(Configuration conf, Path path, List<List<ImageRow>> worst,
      Map<String, WorstPictures.Picture> pictures) {
    List<List<?>> rows = new ArrayList<>();
    for (int s = 0; s < worst.size(); s++) {
      List<ImageRow> w = worst.get(s);
      for (int i = 0; i < w.size(); i++) {
        ImageRow r = w.get(i);
        WorstPictures.Picture p = pictures.get(r.imageId() + "-" + s);
        rows.add(List.of(EvaluationOutput.SET_NAMES[s], String.valueOf(i + 1), String.valueOf(r.imageId()),
            r.fileName() == null ? "" : r.fileName(), Double.toString(r.meanBestSimilarity()),
            String.valueOf(r.missed50()), String.valueOf(r.falsePositives50()),
            p == null || p.path() == null ? "" : p.path()));
      }
    }
    ReportFiles.writeCsv(conf, path, WORST_HEADER, rows);
  }

  // ---- sections

  private static String f4(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static void statsSection(ReportPage page, EvaluationJob.Outcome outcome) {
    int numSets = outcome.sets().size();
    Summary a = outcome.sets().get(0).summary();
    page.section("stats", "Summary statistics");
    page.paragraph("pycocotools' " + a.stats().length + " " + a.iouType().cocoName() + " numbers, in its "
        + "order and with its labels (AP or AR @ " + measure(a.iouType()) + " threshold | area range | "
        + "maxDets); -1 means no ground truth in that setting."
        + (numSets > 1 ? " The last column is b minus a: positive when b is better." : ""));
    List<String> header = new ArrayList<>(List.of("#", "stat", "pycocotools label"));
    header.add(numSets > 1 ? "a" : "value");
    if (numSets > 1) {
      header.addAll(List.of("b", "b − a"));
    }
    List<String> names = statNames(a.iouType());
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < a.stats().length; i++) {
      List<String> row = new ArrayList<>(List.of(String.valueOf(i), names.get(i), a.labels().get(i),
          f4(a.stats()[i])));
      if (numSets > 1) {
        double b = outcome.sets().get(1).summary().stats()[i];
        row.add(f4(b));
        row.add(String.format(Locale.ROOT, "%+.4f", b - a.stats()[i]));
      }
      rows.add(row);
    }
    page.table(header, rows);
    List<String> countsHeader = new ArrayList<>(List.of("count"));
    for (int s = 0; s < numSets; s++) {
      countsHeader.add(EvaluationOutput.SET_NAMES[s]);
    }
    List<List<String>> counts = new ArrayList<>();
    counts.add(countRow("images evaluated", numSets, s -> outcome.images()));
    counts.add(countRow("ground-truth annotations", numSets, s -> outcome.gtAnnotations()));
    counts.add(countRow("predictions evaluated", numSets, s -> outcome.sets().get(s).predictions()));
    counts.add(countRow("predictions skipped (--lenient)", numSets, s -> outcome.sets().get(s).skipped()));
    counts.add(countRow("predictions of other categories (not evaluated)", numSets,
        s -> outcome.sets().get(s).otherCategory()));
    page.table(countsHeader, counts);
    page.link(DATA + "/stats.csv", "data/stats.csv: these numbers at full precision (set, index, name, label, value)");
    page.link("metrics.json", "metrics.json: stats, summary lines, counts, inputs and parameters");
  }

  private static List<String> countRow(String name, int numSets, java.util.function.IntToLongFunction v) {
    List<String> row = new ArrayList<>(List.of(name));
    for (int s = 0; s < numSets; s++) {
      row.add(String.format(Locale.ROOT, "%,d", v.applyAsLong(s)));
    }
    return row;
  }

  private static void curvesSection(ReportPage page, EvaluationJob.Outcome outcome, EvalParams params) {
    String measure = measure(params.iouType());
    page.section("curves", "Precision-recall curves");
    String areas = String.join(", ", params.areaLabels());
    for (int s = 0; s < outcome.sets().size(); s++) {
      String set = EvaluationOutput.SET_NAMES[s];
      page.figure("pr-" + set + ".png", "Set " + set + " (" + describe(outcome.sets().get(s))
          + "): interpolated precision (up) against recall (across), one panel per area range (" + areas
          + "), with up to " + params.maxDetLast() + " predictions per image, for the first category. Blue: "
          + measure + " threshold 0.50; orange: 0.75; thick green: the mean over the thresholds 0.50 to 0.95,"
          + " whose average over recall is the AP in the legend. An empty panel has no ground truth in its"
          + " range.");
    }
    if (outcome.sets().size() > 1) {
      page.figure(COMPARISON_PNG, "a and b on the same axes, one panel per area range (" + areas + "), up to "
          + params.maxDetLast() + " predictions per image, first category: thick lines are the mean over the "
          + measure + " thresholds 0.50 to 0.95 (AP in the legend), thin dashed lines the 0.50 threshold; a in"
          + " blue, b in orange. A curve above the other is better at that recall.");
    }
    page.link(DATA + "/pr.csv", "data/pr.csv: every curve at every " + measure + " threshold ("
        + params.iouThrs().length + " thresholds x " + params.areaLabels().length + " area ranges x "
        + params.recThrs().length + " recall points per set)");
    page.link("accumulation-a.json", "accumulation-a.json: pycocotools' precision and recall arrays");
  }

  private static void worstSection(ReportPage page, EvaluationJob.Options o, IouType type,
      List<List<ImageRow>> worst, Map<String, WorstPictures.Picture> pictures, Map<String, ImageRow> shownRows,
      int numSets) {
    String measure = measure(type);
    page.section("worst", "Worst images");
    page.paragraph(worstRule(type) + " Up to " + o.reportWorst() + " per prediction set (--report-worst).");
    if (o.images() == null) {
      page.note("No pictures: give --images URI (the folder the ground truth's file_name values are "
          + "relative to) to see these images with the predictions and the ground truth drawn over them.");
    } else {
      page.note("Pictures: " + WorstPictures.legend(type, "the set") + (numSets > 1
          ? " Each image is shown twice, side by side: a's predictions on the left, b's on the right." : ""));
    }
    for (int s = 0; s < numSets; s++) {
      String set = EvaluationOutput.SET_NAMES[s];
      List<ImageRow> w = worst.get(s);
      if (numSets > 1) {
        page.rawHtml("<h3>" + ReportPage.escape("Worst for " + set) + "</h3>\n");
      }
      if (w.isEmpty()) {
        page.note("No image to rank.");
        continue;
      }
      List<List<String>> rows = new ArrayList<>();
      for (int i = 0; i < w.size(); i++) {
        ImageRow r = w.get(i);
        rows.add(List.of(String.valueOf(i + 1), String.valueOf(r.imageId()), r.fileName() == null ? "" : r.fileName(),
            f4(r.meanBestSimilarity()), String.valueOf(r.groundTruth()), String.valueOf(r.missed50()),
            String.valueOf(r.falsePositives50()), String.valueOf(r.detections())));
      }
      page.table(List.of("rank", "image id", "file", "mean best " + measure, "people that count",
          "missed at 0.50", "false positives at 0.50", "predictions evaluated"), rows);
      if (o.images() == null) {
        continue;
      }
      List<String> figures = new ArrayList<>();
      for (int i = 0; i < w.size(); i++) {
        ImageRow r = w.get(i);
        List<String> pair = new ArrayList<>();
        for (int t = 0; t < numSets; t++) {
          String shown = EvaluationOutput.SET_NAMES[t];
          ImageRow numbers = t == s ? r : shownRows.get(r.imageId() + "-" + t);
          String caption = "#" + (i + 1) + " for " + set + ": " + (r.fileName() == null ? "" : r.fileName())
              + " (image " + r.imageId() + ") with " + shown + "'s predictions. "
              + (numbers == null ? "" : shown + ": " + (numbers.meanBestSimilarity() == null ? ""
                  : "mean best " + measure + " " + f4(numbers.meanBestSimilarity()) + ", ")
                  + numbers.missed50() + " of " + numbers.groundTruth() + " people missed at 0.50, "
                  + plural(numbers.falsePositives50(), "false positive") + " at 0.50.");
          pair.add(figure(pictures.get(r.imageId() + "-" + t), caption, type, shown));
        }
        if (numSets > 1) {
          page.sheet(pair); // one row per image: a and b side by side
        } else {
          figures.addAll(pair);
        }
      }
      if (!figures.isEmpty()) {
        page.sheet(figures);
      }
    }
    page.link(DATA + "/worst.csv", "data/worst.csv: these rankings (set, rank, image_id, file_name, "
        + "mean_best_similarity, missed_50, false_positives_50, picture)");
    page.link(DATA + "/per_image.csv", "data/per_image.csv: every image's counts, one row per set and image");
  }

  private static String plural(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static String figure(WorstPictures.Picture p, String caption, IouType type, String set) {
    if (p == null) {
      return "<figure><figcaption>" + ReportPage.escape(caption + " No picture: the image's records "
          + "were not found.") + "</figcaption></figure>\n";
    }
    if (p.path() == null) {
      return "<figure><figcaption>" + ReportPage.escape(caption + " No picture: " + p.error())
          + "</figcaption></figure>\n";
    }
    String drawn = p.drawn() < p.predictions()
        ? " The " + p.drawn() + " highest-scoring of " + p.predictions() + " predictions are drawn (as evaluated)."
        : " " + plural(p.drawn(), "prediction") + " drawn.";
    return ReportPage.figureHtml(p.path(), caption + drawn + " " + WorstPictures.legend(type, set));
  }

  private static void inputsSection(ReportPage page, EvaluationJob.Options o, EvaluationJob.Outcome outcome,
      EvalParams params, double rankSeconds, double pictureSeconds) {
    page.section("inputs", "Inputs, parameters and timings");
    Map<String, String> kv = new LinkedHashMap<>();
    kv.put("ground truth", o.gt() + (o.gt().equals(outcome.gtSource()) ? "" : " (" + outcome.gtSource() + ")"));
    for (int s = 0; s < outcome.sets().size(); s++) {
      EvaluationJob.PredictionSet p = o.predictions().get(s);
      EvaluationJob.SetResult r = outcome.sets().get(s);
      kv.put("predictions " + EvaluationOutput.SET_NAMES[s], (p.table() != null ? "table " : "")
          + describe(r) + (p.table() != null ? " in " + p.location() : ""));
    }
    kv.put("iouType", params.iouType().cocoName());
    kv.put(measure(params.iouType()) + " thresholds", Arrays.toString(params.iouThrs()));
    kv.put("recall thresholds", params.recThrs().length + " (0 to 1 in steps of 0.01)");
    kv.put("maxDets", Arrays.toString(params.maxDets()));
    List<String> ranges = new ArrayList<>();
    for (int a = 0; a < params.areaRanges().length; a++) {
      ranges.add(params.areaLabels()[a] + " " + Arrays.toString(params.areaRanges()[a]));
    }
    kv.put("area ranges (px²)", String.join(", ", ranges));
    kv.put("lenient", String.valueOf(o.lenient()));
    kv.put("partitions", o.partitions() == 0 ? "from the input size" : String.valueOf(o.partitions()));
    kv.put("photos (--images)", o.images() == null ? "not given: no pictures" : o.images());
    kv.put("worst images per set (--report-worst)", String.valueOf(o.reportWorst()));
    for (Map.Entry<String, Double> e : outcome.seconds().entrySet()) {
      kv.put("seconds: " + e.getKey(), String.format(Locale.ROOT, "%.2f", e.getValue()));
    }
    kv.put("seconds: report, per-image CSV and ranking", String.format(Locale.ROOT, "%.2f", rankSeconds));
    kv.put("seconds: report, pictures", String.format(Locale.ROOT, "%.2f", pictureSeconds));
    page.keyValues(kv);
    if (!outcome.warnings().isEmpty()) {
      page.paragraph("Warnings:");
      page.table(List.of("warning"), outcome.warnings().stream().map(List::of).toList());
    }
    page.paragraph("Files beside this page: metrics.json, accumulation-<set>.json, pr-<set>.png, per_image/ "
        + "(Parquet), pictures/, and data/ (stats.csv, pr.csv, per_image.csv, worst.csv) for pandas.");
  }
}
