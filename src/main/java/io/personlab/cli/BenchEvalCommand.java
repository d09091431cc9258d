package io.personlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.eval.IouType;
import io.personlab.eval.Summary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code personlab bench-eval}: times the evaluator on the reference cases (by default the
 * 5000-image scale cases) stage by stage, checks its stats against pycocotools', and compares
 * with the pycocotools times recorded beside the reference.
 */
@Command(
    name = "bench-eval",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark of the COCO evaluator on the reference cases: load, evaluate, accumulate times,",
      "single-threaded and on all cores, with stats checked against pycocotools' expected ones."
    })
public final class BenchEvalCommand implements Callable<Integer> {

  @Option(names = "--reference", paramLabel = "DIR",
      description = "reference/coco-eval folder (default: ../shared/reference/coco-eval beside the project)")
  Path reference;

  @Option(names = "--cases", split = ",", paramLabel = "CASE",
      description = "cases from the manifest (default: ${DEFAULT-VALUE})")
  List<String> cases = List.of("scale_keypoints", "scale_segm");

  @Option(names = "--threads", split = ",", paramLabel = "N",
      description = "thread counts to time (default: 1 and all cores)")
  List<Integer> threads;

  @Option(names = "--repeat", paramLabel = "N", description = "timed runs per setting after one warm-up run (default: ${DEFAULT-VALUE})")
  int repeat = 3;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new BenchEvalCommand(), args));
  }

  @Override
  public Integer call() throws IOException {
    Path dir = reference != null ? reference : Launcher.sharedDir().resolve("reference/coco-eval");
    if (!Files.isRegularFile(dir.resolve("manifest.json"))) {
      throw new IllegalArgumentException(dir + ": no manifest.json (pass --reference DIR)");
    }
    List<Integer> threadCounts = threads != null ? threads
        : Runtime.getRuntime().availableProcessors() > 1
            ? List.of(1, Runtime.getRuntime().availableProcessors()) : List.of(1);
    ObjectMapper json = new ObjectMapper();
    JsonNode manifest = json.readTree(dir.resolve("manifest.json").toFile());
    JsonNode timing = Files.exists(dir.resolve("scale/timing.json"))
        ? json.readTree(dir.resolve("scale/timing.json").toFile()) : null;
    boolean allIdentical = true;
    System.out.printf("machine: %d cores, %s %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"));
    for (String name : cases) {
      JsonNode c = null;
      for (JsonNode x : manifest.get("cases")) {
        if (x.get("case").asText().equals(name)) {
          c = x;
        }
      }
      if (c == null) {
        throw new IllegalArgumentException("no case '" + name + "' in " + dir.resolve("manifest.json"));
      }
      IouType type = IouType.parse(c.get("iouType").asText());
      String gtPath = dir.resolve(c.get("gt").asText()).toString();
      String resPath = dir.resolve(c.get("results").asText()).toString();
      double[] expected = toArray(json.readTree(dir.resolve(c.get("expected").asText()).toFile()).get("stats"));
      System.out.printf("%n== %s (%s)%n", name, type);
      for (int th : threadCounts) {
        List<double[]> runs = new ArrayList<>();
        double maxDiff = 0;
        for (int r = 0; r <= repeat; r++) {
          TimedEvaluation run = TimedEvaluation.run(gtPath, resPath, type, th, w -> {});
          Summary s = run.summary();
          double[] t = {run.gtLoadSeconds(), run.resultsLoadSeconds(), run.evaluateSeconds(),
              run.accumulateSeconds(), run.summarizeSeconds()};
          for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - s.stats()[i]));
          }
          if (r == 0) {
            print(th + " thread(s), first run (cold JVM)", t);
          } else {
            runs.add(t);
          }
        }
        double[] median = median(runs);
        print(th + " thread(s), median of " + runs.size() + " warm runs", median);
        boolean identical = maxDiff <= 1e-12;
        allIdentical &= identical;
        System.out.printf("   stats vs pycocotools: max |diff| = %.1e (%s)%n", maxDiff,
            identical ? "identical" : "DIFFERENT");
        if (timing != null && timing.has(name) && th == 1) {
          double py = timing.get(name).get("median_s").get("evaluate_accumulate_summarize_s").asDouble();
          double ours = median[2] + median[3] + median[4];
          System.out.printf("   pycocotools evaluate+accumulate+summarize %.2fs -> %.3fs here: %.0fx faster%n",
              py, ours, py / ours);
        }
      }
    }
    return allIdentical ? 0 : 1;
  }

  private static void print(String label, double[] t) {
    System.out.printf("   %-42s gt load %.3fs | results load %.3fs | evaluate %.3fs | accumulate %.3fs | summarize %.4fs | eval+acc+sum %.3fs%n",
        label, t[0], t[1], t[2], t[3], t[4], t[2] + t[3] + t[4]);
  }

  private static double[] median(List<double[]> runs) {
    double[] out = new double[5];
    for (int i = 0; i < 5; i++) {
      double[] v = new double[runs.size()];
      for (int r = 0; r < runs.size(); r++) {
        v[r] = runs.get(r)[i];
      }
      Arrays.sort(v);
      out[i] = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
    return out;
  }

  private static double[] toArray(JsonNode node) {
    double[] out = new double[node.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = node.get(i).asDouble();
    }
    return out;
  }
}
