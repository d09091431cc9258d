package io.personlab.jobs.evaluate;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoCategory;
import io.personlab.coco.CocoFormatException;
import io.personlab.coco.CocoImage;
import io.personlab.eval.Accumulation;
import io.personlab.eval.Detections;
import io.personlab.eval.EvalParams;
import io.personlab.eval.IouType;
import io.personlab.eval.RankedAccumulator;
import io.personlab.eval.Summary;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The evaluation job: COCO keypoint, mask or box AP of one or two prediction sets against a
 * ground truth, on Spark, with pycocotools' numbers to the last bit and no step that holds every
 * detection in one place.
 *
 * <ol>
 *   <li>Inputs ({@link CocoSources}): JSON files cut into chunks that tasks parse, COCO imports,
 *       or the label table.
 *   <li>Per image, on the executors ({@link ImageStage}): ground truth and predictions co-grouped
 *       by image id, matched by the core's image evaluator.
 *   <li>Accumulation ({@link RankedAccumulator}): the kept detections sorted by pycocotools' order
 *       (score, image id, rank in the image) with a range partitioner, then two passes over the
 *       sorted partitions (counts, then precision from each partition's starting counts); the
 *       driver combines a few numbers per setting.
 * </ol>
 */
public final class EvaluationJob {
  private EvaluationJob() {}

  /** Detections per partition of the global ranking. */
  private static final long RANKED_PER_PARTITION = 500_000;

  /**
   * One prediction set: a COCO results JSON (or its import), or with {@code table} the label
   * table (a catalog name, or a bare name under the warehouse {@code location}).
   */
  public record PredictionSet(String location, String table, String configId) {}

  /**
   * @param output where metrics, curves and per-image results go; null to only compute
   * @param lenient skip (and count) unreadable predictions and predictions for unknown images
   * @param partitions tasks for the per-image stage and at least as many for the ranking; 0
   *     picks from the input size
   */
  public record Options(String gt, List<PredictionSet> predictions, IouType iouType, String output,
      boolean lenient, int partitions, String images, int reportWorst) {
    /** How many worst images the report shows per prediction set unless told. */
    public static final int DEFAULT_REPORT_WORST = 12;

    /**
     * @param images root under which the ground truth's file_name resolves (the report's
     *     pictures); null for a report without pictures
     * @param reportWorst worst images the report lists per prediction set
     */
    public Options {
      if (predictions.isEmpty() || predictions.size() > 2) {
        throw new IllegalArgumentException("one prediction set, or two to compare");
      }
      if (reportWorst < 0) {
        throw new IllegalArgumentException("--report-worst must be 0 or more");
      }
      predictions = List.copyOf(predictions);
    }

    /** Options without pictures, with the default number of worst images. */
    public Options(String gt, List<PredictionSet> predictions, IouType iouType, String output,
        boolean lenient, int partitions) {
      this(gt, predictions, iouType, output, lenient, partitions, null, DEFAULT_REPORT_WORST);
    }
  }

  /** One prediction set's evaluation. */
  public record SetResult(String source, String configId, Summary summary, Accumulation accumulation,
      long predictions, long skipped, long otherCategory, List<String> skippedExamples) {}

  /** The whole run: each set's result, the ground truth's counts, stage timings, warnings. */
  public record Outcome(List<SetResult> sets, String gtSource, long images, long gtAnnotations,
      Map<String, Double> seconds, List<String> warnings) {}

  public static Outcome run(SparkSession spark, Options o, Consumer<String> log) {
    try {
      return runUnwrapped(spark, o, log);
    } catch (Exception e) { // Spark's job failures arrive as (undeclared, checked) SparkException
      throw recordError(e);
    }
  }

  private static Outcome runUnwrapped(SparkSession spark, Options o, Consumer<String> log) {
    Map<String, Double> seconds = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    String staging = staging(spark, o);
    EvalParams params = EvalParams.defaults(o.iouType());
    List<String> warnings = new ArrayList<>();
    try {
      CocoSources.GroundTruth gt =
          CocoSources.groundTruth(spark, o.gt(), staging, o.iouType() == IouType.SEGM);
      long[] categoryIds = gt.categories().stream().mapToLong(CocoCategory::id).sorted().distinct().toArray();
      List<CocoSources.Predictions> sets = new ArrayList<>();
      for (int s = 0; s < o.predictions().size(); s++) {
        PredictionSet p = o.predictions().get(s);
        sets.add(p.table() != null
            ? CocoSources.table(spark, p.table(), p.location(), p.configId(), o.iouType())
            : CocoSources.resultsFile(spark, p.location(), staging, "predictions-" + s, o.lenient()));
      }
      seconds.put("stage_inputs", (System.nanoTime() - t0) / 1e9);
      log.accept(String.format("inputs staged (%.1fs); evaluating images", seconds.get("stage_inputs")));

      long t1 = System.nanoTime();
      // each annotation goes to its image, and its id to the group keyed by that id: a group
      // with two ids is a duplicate (one pass over the ground truth, no extra shuffle)
      JavaPairRDD<Long, byte[]> annotations = gt.annotations().flatMapToPair(a -> List.of(
          new Tuple2<>(a.imageId(), RecordCodec.annotation(a)),
          new Tuple2<>(a.id(), RecordCodec.annotationId(a))).iterator());
      JavaPairRDD<Long, byte[]> predictions = null;
      for (int s = 0; s < sets.size(); s++) {
        int set = s;
        JavaPairRDD<Long, byte[]> p = sets.get(s).records().mapToPair(x -> new Tuple2<>(
            x.result() == null ? ImageStage.UNREADABLE : x.result().imageId(), RecordCodec.prediction(set, x)));
        predictions = predictions == null ? p : predictions.union(p);
      }
      int partitions = o.partitions() > 0 ? o.partitions()
          : Math.max(2 * jsc.defaultParallelism(),
              gt.annotations().getNumPartitions() + predictions.getNumPartitions());
      ImageStage stage = new ImageStage(params, categoryIds, gt.source(),
          sets.stream().map(CocoSources.Predictions::source).toArray(String[]::new),
          sets.stream().map(CocoSources.Predictions::kind).toArray(Detections.Kind[]::new),
          o.lenient());
      JavaPairRDD<Long, byte[]> images = gt.images().mapToPair(i -> new Tuple2<>(i.id(), RecordCodec.image(i)));
      // one shuffle of encoded records to their key's partition, grouped there by plain code
      // (Spark's co-group would size and serialise a buffer per key: a third of the stage)
      JavaPairRDD<Long, byte[]> records = images.union(annotations).union(predictions);
      JavaRDD<byte[]> evaluated = records
          .partitionBy(new HashPartitioner(partitions))
          .mapPartitions(stage::evaluatePartition)
          .map(ImageStage.Outcome::encode) // cached as bytes: nothing for Spark to size or serialise
          .persist(StorageLevel.MEMORY_AND_DISK());
      JavaRDD<ImageStage.Outcome> outcomes = evaluated.map(ImageStage.Outcome::decode);
      Totals[] totals = outcomes.treeAggregate(stage.zero(),
          (acc, out) -> Totals.merge(acc, out.totals()), Totals::merge);
      seconds.put("evaluate_images", (System.nanoTime() - t1) / 1e9);
      log.accept(String.format("%d images evaluated (%.1fs); accumulating", totals[0].images,
          seconds.get("evaluate_images")));
      if (totals[0].gtOutside > 0) {
        warnings.add(gt.source() + ": " + totals[0].gtOutside
            + " annotation(s) with an image or category not listed in the file are not evaluated");
      }

      long t2 = System.nanoTime();
      List<SetResult> results = new ArrayList<>();
      for (int s = 0; s < sets.size(); s++) {
        Totals tot = totals[s];
        Accumulation acc = accumulate(jsc, outcomes, s, params, categoryIds.length, tot,
            o.partitions());
        CocoSources.Predictions p = sets.get(s);
        if (tot.otherCategory > 0) {
          warnings.add(p.source() + ": " + tot.otherCategory
              + " result(s) with a category_id not in the ground truth's categories are not evaluated");
        }
        if (tot.skippedTotal() > 0) {
          warnings.add(p.source() + ": lenient mode skipped " + tot.skippedTotal() + " prediction(s) "
              + tot.skipped() + ", e.g. " + tot.examples());
        }
        results.add(new SetResult(p.source(), p.configId(), Summary.of(acc), acc, tot.predictions,
            tot.skippedTotal(), tot.otherCategory, List.copyOf(tot.examples())));
      }
      seconds.put("accumulate", (System.nanoTime() - t2) / 1e9);

      Outcome outcome = new Outcome(results, gt.source(), totals[0].images, totals[0].gtAnnotations,
          seconds, warnings);
      if (o.output() != null) {
        long t3 = System.nanoTime();
        EvaluationOutput.write(spark, o, outcome, outcomes, params);
        seconds.put("write_output", (System.nanoTime() - t3) / 1e9);
        long t4 = System.nanoTime();
        EvaluationReport.write(spark, o, outcome, outcomes, records, params, categoryIds, log);
        seconds.put("report", (System.nanoTime() - t4) / 1e9);
      }
      evaluated.unpersist(false);
      seconds.put("total", (System.nanoTime() - t0) / 1e9);
      return outcome;
    } finally {
      CocoImport.deleteQuietly(spark, staging);
    }
  }

  /**
   * Sorts one set's kept detections into pycocotools' order and accumulates them in two passes.
   * The ranking moves and sorts as columns: each task cuts its detections into blocks by key range
   * (boundaries from a sample, as Spark's range partitioner takes them), one block per range goes
   * through the shuffle, and each range's task sorts the concatenation (an object per block, not
   * per detection).
   */
  private static Accumulation accumulate(JavaSparkContext jsc, JavaRDD<ImageStage.Outcome> outcomes,
      int set, EvalParams params, int numK, Totals totals, int minPartitions) {
    int parts = (int) Math.max(Math.max(1, minPartitions),
        Math.min(10_000, (totals.kept + RANKED_PER_PARTITION - 1) / RANKED_PER_PARTITION));
    RankedAccumulator.Columns[] bounds = parts == 1 ? new RankedAccumulator.Columns[0]
        : boundaries(outcomes, set, parts);
    int flagsPer = params.areaRanges().length * params.iouThrs().length;
    JavaRDD<RankedAccumulator.Columns> sorted = outcomes
        .mapPartitionsToPair(it -> RankRange.blocks(it, set, bounds, flagsPer))
        .partitionBy(new RankRange(parts))
        .mapPartitions(it -> one(RankRange.sort(it, flagsPer)), true)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      List<RankedAccumulator.Counts> counts =
          sorted.map(c -> RankedAccumulator.count(params, numK, c)).collect();
      RankedAccumulator.Counts[] starts = RankedAccumulator.exclusivePrefix(params, numK, counts);
      Broadcast<RankedAccumulator.Counts[]> startsB = jsc.broadcast(starts);
      long[] npig = totals.npig;
      List<RankedAccumulator.Partial> partials = sorted.mapPartitionsWithIndex((i, it) -> one(
          RankedAccumulator.partial(params, numK, npig, startsB.value()[i], it.next())), true).collect();
      startsB.destroy();
      return RankedAccumulator.combine(params, numK, npig, totals.present,
          RankedAccumulator.total(params, numK, counts), partials);
    } finally {
      sorted.unpersist(false);
    }
  }

  /** parts - 1 boundary keys (as one-row columns), the quantiles of a sample of the ranking. */
  private static RankedAccumulator.Columns[] boundaries(JavaRDD<ImageStage.Outcome> outcomes, int set,
      int parts) {
    int perPartition = Math.max(20, 60 * parts / Math.max(1, outcomes.getNumPartitions()));
    List<RankedAccumulator.Columns> samples = outcomes.mapPartitionsWithIndex(
        (i, it) -> one(RankRange.sample(it, set, perPartition, i)), false).collect();
    RankedAccumulator.Columns.Builder all = new RankedAccumulator.Columns.Builder(0);
    for (RankedAccumulator.Columns c : samples) {
      for (int i = 0; i < c.size(); i++) {
        all.add(c.category()[i], c.score()[i], c.imageId()[i], c.rank()[i], new byte[0], 0);
      }
    }
    RankedAccumulator.Columns sample = all.build().sorted();
    RankedAccumulator.Columns[] bounds = new RankedAccumulator.Columns[parts - 1];
    for (int b = 1; b < parts; b++) {
      RankedAccumulator.Columns.Builder one = new RankedAccumulator.Columns.Builder(0);
      if (sample.size() > 0) {
        one.add(sample, (int) ((long) b * sample.size() / parts));
      } else {
        one.add(0, Double.NEGATIVE_INFINITY, Long.MAX_VALUE, Integer.MAX_VALUE, new byte[0], 0);
      }
      bounds[b - 1] = one.build();
    }
    return bounds;
  }

  private static <T> Iterator<T> one(T value) {
    return List.of(value).iterator();
  }

  /** JSON inputs are cut into chunks that every executor must read: under --output on a cluster. */
  private static String staging(SparkSession spark, EvaluationJob.Options o) {
    if (o.output() != null) {
      return new org.apache.hadoop.fs.Path(o.output(), "_staging").toString();
    }
    if (!spark.sparkContext().master().startsWith("local")) {
      throw new IllegalArgumentException("on a cluster, give --output: JSON inputs are cut into "
          + "chunks under OUTPUT/_staging for the executors to read");
    }
    try {
      return Files.createTempDirectory("personlab-evaluate").toUri().toString();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot create a staging folder", e);
    }
  }

  /** A task's record error (a CocoFormatException on an executor) as the user should see it. */
  private static RuntimeException recordError(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CocoFormatException c) {
        return c;
      }
    }
    if (e instanceof SparkException || e.getCause() instanceof SparkException) {
      // on a cluster the executor's exception arrives as text
      String m = e.getMessage() == null ? "" : e.getMessage();
      int i = m.indexOf(CocoFormatException.class.getName() + ": ");
      if (i >= 0) {
        String message = m.substring(i + CocoFormatException.class.getName().length() + 2).lines()
            .findFirst().orElse(m);
        return new CocoFormatException(message, e);
      }
    }
    return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
  }

}
