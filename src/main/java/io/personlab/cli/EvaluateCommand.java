package io.personlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personlab.coco.CocoDataset;
import io.personlab.eval.IouType;
import io.personlab.eval.Summary;
import io.personlab.jobs.evaluate.EvaluationJob;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code personlab evaluate}: COCO keypoint, mask or box AP of predictions against a ground
 * truth, identical to pycocotools' COCOeval, in this JVM (small inputs) or as a Spark job
 * (large inputs, the label table, a comparison, files under --output). The summary table goes
 * to stdout as pycocotools prints it, and the last stdout line is one JSON object with the
 * stats at full precision.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "COCO evaluation identical to pycocotools' COCOeval (iouType keypoints, segm or bbox),",
      "in this JVM or as a Spark job (--engine). Prints the summary table, then as the LAST line",
      "one JSON object: {\"iouType\": \"...\", \"stats\": [...], \"engine\": \"...\", \"seconds\": {...}}",
      "Files may be gzipped; local paths, s3a://, hdfs://, gs://."
    })
public final class EvaluateCommand implements Callable<Integer> {

  /** Above this many bytes of JSON input, auto picks the Spark engine. */
  static final long SPARK_ABOVE_BYTES = 256L << 20;

  @Option(names = "--gt", required = true, paramLabel = "GT",
      description = "COCO ground truth: a JSON file, or a folder written by import-coco")
  String gt;

  @Option(names = {"--predictions", "--results"}, required = true, paramLabel = "PRED",
      description = "COCO results JSON, a folder written by import-coco --results, or with --table "
          + "the warehouse the label table is in (label's --output)")
  String predictions;

  @Option(names = "--table", paramLabel = "NAME",
      description = "predictions are the label table NAME (CATALOG.DB.TABLE, or a bare name under PRED)")
  String table;

  @Option(names = "--config-id", paramLabel = "ID",
      description = "with --table: the labeling configuration (default: the table's only one)")
  String configId;

  @Option(names = "--compare", paramLabel = "PRED2",
      description = "a second prediction set evaluated side by side (with --table: another "
          + "warehouse; use --compare-config-id for another configuration of the same table)")
  String compare;

  @Option(names = "--compare-config-id", paramLabel = "ID2",
      description = "with --table: compare with this configuration of the table")
  String compareConfigId;

  @Option(names = "--iou-type", required = true, paramLabel = "TYPE",
      description = "keypoints, segm or bbox")
  String iouType;

  @Option(names = "--output", paramLabel = "DIR",
      description = "write metrics.json, precision/recall arrays, PR curves (PNG), per-image "
          + "results (Parquet) and an HTML report (index.html, data/*.csv) here (Spark engine)")
  String output;

  @Option(names = "--images", paramLabel = "URI",
      description = "with --output: the folder the ground truth's file_name values resolve under "
          + "(any Hadoop filesystem); the report then shows its worst images with predictions and "
          + "ground truth drawn over them")
  String images;

  @Option(names = "--report-worst", paramLabel = "N",
      description = "with --output: worst images the report ranks per prediction set (default: ${DEFAULT-VALUE})")
  int reportWorst = EvaluationJob.Options.DEFAULT_REPORT_WORST;

  @Option(names = "--engine", paramLabel = "ENGINE",
      description = "jvm, spark or auto (default: ${DEFAULT-VALUE}: spark for the label table, "
          + "imports, --compare, --output, --lenient, under spark-submit, or JSON over 256 MB)")
  String engine = "auto";

  @Option(names = "--lenient", description = "skip and count unreadable predictions and "
      + "predictions for images absent from the ground truth, instead of stopping (Spark engine)")
  boolean lenient;

  @Option(names = "--partitions", paramLabel = "N",
      description = "tasks for the per-image stage (Spark engine; default: from the input size)")
  int partitions;

  @Option(names = "--master", paramLabel = "MASTER",
      description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE})")
  String master = "local[*]";

  @Option(names = "--threads", paramLabel = "N",
      description = "threads for per-image evaluation in the jvm engine (default: all cores, ${DEFAULT-VALUE})")
  int threads = Runtime.getRuntime().availableProcessors();

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new EvaluateCommand(), args));
  }

  @Override
  public Integer call() {
    IouType type = IouType.parse(iouType);
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be at least 1");
    }
    if (table == null && (configId != null || compareConfigId != null)) {
      throw new IllegalArgumentException("--config-id and --compare-config-id select configurations "
          + "of the label table: give --table");
    }
    if (output == null && (images != null || reportWorst != EvaluationJob.Options.DEFAULT_REPORT_WORST)) {
      throw new IllegalArgumentException("--images and --report-worst shape the report under --output: give --output");
    }
    if (reportWorst < 0) {
      throw new IllegalArgumentException("--report-worst must be 0 or more");
    }
    boolean spark = switch (engine.toLowerCase(Locale.ROOT)) {
      case "spark" -> true;
      case "jvm" -> false;
      case "auto" -> needsSpark();
      default -> throw new IllegalArgumentException("--engine must be jvm, spark or auto, not " + engine);
    };
    if (!spark && (table != null || compare != null || compareConfigId != null || output != null
        || lenient)) {
      throw new IllegalArgumentException("--table, --compare, --output and --lenient need --engine spark");
    }
    try (LiveHeapPeak heap = new LiveHeapPeak()) {
      ObjectNode json = spark ? runSpark(type) : runJvm(type);
      json.put("heap_after_gc_peak_mb", Math.round(heap.megabytes()));
      System.out.println(json);
    }
    return 0;
  }

  /** auto: the single JVM for small JSON files, Spark for everything it alone can do or do faster. */
  private boolean needsSpark() {
    if (table != null || compare != null || compareConfigId != null || output != null || lenient
        || System.getProperty("spark.master") != null) {
      return true;
    }
    long bytes = 0;
    for (String location : List.of(gt, predictions)) {
      java.nio.file.Path p = location.contains("://") ? null : java.nio.file.Path.of(location);
      if (p == null || java.nio.file.Files.isDirectory(p)) {
        return true; // an import folder, or a remote file: the job reads it in parallel
      }
      bytes += p.toFile().length();
    }
    return bytes > SPARK_ABOVE_BYTES;
  }

  private ObjectNode runJvm(IouType type) {
    long start = System.nanoTime();
    PrintStream err = System.err;
    TimedEvaluation run = TimedEvaluation.run(gt, predictions, type, threads, w -> err.println("warning: " + w));
    CocoDataset dataset = run.groundTruth();
    err.printf("loaded %d images, %d annotations (%.2fs); %d results (%.2fs)%n",
        dataset.images().size(), dataset.annotations().size(), run.gtLoadSeconds(),
        run.numResults(), run.resultsLoadSeconds());
    err.printf("evaluate %.3fs, accumulate %.3fs (%d threads)%n", run.evaluateSeconds(),
        run.accumulateSeconds(), threads);
    Summary summary = run.summary();
    summary.lines().forEach(System.out::println);
    ObjectNode json = statsJson(summary);
    json.put("engine", "jvm");
    ObjectNode seconds = json.putObject("seconds");
    seconds.put("load_ground_truth", run.gtLoadSeconds());
    seconds.put("load_results", run.resultsLoadSeconds());
    seconds.put("evaluate", run.evaluateSeconds());
    seconds.put("accumulate", run.accumulateSeconds());
    seconds.put("total", (System.nanoTime() - start) / 1e9);
    return json;
  }

  private ObjectNode runSpark(IouType type) {
    long start = System.nanoTime();
    List<EvaluationJob.PredictionSet> sets = new ArrayList<>();
    sets.add(new EvaluationJob.PredictionSet(predictions, table, configId));
    if (compare != null || compareConfigId != null) {
      sets.add(new EvaluationJob.PredictionSet(compare != null ? compare : predictions,
          table, compareConfigId));
    }
    SparkSession session = Spark.session("personlab evaluate", master);
    EvaluationJob.Outcome outcome = EvaluationJob.run(session,
        new EvaluationJob.Options(gt, sets, type, output, lenient, partitions, images, reportWorst),
        line -> System.err.println("evaluate: " + line));
    outcome.warnings().forEach(w -> System.err.println("warning: " + w));
    List<EvaluationJob.SetResult> results = outcome.sets();
    System.err.printf("%d images, %d ground-truth annotations; %s%n", outcome.images(),
        outcome.gtAnnotations(), outcome.seconds());
    for (int s = 0; s < results.size(); s++) {
      EvaluationJob.SetResult r = results.get(s);
      if (results.size() > 1) {
        System.out.println((s == 0 ? "a: " : "b: ") + r.source()
            + (r.configId() == null ? "" : " (configuration " + r.configId() + ")"));
      }
      r.summary().lines().forEach(System.out::println);
    }
    if (results.size() > 1) {
      Summary a = results.get(0).summary(), b = results.get(1).summary();
      System.out.printf("%-26s %8s %8s %8s%n", "stat", "a", "b", "b - a");
      for (int i = 0; i < a.stats().length; i++) {
        System.out.printf(Locale.ROOT, "%-26s %8.4f %8.4f %+8.4f%n", a.labels().get(i), a.stats()[i],
            b.stats()[i], b.stats()[i] - a.stats()[i]);
      }
    }
    if (output != null) {
      System.err.println("wrote metrics.json, accumulation-*.json, pr-*.png, per_image/, data/*.csv and "
          + "the report index.html to " + output);
    }
    ObjectNode json = statsJson(results.get(0).summary());
    json.put("engine", "spark");
    json.put("images", outcome.images());
    json.put("predictions", results.get(0).predictions());
    json.put("skipped", results.get(0).skipped());
    ObjectNode seconds = json.putObject("seconds");
    outcome.seconds().forEach(seconds::put);
    seconds.put("total", (System.nanoTime() - start) / 1e9); // Spark's start included
    if (results.size() > 1) {
      ObjectNode other = statsJson(results.get(1).summary());
      other.remove("iouType");
      json.set("compare", other);
    }
    return json;
  }

  /** {"iouType": "...", "stats": [...]}, doubles written so that they read back exactly. */
  static ObjectNode statsJson(Summary summary) {
    ObjectNode node = new ObjectMapper().createObjectNode();
    node.put("iouType", summary.iouType().cocoName());
    ArrayNode stats = node.putArray("stats");
    for (double s : summary.stats()) {
      stats.add(s);
    }
    return node;
  }
}
