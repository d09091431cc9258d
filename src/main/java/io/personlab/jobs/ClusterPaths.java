package io.personlab.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Paths on a cluster. A local path names one host's disk: executors on other hosts would read
 * nothing or write where nobody looks, and in cluster deploy mode the driver itself runs on any
 * host. With a master other than {@code local[...]} such paths are refused (unless the user says
 * every host mounts them); every other path is qualified as Hadoop means it (a bare path belongs
 * to the default filesystem, {@code hdfs://} on YARN).
 */
public final class ClusterPaths {
  private ClusterPaths() {}

  /**
   * The path every process of the job should use, or an error naming it.
   *
   * @param why what goes wrong with a local path here, for the message
   * @param allowLocal every host mounts local paths at the same place
   */
  public static String shared(String uri, Configuration conf, String master, boolean allowLocal, String why) {
    if (master.startsWith("local")) {
      return uri;
    }
    try {
      Path p = new Path(uri);
      String qualified = p.toUri().getScheme() != null ? uri : FileSystem.get(conf).makeQualified(p).toString();
      if (qualified.startsWith("file:") && !allowLocal) {
        throw new IllegalArgumentException(uri + ": a local path on a cluster (master " + master + "): " + why);
      }
      return qualified;
    } catch (IOException e) {
      throw new UncheckedIOException(uri + ": " + e.getMessage(), e);
    }
  }
}
