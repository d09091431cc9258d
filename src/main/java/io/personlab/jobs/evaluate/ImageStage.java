package io.personlab.jobs.evaluate;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoFormatException;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.eval.Detection;
import io.personlab.eval.Detections;
import io.personlab.eval.EvalParams;
import io.personlab.eval.ImageEvaluator;
import io.personlab.eval.InvalidRecordException;
import io.personlab.eval.RankedAccumulator;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import scala.Tuple2;

/**
 * The per-image stage on the executors: an image's ground truth and every prediction set's
 * results, co-grouped by image id, evaluated by the core's {@link ImageEvaluator} exactly as
 * pycocotools' evaluate() does (file order within the image restored first), and reduced to
 * what the accumulation needs ({@link RankedAccumulator.Columns}), the image's counts
 * ({@link Totals}) and its {@link PerImageResult}s.
 */
final class ImageStage implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Unreadable records (lenient mode) are grouped under this key; no image has it. */
  static final long UNREADABLE = Long.MIN_VALUE;

  /** What one image gives one prediction set, as flat arrays: cheap to cache and to ship. */
  static final class SetColumns implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long imageId;
    private final String fileName;
    /** The kept detections, for the ranking. */
    private RankedAccumulator.Columns ranking = new RankedAccumulator.Columns.Builder(0).build();
    // the per-image results: category id, PerImageResult's 9 counts, quality (NaN: none)
    private int rows;
    private long[] rowCategory = new long[0];
    private int[] rowCounts = new int[0];
    private double[] rowQuality = new double[0];

    SetColumns(long imageId, String fileName) {
      this.imageId = imageId;
      this.fileName = fileName;
    }

    void encode(RecordCodec.Out out) {
      RankedAccumulator.Columns c = ranking;
      out.l(imageId).s(fileName).i(c.size()).ints(c.category()).doubles(c.score()).longs(c.imageId())
          .ints(c.rank()).i(c.flagsPer()).raw(c.flags())
          .i(rows).longs(rowCategory).ints(rowCounts).doubles(rowQuality);
    }

    static SetColumns decode(java.nio.ByteBuffer in) {
      SetColumns c = new SetColumns(in.getLong(), RecordCodec.string(in));
      int size = in.getInt();
      int[] category = RecordCodec.ints(in);
      double[] score = RecordCodec.doubles(in);
      long[] imageIds = RecordCodec.longs(in);
      int[] rank = RecordCodec.ints(in);
      int flagsPer = in.getInt();
      c.ranking = new RankedAccumulator.Columns(size, category, score, imageIds, rank, RecordCodec.raw(in),
          flagsPer);
      c.rows = in.getInt();
      c.rowCategory = RecordCodec.longs(in);
      c.rowCounts = RecordCodec.ints(in);
      c.rowQuality = RecordCodec.doubles(in);
      return c;
    }

    void add(PerImageResult r) {
      rowCategory = Arrays.copyOf(rowCategory, rows + 1);
      rowQuality = Arrays.copyOf(rowQuality, rows + 1);
      rowCounts = Arrays.copyOf(rowCounts, (rows + 1) * 9);
      rowCategory[rows] = r.categoryId();
      rowQuality[rows] = r.meanBestSimilarity() == null ? Double.NaN : r.meanBestSimilarity();
      int[] c = {r.groundTruth(), r.ignoredGroundTruth(), r.detections(), r.matched50(),
        r.falsePositives50(), r.missed50(), r.matched75(), r.falsePositives75(), r.missed75()};
      System.arraycopy(c, 0, rowCounts, rows * 9, 9);
      rows++;
    }

    long imageId() {
      return imageId;
    }

    String fileName() {
      return fileName;
    }

    /** The kept detections as ranking columns. */
    RankedAccumulator.Columns columns() {
      return ranking;
    }

    List<PerImageResult> rows() {
      List<PerImageResult> out = new ArrayList<>(rows);
      for (int r = 0; r < rows; r++) {
        int b = r * 9;
        out.add(new PerImageResult(imageId, rowCategory[r], fileName, rowCounts[b], rowCounts[b + 1],
            rowCounts[b + 2], rowCounts[b + 3], rowCounts[b + 4], rowCounts[b + 5], rowCounts[b + 6],
            rowCounts[b + 7], rowCounts[b + 8], Double.isNaN(rowQuality[r]) ? null : rowQuality[r]));
      }
      return out;
    }
  }

  /** What one image gives each prediction set. */
  record Outcome(SetColumns[] sets, Totals[] totals) implements Serializable {
    /** As bytes, for the cache: one array per image, nothing for Spark to size or serialise. */
    byte[] encode() {
      RecordCodec.Out out = new RecordCodec.Out().i(sets.length);
      for (int s = 0; s < sets.length; s++) {
        sets[s].encode(out);
        totals[s].encode(out);
      }
      return out.bytes();
    }

    static Outcome decode(byte[] bytes) {
      java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
      int numSets = in.getInt();
      SetColumns[] sets = new SetColumns[numSets];
      Totals[] totals = new Totals[numSets];
      for (int s = 0; s < numSets; s++) {
        sets[s] = SetColumns.decode(in);
        totals[s] = Totals.decode(in);
      }
      return new Outcome(sets, totals);
    }
  }

  private final EvalParams params;
  private final long[] categoryIds;
  private final String gtSource;
  private final String[] sources;
  private final Detections.Kind[] kinds;
  private final boolean lenient;
  private transient ImageEvaluator evaluator;
  private transient Map<Long, Integer> categoryIndex;

  ImageStage(EvalParams params, long[] categoryIds, String gtSource, String[] sources,
      Detections.Kind[] kinds, boolean lenient) {
    this.params = params;
    this.categoryIds = categoryIds;
    this.gtSource = gtSource;
    this.sources = sources;
    this.kinds = kinds;
    this.lenient = lenient;
  }

  Totals[] zero() {
    Totals[] t = new Totals[sources.length];
    for (int s = 0; s < t.length; s++) {
      t[s] = new Totals(categoryIds.length, params.areaRanges().length);
    }
    return t;
  }

  /** A partition's records grouped by key (image id, or annotation id for the id markers). */
  Iterator<Outcome> evaluatePartition(Iterator<Tuple2<Long, byte[]>> records) {
    Map<Long, List<byte[]>> groups = new HashMap<>();
    while (records.hasNext()) {
      Tuple2<Long, byte[]> r = records.next();
      groups.computeIfAbsent(r._1(), k -> new ArrayList<>(4)).add(r._2());
    }
    long[] keys = groups.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < keys.length;
      }

      @Override
      public Outcome next() {
        long key = keys[next++];
        return evaluate(key, groups.remove(key));
      }
    };
  }

  /**
   * One key's group: the image with this id, its annotations and predictions, and markers of the
   * annotations whose id is this key (more than one: pycocotools would resolve the id to one of
   * them and silently evaluate it twice).
   */
  Outcome evaluate(long imageId, List<byte[]> group) {
    if (evaluator == null) {
      evaluator = new ImageEvaluator(params);
    }
    int numSets = sources.length;
    Totals[] totals = zero();
    List<CocoImage> images = new ArrayList<>(1);
    List<CocoAnnotation> annotations = new ArrayList<>();
    List<byte[]> predictions = new ArrayList<>();
    int sameId = 0;
    for (byte[] b : group) {
      switch (RecordCodec.kind(b)) {
        case RecordCodec.IMAGE -> images.add(RecordCodec.image(b));
        case RecordCodec.ANNOTATION -> annotations.add(RecordCodec.annotation(b));
        case RecordCodec.ANNOTATION_ID -> sameId++;
        default -> predictions.add(b);
      }
    }
    if (sameId > 1) {
      throw new CocoFormatException(gtSource + ": annotation ids must be unique: id " + imageId
          + " (" + sameId + " times)");
    }
    @SuppressWarnings("unchecked")
    List<CocoResult>[] results = new List[numSets];
    for (int s = 0; s < numSets; s++) {
      results[s] = new ArrayList<>();
    }
    for (byte[] b : predictions) {
      int set = RecordCodec.predictionSet(b);
      CocoSources.Prediction p = RecordCodec.prediction(b);
      if (p.result() == null) {
        totals[set].skip(Totals.Skip.UNREADABLE, p.error());
      } else {
        results[set].add(p.result());
      }
    }
    SetColumns[] columns = new SetColumns[numSets];
    String fileName = images.size() == 1 ? images.get(0).fileName() : null;
    for (int s = 0; s < numSets; s++) {
      columns[s] = new SetColumns(imageId, fileName);
    }
    Outcome outcome = new Outcome(columns, totals);
    if (imageId == UNREADABLE) {
      return outcome;
    }
    if (images.size() > 1) {
      throw new CocoFormatException(gtSource + ": image id " + imageId + " is listed "
          + images.size() + " times");
    }
    if (images.isEmpty()) {
      totals[0].gtOutside += annotations.size();
      for (int s = 0; s < numSets; s++) {
        for (CocoResult r : results[s]) {
          String problem = sources[s] + ": result #" + r.index() + ": image_id " + r.imageId()
              + " is not in the ground truth " + gtSource;
          if (!lenient) {
            throw new CocoFormatException(problem);
          }
          totals[s].skip(Totals.Skip.ABSENT_IMAGE, problem);
        }
      }
      return outcome;
    }
    CocoImage image = images.get(0);
    int numK = categoryIds.length;
    List<List<CocoAnnotation>> gtByCategory = byCategory(annotations, CocoAnnotation::categoryId,
        totals[0], true);
    for (List<CocoAnnotation> g : gtByCategory) {
      g.sort(Comparator.comparingInt(CocoAnnotation::index));
    }
    for (int s = 0; s < numSets; s++) {
      Totals tot = totals[s];
      tot.images++;
      RankedAccumulator.Columns.Builder ranking =
          new RankedAccumulator.Columns.Builder(params.areaRanges().length * params.iouThrs().length);
      List<List<CocoResult>> dtByCategory = byCategory(results[s], CocoResult::categoryId, tot, false);
      for (int k = 0; k < numK; k++) {
        List<CocoResult> raw = dtByCategory.get(k);
        raw.sort(Comparator.comparingInt(CocoResult::index));
        List<Detection> dts = new ArrayList<>(raw.size());
        for (CocoResult r : raw) {
          try {
            dts.add(Detections.prepare(r, kinds[s], image, sources[s], params.oksSigmas().length));
          } catch (CocoFormatException e) {
            if (!lenient) {
              throw e;
            }
            tot.skip(Totals.Skip.UNREADABLE, e.getMessage());
          }
        }
        tot.predictions += dts.size();
        List<CocoAnnotation> gts = gtByCategory.get(k);
        ImageEvaluator.Detailed d;
        try {
          d = evaluator.evaluateDetailed(imageId, gts, dts, image.height(), image.width());
        } catch (InvalidRecordException e) {
          throw new CocoFormatException(
              (e.inGroundTruth() ? gtSource : sources[s]) + ": " + e.getMessage(), e);
        }
        if (s == 0) {
          totals[0].gtAnnotations += gts.size();
        }
        if (d == null) {
          continue;
        }
        tot.present[k] = true;
        for (int a = 0; a < d.perArea().length; a++) {
          tot.npig[k * d.perArea().length + a] += d.perArea()[a].numGt();
        }
        tot.kept += d.perArea()[0].numDetections();
        ranking.addImage(k, d.perArea());
        columns[s].add(PerImageResult.of(imageId, categoryIds[k], image.fileName(), params, gts, d));
      }
      columns[s].ranking = ranking.build();
    }
    return outcome;
  }

  /** Records by category index; those of a category the ground truth does not list are counted. */
  private <T> List<List<T>> byCategory(List<T> records, java.util.function.ToLongFunction<T> category,
      Totals totals, boolean groundTruth) {
    if (categoryIndex == null) {
      categoryIndex = new HashMap<>();
      for (int k = 0; k < categoryIds.length; k++) {
        categoryIndex.put(categoryIds[k], k);
      }
    }
    Map<Long, Integer> index = categoryIndex;
    List<List<T>> out = new ArrayList<>(categoryIds.length);
    for (int k = 0; k < categoryIds.length; k++) {
      out.add(new ArrayList<>());
    }
    for (T r : records) {
      Integer k = index.get(category.applyAsLong(r));
      if (k == null) {
        if (groundTruth) {
          totals.gtOutside++;
        } else {
          totals.otherCategory++;
        }
      } else {
        out.get(k).add(r);
      }
    }
    return out;
  }

}
