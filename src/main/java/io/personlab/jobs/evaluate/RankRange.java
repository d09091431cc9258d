package io.personlab.jobs.evaluate;

import io.personlab.eval.RankedAccumulator;
import io.personlab.eval.RankedAccumulator.Columns;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.Partitioner;
import scala.Tuple2;

/**
 * The ranking's range partitioning, done on columns: which key range a detection falls in
 * (boundaries are one-row {@link Columns}, compared in the ranking order), the per-range blocks a
 * task ships, and the sort of a range's blocks. The partitioner sends block r to partition r.
 */
final class RankRange extends Partitioner {
  private static final long serialVersionUID = 1L;
  private final int parts;

  RankRange(int parts) {
    this.parts = parts;
  }

  @Override
  public int numPartitions() {
    return parts;
  }

  @Override
  public int getPartition(Object key) {
    return (Integer) key;
  }

  /** This task's detections of one prediction set, cut into one block per key range. */
  static Iterator<Tuple2<Integer, Columns>> blocks(Iterator<ImageStage.Outcome> outcomes, int set,
      Columns[] bounds, int flagsPer) {
    Columns.Builder[] builders = new Columns.Builder[bounds.length + 1];
    for (int b = 0; b < builders.length; b++) {
      builders[b] = new Columns.Builder(flagsPer);
    }
    while (outcomes.hasNext()) {
      Columns c = outcomes.next().sets()[set].columns();
      for (int i = 0; i < c.size(); i++) {
        builders[range(c, i, bounds)].add(c, i);
      }
    }
    List<Tuple2<Integer, Columns>> out = new ArrayList<>();
    for (int b = 0; b < builders.length; b++) {
      if (builders[b].size() > 0) {
        out.add(new Tuple2<>(b, builders[b].build()));
      }
    }
    return out.iterator();
  }

  /** The first range whose upper boundary is not before detection i (binary search). */
  static int range(Columns c, int i, Columns[] bounds) {
    int lo = 0, hi = bounds.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compare(c, i, bounds[mid]) > 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int compare(Columns c, int i, Columns bound) {
    int r = Double.compare(bound.score()[0], c.score()[i]);
    if (r != 0) {
      return r;
    }
    r = Long.compare(c.imageId()[i], bound.imageId()[0]);
    if (r != 0) {
      return r;
    }
    r = Integer.compare(c.rank()[i], bound.rank()[0]);
    return r != 0 ? r : Integer.compare(c.category()[i], bound.category()[0]);
  }

  /** A range's blocks as one sorted run. */
  static Columns sort(Iterator<Tuple2<Integer, Columns>> blocks, int flagsPer) {
    Columns.Builder all = new Columns.Builder(flagsPer);
    blocks.forEachRemaining(b -> all.addAll(b._2()));
    return all.build().sorted();
  }

  /** Up to {@code n} keys of this task's detections of one set, drawn at random (seeded). */
  static Columns sample(Iterator<ImageStage.Outcome> outcomes, int set, int n, int seed) {
    Columns.Builder reservoir = new Columns.Builder(0);
    Random random = new Random(seed);
    long seen = 0;
    List<Columns> sources = new ArrayList<>();
    List<int[]> positions = new ArrayList<>();
    while (outcomes.hasNext()) {
      Columns c = outcomes.next().sets()[set].columns();
      for (int i = 0; i < c.size(); i++) {
        seen++;
        int slot = seen <= n ? (int) seen - 1 : (int) (random.nextDouble() * seen);
        if (slot < n) {
          if (slot == positions.size()) {
            sources.add(c);
            positions.add(new int[] {i});
          } else {
            sources.set(slot, c);
            positions.set(slot, new int[] {i});
          }
        }
      }
    }
    for (int s = 0; s < sources.size(); s++) {
      Columns c = sources.get(s);
      int i = positions.get(s)[0];
      reservoir.add(c.category()[i], c.score()[i], c.imageId()[i], c.rank()[i], new byte[0], 0);
    }
    return reservoir.build();
  }
}
