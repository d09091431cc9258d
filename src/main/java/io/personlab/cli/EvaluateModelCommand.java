package io.personlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.eval.CocoEvaluator;
import io.personlab.eval.Detections;
import io.personlab.eval.EvalParams;
import io.personlab.eval.IouType;
import io.personlab.eval.Summary;
import io.personlab.io.CocoJson;
import io.personlab.model.PersonLabModel;
import io.personlab.oracle.OracleRoundTrip;
import io.personlab.people.CocoResults;
import io.personlab.pipeline.ImageResult;
import io.personlab.pipeline.PersonLabPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code personlab evaluate-model}: runs a model over the images of a COCO ground truth and
 * evaluates keypoints and masks, with per-image forward and post-processing times.
 */
@Command(
    name = "evaluate-model",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a model over every image of a COCO ground truth (one thread) and evaluates the people",
      "found: keypoint AP and person mask AP, and per-image forward and post-processing times.",
      "The LAST line is one JSON object {\"keypoints\": [...], \"segm\": [...], \"segm_keypointed\": [...], \"timings\": {...}}."
    })
public final class EvaluateModelCommand implements Callable<Integer> {
  @Option(names = "--gt", required = true, paramLabel = "GT.json", description = "COCO person ground truth")
  String gt;

  @Option(names = "--images", required = true, paramLabel = "DIR", description = "folder with the images (file_name)")
  Path images;

  @Option(names = "--output", paramLabel = "DIR", description = "also write keypoints_results.json and segm_results.json")
  Path output;

  @Mixin ModelOptions modelOptions;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new EvaluateModelCommand(), args));
  }

  @Override
  public Integer call() throws IOException {
    CocoDataset dataset = CocoJson.readDataset(gt);
    List<PersonLabModel> models = modelOptions.loadModels(
        modelOptions.engineThreadsOrDefault(Runtime.getRuntime().availableProcessors()));
    PersonLabPipeline pipeline = modelOptions.pipeline(models, modelOptions.pipelineConfig(0));
    List<CocoResult> kp = new ArrayList<>();
    List<CocoResult> segm = new ArrayList<>();
    double[] forward = new double[dataset.images().size()];
    double[] post = new double[forward.length];
    List<PersonLabModel.Session> session = models.stream().map(PersonLabModel::newSession).toList();
    try {
      // one warm-up run so the first image does not carry the engine's start-up
      CocoImage first = dataset.images().get(0);
      pipeline.process(Files.readAllBytes(images.resolve(first.fileName())), first.fileName(), session);
      for (int i = 0; i < dataset.images().size(); i++) {
        CocoImage image = dataset.images().get(i);
        Path file = images.resolve(image.fileName());
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException(file + ": image of " + gt + " (id " + image.id() + ") not found");
        }
        ImageResult r = pipeline.process(Files.readAllBytes(file), file.toString(), session);
        forward[i] = r.forwardMs();
        post[i] = r.postMs();
        CocoResults.add(image.id(), image.width(), image.height(), r.people(), kp, segm);
      }
    } finally {
      session.forEach(PersonLabModel.Session::close);
    }
    if (output != null) {
      Files.createDirectories(output);
      CocoJson.writeResults(kp, output.resolve("keypoints_results.json"));
      CocoJson.writeResults(segm, output.resolve("segm_results.json"));
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode last = json.createObjectNode();
    Summary k = evaluate(dataset, kp, IouType.KEYPOINTS);
    print("keypoints", k);
    put(last, "keypoints", k);
    if (models.stream().anyMatch(m -> m.spec().hasMaskHeads())) {
      Summary s = evaluate(dataset, segm, IouType.SEGM);
      Summary sk = evaluate(OracleRoundTrip.keypointedOnly(dataset), segm, IouType.SEGM);
      print("segm (all people)", s);
      print("segm (people with keypoints)", sk);
      put(last, "segm", s);
      put(last, "segm_keypointed", sk);
    }
    ObjectNode t = last.putObject("timings");
    t.put("forwardMsMedian", median(forward));
    t.put("forwardMsMean", Arrays.stream(forward).average().orElse(0));
    t.put("postProcessMsMedian", median(post));
    t.put("postProcessMsMean", Arrays.stream(post).average().orElse(0));
    // the fastest image: on a shared machine the least disturbed by other load
    t.put("forwardMsMin", Arrays.stream(forward).min().orElse(0));
    t.put("postProcessMsMin", Arrays.stream(post).min().orElse(0));
    t.put("scales", modelOptions.scales.toString());
    t.put("flip", modelOptions.flip);
    t.put("models", String.join(",", modelOptions.models()));
    t.put("modelWeights", modelOptions.ensembleWeights().toString());
    t.put("engineThreads", modelOptions.engineThreadsOrDefault(Runtime.getRuntime().availableProcessors()));
    System.out.println(last);
    return 0;
  }

  private static Summary evaluate(CocoDataset gt, List<CocoResult> results, IouType type) {
    EvalParams params = EvalParams.defaults(type);
    return new CocoEvaluator(params).evaluate(gt, Detections.prepare(gt, results, "model results", 17),
        "model results", 1);
  }

  private static void print(String title, Summary s) {
    System.out.println("== " + title);
    s.lines().forEach(System.out::println);
  }

  private static void put(ObjectNode node, String key, Summary s) {
    var a = node.putArray(key);
    for (double v : s.stats()) {
      a.add(v);
    }
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length == 0 ? 0 : c[c.length / 2];
  }
}
