package io.personlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personlab.coco.CocoDataset;
import io.personlab.eval.IouType;
import io.personlab.eval.Summary;
import java.io.PrintStream;
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
    PersonLab.exit(PersonLab.execute(new EvaluateCommand(), args));
  }

  @Override
  public Integer call() {
    IouType type = IouType.parse(iouType);
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be at least 1");
    }
    PrintStream err = System.err;
    TimedEvaluation run = TimedEvaluation.run(gt, results, type, threads, w -> err.println("warning: " + w));
    CocoDataset dataset = run.groundTruth();
    err.printf("loaded %d images, %d annotations (%.2fs); %d results (%.2fs)%n",
        dataset.images().size(), dataset.annotations().size(), run.gtLoadSeconds(),
        run.numResults(), run.resultsLoadSeconds());
    err.printf("evaluate %.3fs, accumulate %.3fs (%d threads)%n", run.evaluateSeconds(),
        run.accumulateSeconds(), threads);
    Summary summary = run.summary();
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

}
