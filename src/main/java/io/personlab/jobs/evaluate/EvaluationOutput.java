package io.personlab.jobs.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personlab.eval.Accumulation;
import io.personlab.eval.EvalParams;
import io.personlab.eval.Summary;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * What the evaluation job leaves under {@code --output}:
 *
 * <ul>
 *   <li>{@code metrics.json}: per prediction set the stats with their names (pycocotools'
 *       summarize order and labels), the counts, the parameters, the inputs' identities (URI,
 *       size, modification time) and the stage timings;
 *   <li>{@code accumulation-<set>.json}: pycocotools' precision [T,R,K,A,M] and recall [T,K,A,M]
 *       arrays, flattened in C order with their shapes (-1 where a setting has no ground truth);
 *   <li>{@code pr-<set>.png}: precision-recall curves per area range;
 *   <li>{@code per_image/}: Parquet, one row per image and category ({@link PerImageResult}),
 *       two prediction sets side by side ({@code a_*}, {@code b_*}) when comparing.
 * </ul>
 */
final class EvaluationOutput {
  private EvaluationOutput() {}

  static final String[] SET_NAMES = {"a", "b"};

  static void write(SparkSession spark, EvaluationJob.Options o, EvaluationJob.Outcome outcome,
      JavaRDD<ImageStage.Outcome> outcomes, EvalParams params) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    int numSets = outcome.sets().size();
    JavaRDD<Row> rows = outcomes.flatMap(out -> perImageRows(out, numSets).iterator());
    spark.createDataFrame(rows, numSets == 1 ? PerImageResult.schema() : PerImageResult.comparisonSchema())
        .write().mode(SaveMode.Overwrite).parquet(new Path(o.output(), "per_image").toString());
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("iouType", params.iouType().cocoName());
    root.set("ground_truth", identity(conf, o.gt(), outcome.gtSource()));
    root.put("images", outcome.images());
    root.put("ground_truth_annotations", outcome.gtAnnotations());
    ArrayNode sets = root.putArray("prediction_sets");
    for (int s = 0; s < numSets; s++) {
      EvaluationJob.SetResult r = outcome.sets().get(s);
      EvaluationJob.PredictionSet p = o.predictions().get(s);
      ObjectNode set = sets.addObject();
      set.put("name", SET_NAMES[s]);
      set.set("input", p.table() != null ? json.createObjectNode().put("table", r.source())
          .put("config_id", r.configId()) : identity(conf, p.location(), r.source()));
      ObjectNode stats = set.putObject("stats");
      Summary summary = r.summary();
      for (int i = 0; i < summary.stats().length; i++) {
        stats.put(summary.labels().get(i), summary.stats()[i]);
      }
      ArrayNode array = set.putArray("stats_array");
      for (double v : summary.stats()) {
        array.add(v);
      }
      set.put("predictions_evaluated", r.predictions());
      set.put("predictions_skipped", r.skipped());
      set.put("predictions_other_category", r.otherCategory());
      ArrayNode lines = set.putArray("summary");
      summary.lines().forEach(lines::add);
      writeText(conf, new Path(o.output(), "accumulation-" + SET_NAMES[s] + ".json"),
          accumulationJson(json, r.accumulation()));
      Path png = new Path(o.output(), "pr-" + SET_NAMES[s] + ".png");
      try (OutputStream out = png.getFileSystem(conf).create(png, true)) {
        PrCurveChart.writePng(r.accumulation(), params.iouType().cocoName() + " (" + SET_NAMES[s]
            + "): precision vs recall", out);
      } catch (IOException e) {
        throw new UncheckedIOException(png + ": cannot write", e);
      }
    }
    ObjectNode p = root.putObject("params");
    p.set("iouThrs", json.valueToTree(params.iouThrs()));
    p.set("recThrs", json.valueToTree(params.recThrs()));
    p.set("maxDets", json.valueToTree(params.maxDets()));
    p.set("areaRng", json.valueToTree(params.areaRanges()));
    p.set("areaRngLbl", json.valueToTree(params.areaLabels()));
    root.put("lenient", o.lenient());
    root.set("seconds", json.valueToTree(outcome.seconds()));
    root.set("warnings", json.valueToTree(outcome.warnings()));
    writeText(conf, new Path(o.output(), "metrics.json"), root.toPrettyString());
  }

  private static List<Row> perImageRows(ImageStage.Outcome out, int numSets) {
    List<Row> rows = new ArrayList<>();
    if (numSets == 1) {
      for (PerImageResult r : out.sets()[0].rows()) {
        rows.add(RowFactory.create(concat(r.key(), r.metrics())));
      }
      return rows;
    }
    // side by side: one row per (image, category) that either set evaluated
    Map<Long, PerImageResult[]> byCategory = new HashMap<>();
    for (int s = 0; s < numSets; s++) {
      for (PerImageResult r : out.sets()[s].rows()) {
        byCategory.computeIfAbsent(r.categoryId(), k -> new PerImageResult[numSets])[s] = r;
      }
    }
    for (PerImageResult[] pair : byCategory.values()) {
      PerImageResult any = pair[0] != null ? pair[0] : pair[1];
      Object[] values = any.key();
      for (PerImageResult r : pair) {
        // a set with neither ground truth nor detections here: nothing found, nothing missed
        values = concat(values, (r == null ? PerImageResult.empty(any) : r).metrics());
      }
      rows.add(RowFactory.create(values));
    }
    return rows;
  }

  private static Object[] concat(Object[] a, Object[] b) {
    Object[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String accumulationJson(ObjectMapper json, Accumulation acc) {
    EvalParams p = acc.params();
    ObjectNode node = json.createObjectNode();
    node.set("precision_shape", json.valueToTree(new int[] {p.iouThrs().length, p.recThrs().length,
      acc.numCategories(), p.areaRanges().length, p.maxDets().length}));
    node.set("precision", json.valueToTree(acc.precision()));
    node.set("recall_shape", json.valueToTree(new int[] {p.iouThrs().length, acc.numCategories(),
      p.areaRanges().length, p.maxDets().length}));
    node.set("recall", json.valueToTree(acc.recall()));
    return node.toString();
  }

  /** An input's URI, size and modification time (what makes two evaluations comparable). */
  private static ObjectNode identity(Configuration conf, String location, String source) {
    ObjectNode node = new ObjectMapper().createObjectNode();
    node.put("uri", location);
    node.put("source", source);
    try {
      Path path = new Path(location);
      FileStatus st = path.getFileSystem(conf).getFileStatus(path);
      if (st.isFile()) {
        node.put("bytes", st.getLen());
      }
      node.put("modified", java.time.Instant.ofEpochMilli(st.getModificationTime()).toString());
    } catch (IOException | IllegalArgumentException e) {
      node.put("identity_error", String.valueOf(e.getMessage()));
    }
    return node;
  }

  private static void writeText(Configuration conf, Path path, String text) {
    try (OutputStream out = path.getFileSystem(conf).create(path, true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot write", e);
    }
  }
}
