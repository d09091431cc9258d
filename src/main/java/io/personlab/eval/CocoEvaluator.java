package io.personlab.eval;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoFormatException;
import io.personlab.coco.CocoImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * pycocotools' COCOeval over a ground truth and prepared detections: per-image evaluation
 * ({@link #evaluateImages}, parallel over images), then {@link Accumulator} and {@link Summary}.
 * The two stages are separate so that per-image work can run anywhere and be merged later.
 */
public final class CocoEvaluator {
  private final EvalParams params;
  private final ImageEvaluator imageEvaluator;

  public CocoEvaluator(EvalParams params) {
    this.params = params;
    this.imageEvaluator = new ImageEvaluator(params);
  }

  public EvalParams params() {
    return params;
  }

  /** The whole evaluation: per-image matching, accumulation, summary. */
  public Summary evaluate(CocoDataset gt, List<Detection> dts, String resultsSource, int threads) {
    return Summary.of(Accumulator.accumulate(params,
        evaluateImages(gt, dts, resultsSource, threads, w -> {})));
  }

  /**
   * Per-image evaluation, {@code [category][area range][image]} with images in ascending id
   * order (pycocotools' evalImgs). Annotations and results that pycocotools leaves out (category
   * not in the ground truth's categories, image not in its images) are left out too, and
   * reported through {@code warnings}.
   */
  public ImageEvaluation[][][] evaluateImages(CocoDataset gt, List<Detection> dts,
      String resultsSource, int threads, Consumer<String> warnings) {
    long[] imageIds = gt.images().stream().mapToLong(CocoImage::id).sorted().distinct().toArray();
    long[] categoryIds = gt.categories().stream().mapToLong(c -> c.id()).sorted().distinct().toArray();
    int numImages = imageIds.length;
    int numCategories = categoryIds.length;
    Map<Long, CocoImage> images = gt.imagesById();
    Map<Long, Integer> imageIndex = indexOf(imageIds);
    Map<Long, Integer> categoryIndex = indexOf(categoryIds);

    @SuppressWarnings("unchecked")
    List<CocoAnnotation>[] gtGroups = new List[numImages * Math.max(1, numCategories)];
    int gtOutside = 0;
    for (CocoAnnotation a : gt.annotations()) {
      Integer i = imageIndex.get(a.imageId());
      Integer k = categoryIndex.get(a.categoryId());
      if (i == null || k == null) {
        gtOutside++;
        continue;
      }
      int key = i * numCategories + k;
      if (gtGroups[key] == null) {
        gtGroups[key] = new ArrayList<>(4);
      }
      gtGroups[key].add(a);
    }
    @SuppressWarnings("unchecked")
    List<Detection>[] dtGroups = new List[gtGroups.length];
    int dtOutside = 0;
    for (Detection d : dts) {
      Integer i = imageIndex.get(d.imageId());
      Integer k = categoryIndex.get(d.categoryId());
      if (i == null || k == null) {
        dtOutside++;
        continue;
      }
      int key = i * numCategories + k;
      if (dtGroups[key] == null) {
        dtGroups[key] = new ArrayList<>(8);
      }
      dtGroups[key].add(d);
    }
    if (gtOutside > 0) {
      warnings.accept(gt.source() + ": " + gtOutside
          + " annotation(s) with an image or category not listed in the file are not evaluated");
    }
    if (dtOutside > 0) {
      warnings.accept(resultsSource + ": " + dtOutside
          + " result(s) with a category_id not in the ground truth's categories are not evaluated");
    }

    int numAreas = params.areaRanges().length;
    ImageEvaluation[][][] out = new ImageEvaluation[numCategories][numAreas][numImages];
    IntStream work = IntStream.range(0, numImages * numCategories);
    Runnable body = () -> (threads > 1 ? work.parallel() : work).forEach(key -> {
      int i = key / numCategories;
      int k = key % numCategories;
      List<CocoAnnotation> g = gtGroups[key] == null ? List.of() : gtGroups[key];
      List<Detection> d = dtGroups[key] == null ? List.of() : dtGroups[key];
      CocoImage image = images.get(imageIds[i]);
      ImageEvaluation[] perArea;
      try {
        perArea = imageEvaluator.evaluate(imageIds[i], g, d, image.height(), image.width());
      } catch (InvalidRecordException e) {
        throw new CocoFormatException(
            (e.inGroundTruth() ? gt.source() : resultsSource) + ": " + e.getMessage(), e);
      }
      if (perArea != null) {
        for (int a = 0; a < numAreas; a++) {
          out[k][a][i] = perArea[a];
        }
      }
    });
    runWith(threads, body);
    return out;
  }

  private static void runWith(int threads, Runnable body) {
    if (threads <= 1) {
      body.run();
      return;
    }
    ForkJoinPool pool = new ForkJoinPool(threads);
    try {
      pool.submit(body).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("evaluation interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdown();
    }
  }

  private static Map<Long, Integer> indexOf(long[] sortedIds) {
    Map<Long, Integer> index = new HashMap<>(sortedIds.length * 2);
    for (int i = 0; i < sortedIds.length; i++) {
      index.put(sortedIds[i], i);
    }
    return index;
  }
}
