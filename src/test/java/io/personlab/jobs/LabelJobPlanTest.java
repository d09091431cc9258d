package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** How a run is planned before any image is read: task counts, and which paths a cluster can use. */
class LabelJobPlanTest {
  static LabelJob.Options paths(List<String> inputs, String output, boolean allowLocal) {
    LabelJob.Options o = LabelJobTest.options(inputs, output, LabelJobTest.fast(0.2), 200, false, 0);
    return o.withLocalPathsAllowed(allowLocal);
  }

  @Test
  void smallInputsKeepEveryCoreBusyAndLargeOnesHaveBoundedTasks() {
    assertEquals(4, LabelJob.tasks(79, 13L << 20, 200, 256L << 20, 2), "79 images on 2 cores: 2 tasks per core");
    assertEquals(3, LabelJob.tasks(3, 1 << 20, 200, 256L << 20, 16), "never more tasks than images");
    assertEquals(64, LabelJob.tasks(10_000, 1L << 30, 200, 256L << 20, 32), "2 per core when that is more");
    assertEquals(5_000, LabelJob.tasks(1_000_000, 100L << 30, 200, 256L << 20, 32), "bounded by images per task");
    assertEquals(20_480, LabelJob.tasks(100_000, 5L << 40, 200, 256L << 20, 32), "bounded by bytes per task");
    assertEquals(1, LabelJob.tasks(1, 0, 200, 256L << 20, 1));
  }

  @Test
  void aClusterRefusesLocalPathsThatExecutorsCannotSee() {
    Configuration conf = new Configuration(); // default filesystem file:///, as on a laptop
    LabelJob.Options local = paths(List.of("/data/photos"), "s3a://bucket/labels", false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LabelJob.visibleToExecutors(local, conf, "spark://10.0.0.1:7077"));
    assertTrue(e.getMessage().startsWith("/data/photos: a local path on a cluster (master spark://10.0.0.1:7077)"),
        e.getMessage());
    LabelJob.Options localOut = paths(List.of("s3a://bucket/photos"), "file:///tmp/labels", false);
    assertThrows(IllegalArgumentException.class, () -> LabelJob.visibleToExecutors(localOut, conf, "yarn"));

    LabelJob.Options remote = paths(List.of("s3a://bucket/photos", "hdfs://nn:8020/archive"), "s3a://bucket/labels", false);
    assertEquals(remote.inputs(), LabelJob.visibleToExecutors(remote, conf, "yarn").inputs());
    LabelJob.Options mounted = paths(List.of("/mnt/nfs/photos"), "/mnt/nfs/labels", true);
    LabelJob.Options allowed = LabelJob.visibleToExecutors(mounted, conf, "yarn");
    assertEquals(List.of("file:/mnt/nfs/photos"), allowed.inputs(), "qualified, so every host reads the same path");
    assertEquals("file:/mnt/nfs/labels", allowed.output());
    assertSame(local, LabelJob.visibleToExecutors(local, conf, "local[2]"), "local mode: every path is visible");
  }

  @Test
  void onYarnABarePathMeansTheDefaultFilesystem() {
    Configuration conf = new Configuration();
    conf.set("fs.defaultFS", "hdfs://127.0.0.1:8020");
    LabelJob.Options bare = paths(List.of("/archive/photos"), "/labels", false);
    LabelJob.Options q = LabelJob.visibleToExecutors(bare, conf, "yarn");
    assertEquals(List.of("hdfs://127.0.0.1:8020/archive/photos"), q.inputs());
    assertEquals("hdfs://127.0.0.1:8020/labels", q.output());
  }
}
