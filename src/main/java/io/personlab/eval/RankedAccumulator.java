package io.personlab.eval;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * pycocotools' accumulate() over detections that are ranked across many partitions (Spark tasks)
 * and never gathered in one place; {@link Accumulator} is the same steps over one partition.
 *
 * <p>accumulate() ranks, per category, every image's kept detections by score with a stable
 * sort over their concatenation in ascending image-id order: that is one total order (score
 * descending, then image id, then rank in the image; {@link Columns#compare}). Given the
 * detections in that order, split into consecutive partitions:
 *
 * <ol>
 *   <li>{@link #count}: per partition, the true and false positives of every (category, area
 *       range, maxDets, threshold) setting; {@link #exclusivePrefix} turns them into each
 *       partition's starting counts;
 *   <li>{@link #partial}: per partition, the cumulative sums continued from those starting counts,
 *       recall and precision at each position exactly as accumulate computes them, and for each
 *       recall threshold met in the partition the precision envelope from its first position to
 *       the partition's end;
 *   <li>{@link #combine}: for each recall threshold, the first partition that meets it, with the
 *       envelope continued over the later partitions (a maximum: exact).
 * </ol>
 *
 * Each step holds one partition; what reaches the caller is a few numbers per setting.
 */
public final class RankedAccumulator {
  private RankedAccumulator() {}

  /**
   * Kept detections as columns, for moving and sorting millions of them without an object each:
   * category index, score (-0.0 read as 0.0: numpy's sort does not tell them apart), image id,
   * rank in the image's own score order, and {@code flags[i * flagsPer + a * T + t]}
   * ({@link ImageEvaluation#MATCHED} and/or IGNORED per area range and threshold).
   */
  public record Columns(int size, int[] category, double[] score, long[] imageId, int[] rank,
      byte[] flags, int flagsPer) implements Serializable {

    /** The ranking order between detections i and j: score descending, image id, rank, category. */
    public int compare(int i, int j) {
      int c = Double.compare(score[j], score[i]);
      if (c != 0) {
        return c;
      }
      c = Long.compare(imageId[i], imageId[j]);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(rank[i], rank[j]);
      return c != 0 ? c : Integer.compare(category[i], category[j]);
    }

    /** These detections in ranking order (a stable merge sort of an index). */
    public Columns sorted() {
      int[] order = new int[size];
      for (int i = 0; i < size; i++) {
        order[i] = i;
      }
      int[] tmp = new int[size];
      for (int width = 1; width < size; width *= 2) {
        for (int lo = 0; lo < size - width; lo += 2 * width) {
          int mid = lo + width, hi = Math.min(lo + 2 * width, size);
          int a = lo, b = mid, k = lo;
          while (a < mid && b < hi) {
            tmp[k++] = compare(order[b], order[a]) < 0 ? order[b++] : order[a++];
          }
          while (a < mid) {
            tmp[k++] = order[a++];
          }
          while (b < hi) {
            tmp[k++] = order[b++];
          }
          System.arraycopy(tmp, lo, order, lo, hi - lo);
        }
      }
      Builder out = new Builder(flagsPer);
      for (int i : order) {
        out.add(this, i);
      }
      return out.build();
    }

    /** Appends detections one at a time; arrays grow by doubling. */
    public static final class Builder {
      private final int flagsPer;
      private int n;
      private int[] category = new int[16];
      private double[] score = new double[16];
      private long[] imageId = new long[16];
      private int[] rank = new int[16];
      private byte[] flags;

      public Builder(int flagsPer) {
        this.flagsPer = flagsPer;
        flags = new byte[16 * flagsPer];
      }

      private void room() {
        if (n == score.length) {
          int cap = n * 2;
          category = Arrays.copyOf(category, cap);
          score = Arrays.copyOf(score, cap);
          imageId = Arrays.copyOf(imageId, cap);
          rank = Arrays.copyOf(rank, cap);
          flags = Arrays.copyOf(flags, cap * flagsPer);
        }
      }

      public void add(int cat, double sc, long image, int rk, byte[] f, int fOffset) {
        room();
        category[n] = cat;
        score[n] = sc == 0 ? 0.0 : sc;
        imageId[n] = image;
        rank[n] = rk;
        System.arraycopy(f, fOffset, flags, n * flagsPer, flagsPer);
        n++;
      }

      /** An image's kept detections for category k (perArea as ImageEvaluator gives it). */
      public void addImage(int k, ImageEvaluation[] perArea) {
        ImageEvaluation all = perArea[0];
        int nd = all.numDetections();
        int numT = flagsPer / perArea.length;
        byte[] f = new byte[flagsPer];
        for (int d = 0; d < nd; d++) {
          for (int a = 0; a < perArea.length; a++) {
            byte[] byThreshold = perArea[a].flags();
            for (int t = 0; t < numT; t++) {
              f[a * numT + t] = byThreshold[t * nd + d];
            }
          }
          add(k, all.scores()[d], all.imageId(), d, f, 0);
        }
      }

      public void add(Columns c, int i) {
        add(c.category[i], c.score[i], c.imageId[i], c.rank[i], c.flags, i * c.flagsPer);
      }

      public void addAll(Columns c) {
        for (int i = 0; i < c.size; i++) {
          add(c, i);
        }
      }

      public int size() {
        return n;
      }

      public Columns build() {
        return new Columns(n, Arrays.copyOf(category, n), Arrays.copyOf(score, n),
            Arrays.copyOf(imageId, n), Arrays.copyOf(rank, n), Arrays.copyOf(flags, n * flagsPer),
            flagsPer);
      }
    }
  }

  /** True/false positive counts per setting, and kept detections per (category, maxDets). */
  public record Counts(long[] tp, long[] fp, long[] kept) implements Serializable {
    static Counts zero(EvalParams p, int numCategories) {
      int kam = numCategories * p.areaRanges().length * p.maxDets().length;
      return new Counts(new long[kam * p.iouThrs().length], new long[kam * p.iouThrs().length],
          new long[numCategories * p.maxDets().length]);
    }

    Counts plus(Counts o) {
      long[] tp2 = tp.clone(), fp2 = fp.clone(), kept2 = kept.clone();
      for (int i = 0; i < tp2.length; i++) {
        tp2[i] += o.tp[i];
        fp2[i] += o.fp[i];
      }
      for (int i = 0; i < kept2.length; i++) {
        kept2[i] += o.kept[i];
      }
      return new Counts(tp2, fp2, kept2);
    }
  }

  /** Step 1: the counts of one partition. */
  public static Counts count(EvalParams p, int numCategories, Columns rows) {
    Counts c = Counts.zero(p, numCategories);
    int numT = p.iouThrs().length, numA = p.areaRanges().length;
    int[] maxDets = p.maxDets();
    int numM = maxDets.length;
    for (int i = 0; i < rows.size(); i++) {
      int category = rows.category()[i], rank = rows.rank()[i], f0 = i * rows.flagsPer();
      for (int m = 0; m < numM; m++) {
        if (rank >= maxDets[m]) {
          continue;
        }
        c.kept[category * numM + m]++;
        for (int a = 0; a < numA; a++) {
          int base = ((category * numA + a) * numM + m) * numT;
          for (int t = 0; t < numT; t++) {
            byte f = rows.flags()[f0 + a * numT + t];
            if ((f & ImageEvaluation.IGNORED) == 0) {
              if ((f & ImageEvaluation.MATCHED) != 0) {
                c.tp[base + t]++;
              } else {
                c.fp[base + t]++;
              }
            }
          }
        }
      }
    }
    return c;
  }

  /** Each partition's starting counts: the sums over the partitions before it. */
  public static Counts[] exclusivePrefix(EvalParams p, int numCategories, List<Counts> perPartition) {
    Counts[] out = new Counts[perPartition.size()];
    Counts running = Counts.zero(p, numCategories);
    for (int i = 0; i < out.length; i++) {
      out[i] = running;
      running = running.plus(perPartition.get(i));
    }
    return out;
  }

  /** The sum of all partitions' counts. */
  public static Counts total(EvalParams p, int numCategories, List<Counts> perPartition) {
    Counts running = Counts.zero(p, numCategories);
    for (Counts c : perPartition) {
      running = running.plus(c);
    }
    return running;
  }

  /**
   * What one partition contributes: {@code envelope[s][r]}, for setting s and recall threshold
   * r, the precision envelope (maximum precision) from the partition's first position whose recall
   * reaches the threshold to the partition's end, NaN where no position reaches it; and
   * {@code maxPrecision[s]}, the maximum over the whole partition (-infinity when it keeps none).
   */
  public record Partial(double[][] envelope, double[] maxPrecision) implements Serializable {}

  /**
   * Step 2, for one partition.
   *
   * @param npig non-ignored ground truths per (category, area range), {@code [k * A + a]}
   * @param start the partition's starting counts ({@link #exclusivePrefix})
   */
  public static Partial partial(EvalParams p, int numCategories, long[] npig, Counts start,
      Columns rows) {
    int numT = p.iouThrs().length, numA = p.areaRanges().length, numM = p.maxDets().length;
    double[] recThrs = p.recThrs();
    int numR = recThrs.length;
    int settings = numCategories * numA * numM * numT;
    double[][] envelope = new double[settings][];
    double[] maxPrecision = new double[settings];
    Arrays.fill(maxPrecision, Double.NEGATIVE_INFINITY);
    int at = numA * numT;
    byte[] flags = new byte[rows.size() * at]; // the kept rows' flags, [i * at + a * T + t]
    double[] rc = new double[rows.size()];
    double[] pr = new double[rows.size()];
    for (int k = 0; k < numCategories; k++) {
      for (int m = 0; m < numM; m++) {
        int maxDet = p.maxDets()[m];
        int n = 0;
        for (int i = 0; i < rows.size(); i++) {
          if (rows.category()[i] == k && rows.rank()[i] < maxDet) {
            System.arraycopy(rows.flags(), i * rows.flagsPer(), flags, n * at, at);
            n++;
          }
        }
        for (int a = 0; a < numA; a++) {
          double npigD = npig[k * numA + a];
          for (int t = 0; t < numT; t++) {
            int s = ((k * numA + a) * numM + m) * numT + t;
            double[] env = new double[numR];
            Arrays.fill(env, Double.NaN);
            envelope[s] = env;
            if (n == 0 || npigD == 0) {
              continue;
            }
            // Exactly accumulate's arithmetic: float cumulative sums, rc = tp / npig,
            // pr = tp / (fp + tp + eps), continued from the partitions before.
            double tp = start.tp[s], fp = start.fp[s];
            int flag = a * numT + t;
            for (int i = 0; i < n; i++) {
              byte f = flags[i * at + flag];
              if ((f & ImageEvaluation.IGNORED) == 0) {
                if ((f & ImageEvaluation.MATCHED) != 0) {
                  tp++;
                } else {
                  fp++;
                }
              }
              rc[i] = tp / npigD;
              pr[i] = tp / (fp + tp + NumpyMath.EPS);
            }
            for (int i = n - 1; i > 0; i--) {
              if (pr[i] > pr[i - 1]) {
                pr[i - 1] = pr[i];
              }
            }
            maxPrecision[s] = pr[0];
            int i = 0;
            for (int r = 0; r < numR; r++) {
              while (i < n && rc[i] < recThrs[r]) {
                i++;
              }
              if (i == n) {
                break;
              }
              env[r] = pr[i];
            }
          }
        }
      }
    }
    return new Partial(envelope, maxPrecision);
  }

  /**
   * Step 3: precision and recall for every setting, as {@link Accumulator} gives them.
   *
   * @param npig non-ignored ground truths per (category, area range)
   * @param present per category, whether any image has ground truth or detections in it
   * @param total {@link #total} of the partitions' counts
   * @param partials every partition's {@link #partial}, in ranking order
   */
  public static Accumulation combine(EvalParams p, int numCategories, long[] npig,
      boolean[] present, Counts total, List<Partial> partials) {
    int numT = p.iouThrs().length, numR = p.recThrs().length;
    int numA = p.areaRanges().length, numM = p.maxDets().length;
    double[] precision = new double[numT * numR * numCategories * numA * numM];
    double[] recall = new double[numT * numCategories * numA * numM];
    Arrays.fill(precision, -1);
    Arrays.fill(recall, -1);
    Accumulation acc = new Accumulation(p, numCategories, precision, recall);
    int parts = partials.size();
    double[] laterMax = new double[parts + 1];
    for (int k = 0; k < numCategories; k++) {
      if (!present[k]) {
        continue;
      }
      for (int a = 0; a < numA; a++) {
        long gts = npig[k * numA + a];
        if (gts == 0) {
          continue;
        }
        for (int m = 0; m < numM; m++) {
          long nd = total.kept[k * numM + m];
          for (int t = 0; t < numT; t++) {
            int s = ((k * numA + a) * numM + m) * numT + t;
            recall[acc.recallIndex(t, k, a, m)] = nd > 0 ? total.tp[s] / (double) gts : 0;
            laterMax[parts] = Double.NEGATIVE_INFINITY;
            for (int q = parts - 1; q >= 0; q--) {
              laterMax[q] = Math.max(laterMax[q + 1], partials.get(q).maxPrecision()[s]);
            }
            int q = 0;
            for (int r = 0; r < numR; r++) {
              while (q < parts && Double.isNaN(partials.get(q).envelope()[s][r])) {
                q++;
              }
              // No position reaches this recall: pycocotools leaves 0 (its IndexError path).
              precision[acc.precisionIndex(t, r, k, a, m)] = q == parts ? 0
                  : Math.max(partials.get(q).envelope()[s][r], laterMax[q + 1]);
            }
          }
        }
      }
    }
    return acc;
  }
}
