package io.personlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code personlab evaluate}: COCO keypoint, mask or box AP of a results file against a ground
 * truth, identical to pycocotools' COCOeval. The summary table goes to stdout as pycocotools
 * prints it, and the last stdout line is one JSON object with the stats at full precision.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "COCO evaluation identical to pycocotools' COCOeval (iouType keypoints, segm or bbox).",
      "Prints the summary table, then as the LAST line one JSON object:",
      "  {\"iouType\": \"...\", \"stats\": [...]}",
      "Files may be gzipped; local paths, or s3a:// / hdfs:// URIs when Hadoop is on the classpath."
    })
public final class EvaluateCommand implements Callable<Integer> {

  @Option(names = "--gt", required = true, paramLabel = "GT.json", description = "COCO ground-truth file")
  String gt;

  @Option(names = "--results", required = true, paramLabel = "RESULTS.json[.gz]",
      description = "COCO results file (a JSON array)")
  String results;

  @Option(names = "--iou-type", required = true, paramLabel = "TYPE",
      description = "keypoints, segm or bbox")
  String iouType;

  @Option(names = "--threads", paramLabel = "N",
      description = "threads for per-image evaluation (default: all cores, ${DEFAULT-VALUE})")
  int threads = Runtime.getRuntime().availableProcessors();

  public static void main(String[] args) {
    System.exit(PersonLab.execute(new EvaluateCommand(), args));
  }

  @Override
  public Integer call() {
    IouType type = IouType.parse(iouType);
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be at least 1");
    }
    PrintStream err = System.err;
    long t0 = System.nanoTime();
    CocoDataset dataset = CocoJson.readDataset(gt);
    long t1 = System.nanoTime();
    List<CocoResult> raw = CocoJson.readResults(results);
    EvalParams params = EvalParams.defaults(type);
    List<Detection> dts = Detections.prepare(dataset, raw, results, params.oksSigmas().length);
    long t2 = System.nanoTime();
    err.printf("loaded %d images, %d annotations (%.2fs); %d results (%.2fs)%n",
        dataset.images().size(), dataset.annotations().size(), seconds(t1 - t0), dts.size(),
        seconds(t2 - t1));
    CocoEvaluator evaluator = new CocoEvaluator(params);
    ImageEvaluation[][][] perImage =
        evaluator.evaluateImages(dataset, dts, results, threads, w -> err.println("warning: " + w));
    long t3 = System.nanoTime();
    Accumulation acc = Accumulator.accumulate(params, perImage);
    long t4 = System.nanoTime();
    Summary summary = Summary.of(acc);
    err.printf("evaluate %.3fs, accumulate %.3fs (%d threads)%n", seconds(t3 - t2), seconds(t4 - t3), threads);
    summary.lines().forEach(System.out::println);
    System.out.println(statsJson(summary));
    return 0;
  }

  /** {"iouType": "...", "stats": [...]}, doubles written so that they read back exactly. */
  static String statsJson(Summary summary) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode node = json.createObjectNode();
    node.put("iouType", summary.iouType().cocoName());
    ArrayNode stats = node.putArray("stats");
    for (double s : summary.stats()) {
      stats.add(s);
    }
    return node.toString();
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
