package io.personlab.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.jobs.EffectiveConfiguration;
import io.personlab.jobs.LabelStore;
import io.personlab.jobs.LabelTable;
import io.personlab.jobs.LabelTableReader;
import io.personlab.pipeline.PipelineConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.collection.JavaConverters;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

/**
 * The labels a report reads, through the existing readers: one configuration's current rows of
 * label run directories ({@link LabelStore}) or of the label table ({@link LabelTableReader}),
 * with what is known about the configuration, and the labels as they were before its latest run.
 */
record LabelSource(String description, String configId, Dataset<Row> rows, String modelSha256,
    JsonNode configuration, String previousDescription, Dataset<Row> previous) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The columns both stores share, which the report reads. */
  static final String[] COLUMNS = {"image_uri", "image_id", "width", "height", "status", "error", "error_kind",
    "model_id", "spec_hash", "people", "decode_ms", "forward_ms", "postprocess_ms"};

  static LabelSource open(SparkSession spark, String labels, String table, String configId) throws IOException {
    return table != null ? fromTable(spark, table, labels, configId) : fromRuns(spark, labels, configId);
  }

  private static Dataset<Row> shared(Dataset<Row> rows) {
    return rows == null ? null : rows.select(java.util.Arrays.stream(COLUMNS).map(c -> col(c)).toArray(
        org.apache.spark.sql.Column[]::new));
  }

  /**
   * Label run directories: a run's configuration id is the label table's
   * ({@link LabelTable#configId}) from the model hash and decoding settings in its
   * {@code _personlab_run.json} and the spec hash of its rows.
   */
  private static LabelSource fromRuns(SparkSession spark, String labels, String configId) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path root = new Path(labels);
    FileSystem fs = root.getFileSystem(conf);
    if (!fs.exists(root)) {
      throw new IllegalArgumentException(labels + ": no such directory (--labels: label's --output)");
    }
    List<Path> runs = LabelStore.completeRuns(conf, labels);
    if (runs.isEmpty()) {
      throw new IllegalArgumentException(labels + ": no complete label run (no run_date=*/run_id=*/_SUCCESS)");
    }
    Map<String, String> specOfRun = new LinkedHashMap<>();
    for (Row r : LabelStore.readAll(spark, labels).select("run_id", "spec_hash").distinct().collectAsList()) {
      specOfRun.put(r.getString(0), r.getString(1));
    }
    Map<String, List<Path>> runsOf = new LinkedHashMap<>(); // in run order
    Map<Path, JsonNode> runJson = new LinkedHashMap<>();
    for (Path run : runs) {
      JsonNode json = readJson(fs, new Path(run, EffectiveConfiguration.FILE_NAME));
      runJson.put(run, json);
      String runId = run.getName().substring("run_id=".length());
      String id = configIdOf(json, specOfRun.get(runId));
      runsOf.computeIfAbsent(id, k -> new ArrayList<>()).add(run);
    }
    String config = choose(labels, configId, new ArrayList<>(runsOf.keySet()));
    List<Path> mine = runsOf.get(config);
    Path latest = mine.get(mine.size() - 1);
    JsonNode json = runJson.get(latest);
    String sha = json == null ? null : json.path("model").path("sha256").asText(null);
    Dataset<Row> previous = null;
    String previousDescription = null;
    if (mine.size() > 1) {
      previous = LabelStore.read(spark, labels, mine.subList(0, mine.size() - 1));
      previousDescription = labels + " up to run " + runName(mine.get(mine.size() - 2))
          + " (before the latest run " + runName(latest) + ")";
    }
    return new LabelSource(labels + " (" + mine.size() + " run" + (mine.size() == 1 ? "" : "s") + ", latest "
        + runName(latest) + ")", config, shared(LabelStore.read(spark, labels, mine)), sha, json,
        previousDescription, shared(previous));
  }

  private static String runName(Path run) {
    return run.getParent().getName() + "/" + run.getName();
  }

  /** The configuration to report: the given one (which must exist), or the only one. */
  static String choose(String source, String configId, List<String> known) {
    if (configId != null) {
      if (!known.contains(configId)) {
        throw new IllegalArgumentException(source + ": no configuration " + configId + "; it holds " + known);
      }
      return configId;
    }
    if (known.size() != 1) {
      throw new IllegalArgumentException(source + ": holds " + known.size() + " labeling configurations " + known
          + "; choose one with --config-id");
    }
    return known.get(0);
  }

  /** A run's configuration id; without its stored configuration, one from the spec hash alone. */
  static String configIdOf(JsonNode run, String specHash) {
    if (run != null && specHash != null) {
      try {
        PipelineConfig pipeline = JSON.treeToValue(run.path("options").path("pipeline"), PipelineConfig.class);
        String sha = run.path("model").path("sha256").asText(null);
        if (sha != null && pipeline != null) {
          return LabelTable.configId(sha, specHash, pipeline);
        }
      } catch (IOException | RuntimeException e) {
        // an older or foreign run file: fall through
      }
    }
    return "spec-" + (specHash == null ? "unknown" : specHash.substring(0, Math.min(12, specHash.length())));
  }

  private static JsonNode readJson(FileSystem fs, Path p) {
    try (InputStream in = fs.open(p)) {
      return JSON.readTree(in);
    } catch (IOException e) {
      return null; // a run written before the file existed
    }
  }

  /**
   * The label table: the current rows of one configuration, its latest snapshot's
   * {@code personlab.*} summary for the configuration, and the rows as of its previous snapshot.
   */
  private static LabelSource fromTable(SparkSession spark, String table, String warehouse, String configId) {
    LabelTableReader.Selection s = LabelTableReader.current(spark, table, warehouse, configId);
    List<Row> snapshots = new ArrayList<>();
    try {
      for (Row r : spark.sql("SELECT snapshot_id, committed_at, summary FROM " + s.table()
          + ".snapshots ORDER BY committed_at, snapshot_id").collectAsList()) {
        Map<String, String> summary = JavaConverters.mapAsJavaMap(r.getMap(2));
        if (s.configId().equals(summary.get("personlab.config-id"))) {
          snapshots.add(r);
        }
      }
    } catch (RuntimeException e) {
      // a catalog without metadata tables: no previous run, no stored configuration
    }
    JsonNode configuration = null;
    String sha = null;
    Dataset<Row> previous = null;
    String previousDescription = null;
    if (!snapshots.isEmpty()) {
      Row last = snapshots.get(snapshots.size() - 1);
      Map<String, String> summary = JavaConverters.mapAsJavaMap(last.getMap(2));
      String stored = summary.get("personlab.configuration");
      try {
        configuration = stored == null ? null : JSON.readTree(stored);
      } catch (IOException e) {
        configuration = null;
      }
      if (configuration != null) {
        sha = configuration.path("model").path("sha256").asText(null);
      }
      if (snapshots.size() > 1) {
        Row prev = snapshots.get(snapshots.size() - 2);
        previous = spark.sql("SELECT * FROM " + s.table() + " VERSION AS OF " + prev.getLong(0))
            .where(col("config_id").equalTo(s.configId())).where(not(col("missing")));
        Map<String, String> ps = JavaConverters.mapAsJavaMap(prev.getMap(2));
        previousDescription = s.table() + " as of snapshot " + prev.getLong(0) + " (" + prev.get(1) + ", run "
            + ps.get("personlab.run-id") + ": " + ps.get("personlab.images-labeled") + " labeled, "
            + ps.get("personlab.errors") + " errors)";
      }
    }
    if (sha == null) {
      List<Row> any = s.rows().select("model_sha256").where(col("model_sha256").isNotNull()).limit(1).collectAsList();
      sha = any.isEmpty() ? null : any.get(0).getString(0);
    }
    return new LabelSource(s.table() + ", configuration " + s.configId(), s.configId(), shared(s.rows()), sha,
        configuration, previousDescription, shared(previous));
  }
}
