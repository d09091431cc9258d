package io.personlab.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.pipeline.PipelineConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.functions.col;

/**
 * The label table: an Apache Iceberg table (format v2, Parquet) with one row per image and
 * labeling configuration, which Spark, Athena, Trino, BigQuery and DuckDB read as it is. A row
 * carries what a reader needs to trust it: the file's identity when it was read, the model's
 * fingerprint, the decoding settings' hash, status, error kind and attempts.
 *
 * <p>The table is named as Spark names it: {@code CATALOG.DB.TABLE} in a catalog the user
 * configured ({@code spark.sql.catalog.*}: Glue, Hive metastore, REST, JDBC), or a bare name,
 * kept in a filesystem (Hadoop) catalog under the job's {@code --output}.
 */
public final class LabelTable {
  public static final String EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";
  public static final String STATUS_OK = "ok";
  public static final String STATUS_ERROR = "error";

  /** Columns, in table order. */
  public static final StructType SCHEMA = new StructType(new StructField[] {
    DataTypes.createStructField("image_uri", DataTypes.StringType, false),
    DataTypes.createStructField("config_id", DataTypes.StringType, false),
    DataTypes.createStructField("image_id", DataTypes.LongType, false),
    DataTypes.createStructField("width", DataTypes.IntegerType, true),
    DataTypes.createStructField("height", DataTypes.IntegerType, true),
    DataTypes.createStructField("status", DataTypes.StringType, false),
    DataTypes.createStructField("error", DataTypes.StringType, true),
    DataTypes.createStructField("error_kind", DataTypes.StringType, true),
    DataTypes.createStructField("attempts", DataTypes.IntegerType, false),
    DataTypes.createStructField("missing", DataTypes.BooleanType, false),
    DataTypes.createStructField("file_size", DataTypes.LongType, true),
    DataTypes.createStructField("file_modified", DataTypes.TimestampType, true),
    DataTypes.createStructField("file_etag", DataTypes.StringType, true),
    DataTypes.createStructField("model_id", DataTypes.StringType, false),
    DataTypes.createStructField("model_sha256", DataTypes.StringType, true),
    DataTypes.createStructField("spec_hash", DataTypes.StringType, false),
    DataTypes.createStructField("decoding_hash", DataTypes.StringType, true),
    DataTypes.createStructField("scales", new ArrayType(DataTypes.IntegerType, false), false),
    DataTypes.createStructField("people", new ArrayType(LabelSchema.PERSON, false), false),
    DataTypes.createStructField("decode_ms", DataTypes.DoubleType, false),
    DataTypes.createStructField("forward_ms", DataTypes.DoubleType, false),
    DataTypes.createStructField("postprocess_ms", DataTypes.DoubleType, false),
    DataTypes.createStructField("labeled_at", DataTypes.TimestampType, false),
    DataTypes.createStructField("run_id", DataTypes.StringType, false),
  });

  private LabelTable() {}

  /**
   * The table's Spark name. A bare name (no dot) is kept in a filesystem catalog whose warehouse
   * is {@code output}: registered in this session as {@code personlab_<hash of output>}.
   */
  public static String resolve(SparkSession spark, String table, String output) {
    checkExtensions(spark);
    if (!table.contains(".") && output == null) {
      throw new IllegalArgumentException("--table " + table + " without a catalog needs --output (its warehouse)");
    }
    return name(spark, table, output);
  }

  /**
   * {@link #resolve} without the check for Iceberg's SQL extensions, which reads do not need: a
   * bare name's catalog is registered for the warehouse {@code output}.
   */
  public static String name(SparkSession spark, String table, String output) {
    if (table.contains(".")) {
      return table;
    }
    String warehouse = output.replaceAll("/+$", "");
    String catalog = "personlab_" + sha256(warehouse).substring(0, 10);
    String prefix = "spark.sql.catalog." + catalog;
    if (!spark.conf().contains(prefix)) {
      spark.conf().set(prefix, "org.apache.iceberg.spark.SparkCatalog");
      spark.conf().set(prefix + ".type", "hadoop");
      spark.conf().set(prefix + ".warehouse", warehouse);
    }
    return catalog + ".labels." + table;
  }

  /** MERGE INTO needs Iceberg's SQL extensions, which only a session's start can install. */
  static void checkExtensions(SparkSession spark) {
    String ext = spark.sparkContext().getConf().get("spark.sql.extensions", "");
    if (!ext.contains(EXTENSIONS)) {
      throw new IllegalArgumentException("the label table needs Iceberg's SQL extensions: start Spark with "
          + "--conf spark.sql.extensions=" + EXTENSIONS + " (conf/spark-defaults.conf has it) and the "
          + "iceberg-spark-runtime-3.5_2.12 jar");
    }
  }

  /** Creates the table if it does not exist: format v2, Parquet, partitioned by configuration. */
  public static void ensure(SparkSession spark, String table) {
    String namespace = table.substring(0, table.lastIndexOf('.'));
    if (namespace.contains(".")) {
      // IF NOT EXISTS still races with another run creating it: losing that race is fine
      createIfAbsent(spark, "CREATE NAMESPACE IF NOT EXISTS " + namespace,
          () -> spark.sql("SHOW NAMESPACES IN " + namespace.substring(0, namespace.indexOf('.'))).collectAsList()
              .stream().anyMatch(r -> namespace.endsWith("." + r.getString(0))));
    }
    createIfAbsent(spark, "CREATE TABLE IF NOT EXISTS " + table + " (" + SCHEMA.toDDL() + ") USING iceberg "
        + "PARTITIONED BY (config_id) TBLPROPERTIES ('format-version'='2', 'write.format.default'='parquet')",
        () -> spark.catalog().tableExists(table));
  }

  private static void createIfAbsent(SparkSession spark, String ddl, java.util.function.BooleanSupplier exists) {
    try {
      spark.sql(ddl);
    } catch (RuntimeException e) {
      if (!exists.getAsBoolean()) {
        throw e;
      }
    }
  }

  /** The rows of one configuration (the current labels of every image it has seen). */
  public static Dataset<Row> current(SparkSession spark, String table, String configId) {
    return spark.table(table).where(col("config_id").equalTo(configId));
  }

  /** The configurations in a table, newest labeling first. */
  public static List<String> configurations(SparkSession spark, String table) {
    return spark.table(table).groupBy("config_id").agg(org.apache.spark.sql.functions.max("labeled_at").as("last"))
        .orderBy(col("last").desc()).select("config_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
  }

  /** The one configuration to read: the given one, or the table's only one. */
  public static String configurationToRead(SparkSession spark, String table, String configId) {
    if (configId != null) {
      return configId;
    }
    List<String> ids = configurations(spark, table);
    if (ids.size() != 1) {
      throw new IllegalArgumentException(table + ": " + (ids.isEmpty() ? "holds no labels"
          : "holds " + ids.size() + " labeling configurations " + ids + "; choose one with --config-id"));
    }
    return ids.get(0);
  }

  /**
   * The hash of the decoding settings (input pyramid, decoder, masks, limits, minimum score). A
   * mask size cap enters it only when set, and flip test-time augmentation only when on, so
   * configurations without them keep the ids they had before those existed.
   */
  public static String decodingHash(PipelineConfig pipeline) {
    try {
      ObjectMapper json = new ObjectMapper();
      com.fasterxml.jackson.databind.node.ObjectNode tree = json.valueToTree(pipeline);
      if (pipeline.masks().maxSide() == 0) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("masks")).remove("maxSide");
      }
      if (!pipeline.flip()) {
        tree.remove("flip");
      }
      return sha256(json.writeValueAsString(tree)).substring(0, 16);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A labeling configuration: the model's bytes (and spec) and the decoding settings. */
  public static String configId(String modelSha256, String specHash, PipelineConfig pipeline) {
    return sha256("model=" + modelSha256 + ";spec=" + specHash + ";decoding=" + decodingHash(pipeline)).substring(0, 16);
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
