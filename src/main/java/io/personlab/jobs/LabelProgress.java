package io.personlab.jobs;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple4;
import scala.collection.JavaConverters;

/**
 * Live progress of the labeling job on the driver. The driver merges accumulators only when a
 * task ends, so with few long tasks they stand still for most of the run; this listener also reads
 * the running tasks' accumulator values that executors send with every heartbeat
 * ({@code spark.executor.heartbeatInterval}, 10 s by default). Counts are kept per partition
 * (stage and partition): a finished partition counts its successful attempt's values, once, however
 * many attempts (retries, speculative copies, stage re-runs) it took; a running partition counts
 * its furthest attempt until one finishes; a failed attempt's partial count is dropped (its retry
 * redoes those images). So the figures never double-count and end equal to the job's rows.
 */
public final class LabelProgress extends SparkListener {
  /** Images labeled and error rows among them, and how many labeling partitions are done. */
  public record Snapshot(long images, long errors, int partitionsDone) {}

  private final SparkContext sc;
  private final long imagesId;
  private final long errorsId;
  // guarded by this
  private final Map<Long, String> started = new HashMap<>(); // task id -> partition key
  private final Map<Long, long[]> running = new HashMap<>(); // task id -> {images, errors}
  private final Map<String, long[]> finished = new HashMap<>(); // partition key -> {images, errors}

  private LabelProgress(SparkContext sc, LongAccumulator images, LongAccumulator errors) {
    this.sc = sc;
    this.imagesId = images.id();
    this.errorsId = errors.id();
  }

  /** Starts following the tasks that add to these accumulators; {@link #detach()} when done. */
  public static LabelProgress attach(SparkContext sc, LongAccumulator images, LongAccumulator errors) {
    LabelProgress p = new LabelProgress(sc, images, errors);
    sc.addSparkListener(p);
    return p;
  }

  public void detach() {
    sc.removeSparkListener(this);
  }

  public synchronized Snapshot snapshot() {
    long images = 0, errors = 0;
    for (long[] v : finished.values()) {
      images += v[0];
      errors += v[1];
    }
    Map<String, long[]> furthest = new HashMap<>();
    for (Map.Entry<Long, long[]> e : running.entrySet()) {
      String key = started.get(e.getKey());
      if (key != null && !finished.containsKey(key)) {
        furthest.merge(key, e.getValue(), (a, b) -> a[0] >= b[0] ? a : b);
      }
    }
    for (long[] v : furthest.values()) {
      images += v[0];
      errors += v[1];
    }
    return new Snapshot(images, errors, finished.size());
  }

  /**
   * Waits until the finished partitions account for {@code images} images or the timeout passes,
   * and returns the snapshot then (listener events arrive asynchronously, after the action
   * returns).
   */
  public synchronized Snapshot await(long images, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Snapshot s = snapshot();
      long left = deadline - System.nanoTime();
      if ((s.images() >= images && running.isEmpty()) || left <= 0) {
        return s;
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  @Override
  public synchronized void onTaskStart(SparkListenerTaskStart e) {
    started.put(e.taskInfo().taskId(), e.stageId() + ":" + e.taskInfo().partitionId());
  }

  @Override
  public synchronized void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate u) {
    for (Tuple4<Object, Object, Object, scala.collection.Seq<AccumulableInfo>> t
        : JavaConverters.seqAsJavaList(u.accumUpdates())) {
      long taskId = (Long) t._1();
      long[] v = values(t._4());
      if (v != null && started.containsKey(taskId)) { // not an ended task's late heartbeat
        running.merge(taskId, v, (a, b) -> a[0] >= b[0] ? a : b);
      }
    }
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
    long taskId = e.taskInfo().taskId();
    String key = started.remove(taskId);
    running.remove(taskId);
    if (e.taskInfo().successful()) {
      long[] v = values(e.taskInfo().accumulables());
      if (v != null) { // a labeling task (others carry none of these accumulators)
        finished.put(key != null ? key : e.stageId() + ":" + e.taskInfo().partitionId(), v);
      }
    }
    notifyAll();
  }

  /** {images, errors} of one task from its accumulator updates; null if it has neither. */
  private long[] values(scala.collection.Seq<AccumulableInfo> infos) {
    long[] v = null;
    for (AccumulableInfo info : JavaConverters.seqAsJavaList(infos)) {
      if ((info.id() == imagesId || info.id() == errorsId) && info.update().isDefined()) {
        if (v == null) {
          v = new long[2];
        }
        v[info.id() == imagesId ? 0 : 1] = ((Number) info.update().get()).longValue();
      }
    }
    return v;
  }
}
