package io.personlab.jobs;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

/** The label table as exports read it: one configuration's current rows, vanished files left out. */
public final class LabelTableReader {
  private LabelTableReader() {}

  /** What an export read: the table's Spark name, the configuration, and its rows (table columns). */
  public record Selection(String table, String configId, Dataset<Row> rows) {}

  /**
   * The current rows of one configuration ({@link LabelTable#configurationToRead}) without rows
   * marked {@code missing}: a file no longer listed has no label to export. {@code warehouse}
   * locates a bare table name, as {@code label --output} placed it.
   */
  public static Selection current(SparkSession spark, String table, String warehouse, String configId) {
    if (!table.contains(".") && warehouse == null) {
      throw new IllegalArgumentException("--table " + table + " without a catalog needs --labels URI: "
          + "the --output it was labeled into (the table's warehouse)");
    }
    String name = LabelTable.name(spark, table, warehouse);
    if (!spark.catalog().tableExists(name)) {
      throw new IllegalArgumentException(table.contains(".") ? table + ": no such table"
          : table + ": no label table in " + warehouse + " (expected under " + warehouse.replaceAll("/+$", "")
              + "/labels/" + table + ")");
    }
    String config = LabelTable.configurationToRead(spark, name, configId);
    if (configId != null) {
      List<String> known = LabelTable.configurations(spark, name);
      if (!known.contains(configId)) { // a mistyped id would otherwise export nothing, silently
        throw new IllegalArgumentException(table + ": no configuration " + configId + "; it holds " + known);
      }
    }
    return new Selection(name, config, LabelTable.current(spark, name, config).where(not(col("missing"))));
  }
}
