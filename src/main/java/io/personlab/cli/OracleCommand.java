package io.personlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personlab.coco.CocoDataset;
import io.personlab.decode.DecoderConfig;
import io.personlab.eval.Summary;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.io.CocoJson;
import io.personlab.oracle.OracleRoundTrip;
import io.personlab.people.PeopleDecoder;
import io.personlab.segment.MaskConfig;
import io.personlab.targets.TargetEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code personlab oracle}: ground truth -> PersonLab maps -> decoded people -> COCO evaluation.
 * Proves the decoding core and the target encoder are each other's inverse.
 */
@Command(
    name = "oracle",
    mixinStandardHelpOptions = true,
    description = {
      "Oracle round trip: encodes every image's ground truth into PersonLab maps at a stride,",
      "decodes them, and evaluates the people found against the same ground truth.",
      "Prints the keypoint and mask summaries; the LAST line is one JSON object:",
      "  {\"keypoints\": [10 stats], \"segm\": [12 stats], \"segm_keypointed\": [12 stats]}"
    })
public final class OracleCommand implements Callable<Integer> {

  @Option(names = "--gt", required = true, paramLabel = "GT.json", description = "COCO person keypoints ground truth")
  String gt;

  @Option(names = "--stride", paramLabel = "S", description = "output stride of the encoded maps (default: ${DEFAULT-VALUE})")
  int stride = 8;

  @Option(names = "--output", paramLabel = "DIR",
      description = "also write the decoded people as COCO results (keypoints_results.json, segm_results.json)")
  Path output;

  @Option(names = "--threads", paramLabel = "N", description = "threads (default: all cores, ${DEFAULT-VALUE})")
  int threads = Runtime.getRuntime().availableProcessors();

  @Mixin DecodingOptions decoding;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new OracleCommand(), args));
  }

  @Override
  public Integer call() throws IOException {
    if (stride < 1) {
      throw new IllegalArgumentException("--stride must be at least 1");
    }
    CocoDataset dataset = CocoJson.readDataset(gt);
    DecoderConfig config = decoding.decoderConfig();
    MaskConfig maskConfig = decoding.maskConfig();
    OracleRoundTrip oracle = new OracleRoundTrip(
        new TargetEncoder(CocoKeypoints.POSE_CHAIN, config.discRadius()), new PeopleDecoder(config, maskConfig));
    OracleRoundTrip.Outcome o = oracle.run(dataset, stride, threads);
    System.err.printf("decoded %d images at stride %d: %.2f ms post-processing per image (%d threads)%n",
        dataset.images().size(), stride, o.decodeSecondsPerImage() * 1e3, threads);
    if (output != null) {
      Files.createDirectories(output);
      CocoJson.writeResults(o.keypointResults(), output.resolve("keypoints_results.json"));
      CocoJson.writeResults(o.segmResults(), output.resolve("segm_results.json"));
      System.err.println("wrote " + output.resolve("keypoints_results.json") + " and " + output.resolve("segm_results.json"));
    }
    print("keypoints", o.keypoints());
    print("segm (all people)", o.segm());
    print("segm (people with keypoints)", o.segmKeypointed());
    ObjectMapper json = new ObjectMapper();
    ObjectNode last = json.createObjectNode();
    put(last.putArray("keypoints"), o.keypoints());
    put(last.putArray("segm"), o.segm());
    put(last.putArray("segm_keypointed"), o.segmKeypointed());
    System.out.println(last);
    return 0;
  }

  private static void print(String title, Summary s) {
    System.out.println("== " + title);
    s.lines().forEach(System.out::println);
  }

  private static void put(ArrayNode array, Summary s) {
    for (double v : s.stats()) {
      array.add(v);
    }
  }
}
