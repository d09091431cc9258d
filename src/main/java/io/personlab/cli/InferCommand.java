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

  @Override
  public Integer call() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(image);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(image + ": no such file");
    }
    PipelineConfig config = modelOptions.pipelineConfig(PipelineConfig.DEFAULT_MIN_PERSON_SCORE);
    PersonLabModel model = PersonLabModel.shared(modelOptions.model(), modelOptions.engineThreadsOrDefault(Runtime.getRuntime().availableProcessors()));
    PersonLabPipeline pipeline = new PersonLabPipeline(model.spec(), config);
    ImageDecoder decoder = new ImageDecoder(config.maxPixels());
    DecodedImage decoded = decoder.decodeForNetwork(bytes, image.toString(), config.largestLongSide());
    ImageResult result;
    try (PersonLabModel.Session session = model.newSession()) {
      result = pipeline.process(decoded, session);
    }
    if (output != null) {
      try (Writer w = Files.newBufferedWriter(output)) {
        PeopleJson.write(w, image.toString(), model.spec().name(), result);
      }
    } else {
      Writer w = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
      PeopleJson.write(w, image.toString(), model.spec().name(), result);
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
