package io.personlab.cli;

import io.personlab.image.DecodedImage;
import io.personlab.image.ImageDecoder;
import io.personlab.image.RgbImage;
import io.personlab.io.PeopleJson;
import io.personlab.model.PersonLabModel;
import io.personlab.pipeline.ImageResult;
import io.personlab.pipeline.OverlayRenderer;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code personlab infer}: people, keypoints and masks in one photo, as JSON and a picture. */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    description = {
      "Finds the people in one image: keypoints with scores, instance score, box and COCO RLE mask,",
      "written as JSON (stdout unless --output); --render draws masks and skeletons over the photo."
    })
public final class InferCommand implements Callable<Integer> {
  @Option(names = "--image", required = true, paramLabel = "IMAGE", description = "JPEG, PNG, BMP, GIF or WebP")
  Path image;

  @Option(names = "--output", paramLabel = "FILE.json", description = "write the JSON here instead of stdout")
  Path output;

  @Option(names = "--render", paramLabel = "FILE.png", description = "also draw the people over the photo")
  Path render;

  @Option(names = "--min-keypoint-score", paramLabel = "S", description = "keypoints drawn from this score (default: ${DEFAULT-VALUE})")
  double minKeypointScore = 0.05;

  @Mixin ModelOptions modelOptions;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new InferCommand(), args));
  }

  /** The network's name, or the ensemble's members' joined by '+'. */
  private static String modelName(List<PersonLabModel> models) {
    return String.join("+", models.stream().map(m -> m.spec().name()).toList());
  }

  @Override
  public Integer call() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(image);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(image + ": no such file");
    }
    PipelineConfig config = modelOptions.pipelineConfig(PipelineConfig.DEFAULT_MIN_PERSON_SCORE);
    List<PersonLabModel> models = modelOptions.loadModels(
        modelOptions.engineThreadsOrDefault(Runtime.getRuntime().availableProcessors()));
    PersonLabModel model = models.get(0);
    PersonLabPipeline pipeline = modelOptions.pipeline(models, config);
    ImageDecoder decoder = new ImageDecoder(config.maxPixels());
    DecodedImage decoded = decoder.decodeForNetwork(bytes, image.toString(), config.largestLongSide());
    ImageResult result;
    List<PersonLabModel.Session> sessions = models.stream().map(PersonLabModel::newSession).toList();
    try {
      result = pipeline.process(List.of(decoded), sessions, 1).get(0);
    } finally {
      sessions.forEach(PersonLabModel.Session::close);
    }
    if (output != null) {
      try (Writer w = Files.newBufferedWriter(output)) {
        PeopleJson.write(w, image.toString(), modelName(models), result);
      }
    } else {
      Writer w = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
      PeopleJson.write(w, image.toString(), modelName(models), result);
      System.out.println();
    }
    if (render != null) {
      // the overlay is drawn at full size, which the network's decode may not have been
      RgbImage photo = decoded.factor() == 1 ? decoded.pixels() : decoder.decode(bytes, image.toString());
      ImageIO.write(OverlayRenderer.render(photo, result.people(), model.spec().skeleton(), minKeypointScore),
          "png", render.toFile());
    }
    System.err.printf("%s: %d people; forward %.1f ms (%d scale(s)), post-processing %.1f ms%n", image,
        result.people().size(), result.forwardMs(), config.longSides().size(), result.postMs());
    return 0;
  }
}
