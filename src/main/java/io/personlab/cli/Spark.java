package io.personlab.cli;

import org.apache.spark.sql.SparkSession;

/** The Spark session of a command: the cluster's under spark-submit, local otherwise. */
final class Spark {
  private Spark() {}

  static SparkSession session(String appName, String localMaster) {
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    // clusters often run Kryo; Kryo 4 cannot build records, so records go through Java serialization
    String registrators = System.getProperty("spark.kryo.registrator", "");
    if (!registrators.contains(io.personlab.jobs.KryoRecords.class.getName())) {
      b.config("spark.kryo.registrator", (registrators.isBlank() ? "" : registrators + ",")
          + io.personlab.jobs.KryoRecords.class.getName());
    }
    if (System.getProperty("spark.master") == null) { // spark-submit sets it
      b.master(localMaster);
      if (localMaster.startsWith("local")) {
        // one process on this machine: loopback, no UI; never pinned for a real cluster's driver
        b.config("spark.ui.enabled", "false")
            .config("spark.sql.extensions", io.personlab.jobs.LabelTable.EXTENSIONS) // the label table's MERGE
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.driver.host", "127.0.0.1");
      }
    }
    return b.getOrCreate();
  }
}
