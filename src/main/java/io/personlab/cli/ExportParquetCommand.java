package io.personlab.cli;

import io.personlab.jobs.LabelTable;
import io.personlab.jobs.LabelTableReader;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code personlab export-parquet}: a plain Parquet snapshot of the label table for tools that
 * read Parquet but not Iceberg.
 */
@Command(
    name = "export-parquet",
    mixinStandardHelpOptions = true,
    description = {
      "Writes the current rows of one configuration of the label table (images",
      "marked missing left out: one row per image) as plain Parquet files in one",
      "directory, without Iceberg metadata."
    })
public final class ExportParquetCommand implements Callable<Integer> {
  @Option(names = "--table", required = true, paramLabel = "NAME",
      description = "the label table: CATALOG.DB.TABLE, or a bare name kept under --labels")
  String table;

  @Option(names = "--labels", paramLabel = "URI",
      description = "for a bare table name: label's --output (the table's warehouse)")
  String labels;

  @Option(names = "--config-id", paramLabel = "ID",
      description = "the configuration to export (default: the table's only one)")
  String configId;

  @Option(names = "--output", required = true, paramLabel = "URI",
      description = "directory of the Parquet files: a local path, or s3a://, hdfs://, gs://")
  String output;

  @Option(names = "--overwrite", description = "replace --output if it exists")
  boolean overwrite;

  @Option(names = "--master", paramLabel = "MASTER", description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE})")
  String master = "local[*]";

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new ExportParquetCommand(), args));
  }

  @Override
  public Integer call() throws Exception {
    SparkSession spark = Spark.session("personlab export-parquet", master);
    LabelTableReader.Selection s = LabelTableReader.current(spark, table, labels, configId);
    ExportCocoCommand.checkNotLocal(spark, output);
    Path out = new Path(output);
    FileSystem fs = out.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (!overwrite && fs.exists(out)) {
      throw new IllegalArgumentException(output + " exists: give --overwrite to replace it");
    }
    String[] columns = Arrays.stream(LabelTable.SCHEMA.fieldNames()).toArray(String[]::new);
    // Spark's default INT96 timestamps are deprecated in Parquet; readers expect microseconds
    String key = "spark.sql.parquet.outputTimestampType";
    String before = spark.conf().contains(key) ? spark.conf().get(key) : null;
    spark.conf().set(key, "TIMESTAMP_MICROS");
    try {
      s.rows().selectExpr(columns).write().mode(SaveMode.Overwrite).parquet(output);
    } finally {
      if (before == null) {
        spark.conf().unset(key);
      } else {
        spark.conf().set(key, before);
      }
    }
    long n = spark.read().parquet(output).count();
    System.out.printf("wrote %d rows of %s, configuration %s, to %s%n", n, s.table(), s.configId(), output);
    return 0;
  }
}
