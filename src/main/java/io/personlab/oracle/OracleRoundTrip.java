package io.personlab.oracle;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.eval.CocoEvaluator;
import io.personlab.eval.Detections;
import io.personlab.eval.EvalParams;
import io.personlab.eval.IouType;
import io.personlab.eval.Summary;
import io.personlab.geometry.FrameTransform;
import io.personlab.maps.Grid;
import io.personlab.people.CocoResults;
import io.personlab.people.PeopleDecoder;
import io.personlab.people.Person;
import io.personlab.targets.TargetEncoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * The decoder's oracle test: every image's ground truth is encoded into PersonLab maps
 * ({@link TargetEncoder}), decoded ({@link PeopleDecoder}), and the people found are evaluated
 * against the same ground truth. What is lost is what the decoding (or the targets' definition)
 * cannot recover.
 */
public final class OracleRoundTrip {

  /** The decoded people as COCO results, and the three evaluations. */
  public record Outcome(
      List<CocoResult> keypointResults,
      List<CocoResult> segmResults,
      Summary keypoints,
      Summary segm,
      Summary segmKeypointed,
      double decodeSecondsPerImage) {}

  private final TargetEncoder encoder;
  private final PeopleDecoder decoder;

  public OracleRoundTrip(TargetEncoder encoder, PeopleDecoder decoder) {
    this.encoder = encoder;
    this.decoder = decoder;
  }

  public Outcome run(CocoDataset gt, int stride, int threads) {
    List<CocoImage> images = gt.images();
    Map<Long, List<CocoAnnotation>> byImage = new HashMap<>();
    for (CocoAnnotation a : gt.annotations()) {
      byImage.computeIfAbsent(a.imageId(), id -> new ArrayList<>()).add(a);
    }
    @SuppressWarnings("unchecked")
    List<Person>[] found = new List[images.size()];
    long[] nanos = new long[images.size()];
    Runnable work = () -> IntStream.range(0, images.size()).parallel().forEach(i -> {
      CocoImage image = images.get(i);
      FrameTransform tf = FrameTransform.identity(image.width(), image.height());
      Grid grid = TargetEncoder.gridFor(tf, stride);
      var maps = encoder.oracleMaps(byImage.getOrDefault(image.id(), List.of()), tf, grid);
      long t0 = System.nanoTime();
      found[i] = decoder.decode(maps);
      nanos[i] = System.nanoTime() - t0;
    });
    ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
    try {
      pool.submit(work).join();
    } finally {
      pool.shutdown();
    }
    List<CocoResult> kp = new ArrayList<>();
    List<CocoResult> segm = new ArrayList<>();
    long total = 0;
    for (int i = 0; i < images.size(); i++) {
      total += nanos[i];
      CocoResults.add(images.get(i).id(), images.get(i).width(), images.get(i).height(), found[i], kp, segm);
    }
    Summary keypoints = evaluate(gt, kp, IouType.KEYPOINTS, threads);
    Summary segmAll = evaluate(gt, segm, IouType.SEGM, threads);
    Summary segmKeypointed = evaluate(keypointedOnly(gt), segm, IouType.SEGM, threads);
    return new Outcome(kp, segm, keypoints, segmAll, segmKeypointed,
        images.isEmpty() ? 0 : total / 1e9 / images.size());
  }

  /** The ground truth restricted to people with a labelled keypoint (crowd regions kept as such). */
  public static CocoDataset keypointedOnly(CocoDataset gt) {
    List<CocoAnnotation> kept = new ArrayList<>();
    for (CocoAnnotation a : gt.annotations()) {
      if (a.crowd() || a.numKeypoints() > 0) {
        kept.add(a);
      }
    }
    return new CocoDataset(gt.source() + " (people with keypoints)", gt.images(), gt.categories(), kept);
  }

  private static Summary evaluate(CocoDataset gt, List<CocoResult> results, IouType type, int threads) {
    EvalParams params = EvalParams.defaults(type);
    var dts = Detections.prepare(gt, results, "decoded people", params.oksSigmas().length);
    return new CocoEvaluator(params).evaluate(gt, dts, "decoded people", threads);
  }
}
