package io.personlab.jobs;

import java.io.Serializable;

/**
 * Where a job's model comes from, decided once on the driver ({@link ModelStaging#resolve}) and
 * shipped to the executors, which turn it into a local path ({@link ModelStaging#localPath}).
 *
 * @param kind how executors find it
 * @param location LOCAL: an absolute path every process sees (local mode); SHIPPED: the name
 *     under which spark-submit's --files / --archives (or the driver's addFile) put it in each
 *     executor's working directory or SparkFiles root; REMOTE: the s3a://, hdfs://, gs://... URI
 * @param contentHash SHA-256 of the model's bytes (files in name order, spec included), the
 *     model's fingerprint; executors check a REMOTE copy against it
 */
public record ModelSource(Kind kind, String location, String contentHash) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How executors find the model. */
  public enum Kind { LOCAL, SHIPPED, REMOTE }
}
