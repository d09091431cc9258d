package io.personlab.jobs.evaluate;

import io.personlab.coco.CocoAnnotation;
import io.personlab.eval.EvalParams;
import io.personlab.eval.ImageEvaluation;
import io.personlab.eval.ImageEvaluator;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How one image did, for finding the worst ones: counts at OKS/IoU 0.50 and 0.75 over all areas
 * (pycocotools' matching, detections cut to the last maxDets), and the mean over the image's
 * counted ground truths of the best OKS/IoU any detection reaches with each (null without any).
 *
 * @param groundTruth ground truths that count (not crowd; for keypoints, with keypoints)
 * @param ignoredGroundTruth crowd regions and, for keypoints, people without keypoints
 * @param detections detections evaluated (the image's highest-scoring, up to the last maxDets)
 */
public record PerImageResult(
    long imageId,
    long categoryId,
    String fileName,
    int groundTruth,
    int ignoredGroundTruth,
    int detections,
    int matched50,
    int falsePositives50,
    int missed50,
    int matched75,
    int falsePositives75,
    int missed75,
    Double meanBestSimilarity) implements Serializable {

  /** The metric columns, in {@link #metrics()} order (without the image's key columns). */
  static final List<StructField> METRICS = List.of(
      DataTypes.createStructField("ground_truth", DataTypes.IntegerType, false),
      DataTypes.createStructField("ignored_ground_truth", DataTypes.IntegerType, false),
      DataTypes.createStructField("detections", DataTypes.IntegerType, false),
      DataTypes.createStructField("matched_50", DataTypes.IntegerType, false),
      DataTypes.createStructField("false_positives_50", DataTypes.IntegerType, false),
      DataTypes.createStructField("missed_50", DataTypes.IntegerType, false),
      DataTypes.createStructField("matched_75", DataTypes.IntegerType, false),
      DataTypes.createStructField("false_positives_75", DataTypes.IntegerType, false),
      DataTypes.createStructField("missed_75", DataTypes.IntegerType, false),
      DataTypes.createStructField("mean_best_similarity", DataTypes.DoubleType, true));

  private static final List<StructField> KEY = List.of(
      DataTypes.createStructField("image_id", DataTypes.LongType, false),
      DataTypes.createStructField("category_id", DataTypes.LongType, false),
      DataTypes.createStructField("file_name", DataTypes.StringType, true));

  /** One prediction set: the key columns, then the metrics. */
  static StructType schema() {
    List<StructField> fields = new ArrayList<>(KEY);
    fields.addAll(METRICS);
    return new StructType(fields.toArray(StructField[]::new));
  }

  /** Two prediction sets side by side: the key columns, then a_* and b_* metrics. */
  static StructType comparisonSchema() {
    List<StructField> fields = new ArrayList<>(KEY);
    for (String prefix : List.of("a_", "b_")) {
      for (StructField f : METRICS) {
        fields.add(DataTypes.createStructField(prefix + f.name(), f.dataType(), true));
      }
    }
    return new StructType(fields.toArray(StructField[]::new));
  }

  Object[] key() {
    return new Object[] {imageId, categoryId, fileName};
  }

  Object[] metrics() {
    return new Object[] {groundTruth, ignoredGroundTruth, detections, matched50, falsePositives50,
      missed50, matched75, falsePositives75, missed75, meanBestSimilarity};
  }

  /** An image (of {@code like}) that a prediction set has neither ground truth nor detections in. */
  static PerImageResult empty(PerImageResult like) {
    return new PerImageResult(like.imageId, like.categoryId, like.fileName, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        null);
  }

  /** The image's result from its evaluation (all areas is area range 0, as in COCO's parameters). */
  static PerImageResult of(long imageId, long categoryId, String fileName, EvalParams params,
      List<CocoAnnotation> gts, ImageEvaluator.Detailed d) {
    ImageEvaluation all = d.perArea()[0];
    int t50 = threshold(params, 0.50), t75 = threshold(params, 0.75);
    int nd = all.numDetections();
    double sum = 0;
    int counted = 0;
    for (int g = 0; g < gts.size(); g++) {
      if (!ImageEvaluator.ignoredInEveryRange(gts.get(g), params.iouType())) {
        sum += d.bestSimilarity()[g];
        counted++;
      }
    }
    int[] m50 = counts(all, t50, nd), m75 = counts(all, t75, nd);
    int numGt = all.numGt();
    return new PerImageResult(imageId, categoryId, fileName, numGt, gts.size() - counted, nd,
        m50[0], m50[1], numGt - m50[0], m75[0], m75[1], numGt - m75[0],
        counted == 0 ? null : sum / counted);
  }

  /** {matched, false positives} at threshold t: detections neither matched nor ignored are false. */
  private static int[] counts(ImageEvaluation e, int t, int nd) {
    int matched = 0, fp = 0;
    if (t < 0) {
      return new int[] {0, 0};
    }
    for (int i = 0; i < nd; i++) {
      byte f = e.flags()[t * nd + i];
      if ((f & ImageEvaluation.IGNORED) == 0) {
        if ((f & ImageEvaluation.MATCHED) != 0) {
          matched++;
        } else {
          fp++;
        }
      }
    }
    return new int[] {matched, fp};
  }

  private static int threshold(EvalParams params, double value) {
    double[] t = params.iouThrs();
    for (int i = 0; i < t.length; i++) {
      if (Math.abs(t[i] - value) < 1e-9) {
        return i;
      }
    }
    return -1;
  }
}
