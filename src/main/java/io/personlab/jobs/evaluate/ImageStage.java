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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import scala.Tuple2;
import scala.Tuple3;

/**
 * The per-image stage on the executors: an image's ground truth and every prediction set's
 * results, co-grouped by image id, evaluated by the core's {@link ImageEvaluator} exactly as
 * pycocotools' evaluate() does (file order within the image restored first), and reduced to
 * what the accumulation needs ({@link RankedAccumulator.Ranked}), the image's counts
 * ({@link Totals}) and its {@link PerImageResult}s.
 */
final class ImageStage implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Unreadable records (lenient mode) are grouped under this key; no image has it. */
  static final long UNREADABLE = Long.MIN_VALUE;

  /** A prediction of set {@code set} (0: --predictions, 1: --compare). */
  record Tagged(int set, CocoSources.Prediction prediction) implements Serializable {
    long imageId() {
      return prediction.result() == null ? UNREADABLE : prediction.result().imageId();
    }
  }

  /** What one image gives each prediction set. */
  record Outcome(List<List<RankedAccumulator.Ranked>> ranked, List<List<PerImageResult>> rows,
      Totals[] totals) implements Serializable {}

  private final EvalParams params;
  private final long[] categoryIds;
  private final String gtSource;
  private final String[] sources;
  private final Detections.Kind[] kinds;
  private final boolean lenient;
  private transient ImageEvaluator evaluator;

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

  Outcome evaluate(long imageId,
      Tuple3<Iterable<CocoImage>, Iterable<CocoAnnotation>, Iterable<Tagged>> group) {
    if (evaluator == null) {
      evaluator = new ImageEvaluator(params);
    }
    int numSets = sources.length;
    Totals[] totals = zero();
    List<List<RankedAccumulator.Ranked>> ranked = new ArrayList<>(numSets);
    List<List<PerImageResult>> rows = new ArrayList<>(numSets);
    for (int s = 0; s < numSets; s++) {
      ranked.add(new ArrayList<>());
      rows.add(new ArrayList<>());
    }
    Outcome outcome = new Outcome(ranked, rows, totals);
    List<CocoImage> images = new ArrayList<>(1);
    group._1().forEach(images::add);
    List<CocoAnnotation> annotations = new ArrayList<>();
    group._2().forEach(annotations::add);
    @SuppressWarnings("unchecked")
    List<CocoResult>[] results = new List[numSets];
    for (int s = 0; s < numSets; s++) {
      results[s] = new ArrayList<>();
    }
    for (Tagged t : group._3()) {
      if (t.prediction().result() == null) {
        totals[t.set()].skip(Totals.Skip.UNREADABLE, t.prediction().error());
      } else {
        results[t.set()].add(t.prediction().result());
      }
    }
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
        ranked.get(s).addAll(RankedAccumulator.ranked(k, d.perArea()));
        rows.get(s).add(PerImageResult.of(imageId, categoryIds[k], image.fileName(), params, gts, d));
      }
    }
    return outcome;
  }

  /** Records by category index; those of a category the ground truth does not list are counted. */
  private <T> List<List<T>> byCategory(List<T> records, java.util.function.ToLongFunction<T> category,
      Totals totals, boolean groundTruth) {
    Map<Long, Integer> index = new HashMap<>();
    for (int k = 0; k < categoryIds.length; k++) {
      index.put(categoryIds[k], k);
    }
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

  /** Keys an RDD element by image id for the co-group. */
  static <T> Tuple2<Long, T> keyed(long imageId, T value) {
    return new Tuple2<>(imageId, value);
  }
}
