package io.personlab.jobs;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.substring;

/**
 * Migration of a run-directory store ({@link LabelStore}) into the label table: each image's
 * latest row becomes one table row, in one commit. Old runs recorded the model's name, its spec's
 * hash and the scales, but neither the model's bytes nor the other decoding settings: their rows
 * get the configuration {@code imported-HASH} of what is known, never one a label run computes,
 * so a later {@code label --table} labels everything anew under its own configuration. No file
 * identity was recorded either (null). Importing again writes only rows whose run changed.
 */
public final class LabelTableImport {
  /** Run ids are an instant without separators: {@code 20261125T101530123456Z-1a2b}. */
  private static final Pattern RUN_ID = Pattern.compile("^(\\d{8}T\\d{6})(\\d{0,9})Z");
  private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");

  private LabelTableImport() {}

  /** What an import did: the table, rows read, rows written (0 when the table had them all). */
  public record Summary(String table, long images, long written, List<String> configIds) {}

  public static Summary run(SparkSession spark, String labels, String table, String warehouse) throws IOException {
    Dataset<Row> old = LabelStore.read(spark, labels);
    if (old == null) {
      throw new IllegalArgumentException(labels + ": no complete label run to import");
    }
    String name = LabelTable.resolve(spark, table, warehouse);
    LabelTable.ensure(spark, name);
    Timestamp now = new Timestamp(System.currentTimeMillis());
    List<Row> times = new ArrayList<>();
    for (String runId : old.select("run_id").distinct().as(Encoders.STRING()).collectAsList()) {
      times.add(RowFactory.create(runId, runTime(runId)));
    }
    Dataset<Row> runTimes = spark.createDataFrame(times, new StructType()
        .add("t_run_id", DataTypes.StringType, false).add("t_labeled_at", DataTypes.TimestampType, true));
    Dataset<Row> joined = old.join(broadcast(runTimes), col("run_id").equalTo(col("t_run_id")));
    Column configId = concat(lit("imported-"), substring(sha2(concat_ws(";", concat(lit("model="), col("model_id")),
        concat(lit("spec="), col("spec_hash")), concat(lit("scales="), array_join(col("scales"), ","))), 256), 1, 16));
    List<Column> out = new ArrayList<>();
    for (StructField f : LabelTable.SCHEMA.fields()) {
      Column c = switch (f.name()) {
        case "config_id" -> configId;
        case "attempts" -> lit(1);
        case "missing" -> lit(false);
        case "file_size", "file_modified", "file_etag", "model_sha256", "decoding_hash" -> lit(null).cast(f.dataType());
        case "labeled_at" -> coalesce(col("t_labeled_at"), lit(now));
        default -> col(f.name()); // the store's own types
      };
      out.add(c.as(f.name()));
    }
    Dataset<Row> rows = joined.select(out.toArray(Column[]::new));
    // an image whose row came from the same run is already imported
    Dataset<Row> present = spark.table(name).select(col("image_uri").as("p_uri"), col("config_id").as("p_config"),
        col("run_id").as("p_run"));
    Dataset<Row> toWrite = rows.join(present, col("image_uri").equalTo(col("p_uri"))
        .and(col("config_id").equalTo(col("p_config"))).and(col("run_id").equalTo(col("p_run"))), "left_anti")
        .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    try {
      long images = old.count();
      long written = toWrite.count();
      List<String> configs = rows.select("config_id").distinct().as(Encoders.STRING()).collectAsList();
      if (written == 0) {
        return new Summary(name, images, 0, configs);
      }
      String view = "personlab_import_" + Long.toHexString(System.nanoTime());
      toWrite.createOrReplaceTempView(view);
      Map<String, String> summary = new LinkedHashMap<>();
      summary.put(LabelTableRun.SUMMARY_PREFIX + "imported-from", labels);
      summary.put(LabelTableRun.SUMMARY_PREFIX + "images-imported", Long.toString(written));
      summary.put(LabelTableRun.SUMMARY_PREFIX + "config-ids", String.join(",", configs));
      try {
        org.apache.iceberg.spark.CommitMetadata.withCommitProperties(summary,
            () -> spark.sql("MERGE INTO " + name + " t USING " + view + " s ON t.image_uri = s.image_uri AND "
                + "t.config_id = s.config_id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *").count(),
            RuntimeException.class);
      } finally {
        spark.catalog().dropTempView(view);
      }
      return new Summary(name, images, written, configs);
    } finally {
      toWrite.unpersist();
    }
  }

  /** When a run started, from its id (UTC); null for an id of another form. */
  static Timestamp runTime(String runId) {
    Matcher m = RUN_ID.matcher(runId);
    if (!m.find()) {
      return null;
    }
    LocalDateTime t = LocalDateTime.parse(m.group(1), RUN_ID_TIME);
    String micros = (m.group(2) + "000000").substring(0, 6); // what a table timestamp holds
    return Timestamp.from(t.withNano(Integer.parseInt(micros) * 1000).toInstant(ZoneOffset.UTC));
  }
}
