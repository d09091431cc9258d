package io.personlab.cli;

import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoResult;
import io.personlab.eval.Accumulation;
import io.personlab.eval.Accumulator;
import io.personlab.eval.CocoEvaluator;
import io.personlab.eval.Detection;
import io.personlab.eval.Detections;
import io.personlab.eval.EvalParams;
import io.personlab.eval.ImageEvaluation;
import io.personlab.eval.IouType;
import io.personlab.eval.Summary;
import io.personlab.io.CocoJson;
import java.util.List;
import java.util.function.Consumer;

/** One evaluation from files, each stage timed: what evaluate prints and bench-eval measures. */
record TimedEvaluation(
    CocoDataset groundTruth,
    int numResults,
    Summary summary,
    double gtLoadSeconds,
    double resultsLoadSeconds,
    double evaluateSeconds,
    double accumulateSeconds,
    double summarizeSeconds) {

  static TimedEvaluation run(
      String gtLocation, String resultsLocation, IouType type, int threads, Consumer<String> warnings) {
    long a = System.nanoTime();
    CocoDataset gt = CocoJson.readDataset(gtLocation);
    long b = System.nanoTime();
    List<CocoResult> raw = CocoJson.readResults(resultsLocation);
    EvalParams params = EvalParams.defaults(type);
    List<Detection> dts = Detections.prepare(gt, raw, resultsLocation, params.oksSigmas().length);
    long c = System.nanoTime();
    ImageEvaluation[][][] perImage =
        new CocoEvaluator(params).evaluateImages(gt, dts, resultsLocation, threads, warnings);
    long d = System.nanoTime();
    Accumulation acc = Accumulator.accumulate(params, perImage);
    long e = System.nanoTime();
    Summary summary = Summary.of(acc);
    long f = System.nanoTime();
    return new TimedEvaluation(gt, dts.size(), summary, (b - a) / 1e9, (c - b) / 1e9,
        (d - c) / 1e9, (e - d) / 1e9, (f - e) / 1e9);
  }

  double evaluateAccumulateSummarizeSeconds() {
    return evaluateSeconds + accumulateSeconds + summarizeSeconds;
  }
}
