package io.personlab.pipeline;

import io.personlab.image.DecodedImage;
import io.personlab.image.ImageDecoder;
import io.personlab.image.NetworkInput;
import io.personlab.image.Resizer;
import io.personlab.image.RgbImage;
import io.personlab.maps.PersonLabMaps;
import io.personlab.model.ModelSpec;
import io.personlab.model.PersonLabModel;
import io.personlab.people.PeopleDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * One image's path, the same in {@code infer}, in tests and inside the Spark job: decode, resize
 * to each scale of the pyramid, run the network, merge the scales and decode people with masks.
 * Thread-safe; each thread passes its own model session.
 */
public final class PersonLabPipeline {
  private final ModelSpec spec;
  private final PipelineConfig config;
  private final ImageDecoder imageDecoder;
  private final PeopleDecoder peopleDecoder;

  public PersonLabPipeline(ModelSpec spec, PipelineConfig config) {
    if (!spec.skeleton().equals(config.decoder().skeleton())) {
      throw new IllegalArgumentException(spec.name() + ": the model's keypoints/edges differ from the decoder's");
    }
    this.spec = spec;
    this.config = config;
    this.imageDecoder = new ImageDecoder(config.maxPixels());
    this.peopleDecoder = new PeopleDecoder(config.decoder(), config.masks());
  }

  public PipelineConfig config() {
    return config;
  }

  /**
   * Decodes an encoded image (JPEG, PNG, ...) at the size the pyramid needs and processes it;
   * {@code name} names it in errors.
   */
  public ImageResult process(byte[] encoded, String name, PersonLabModel.Session session) {
    long t0 = System.nanoTime();
    DecodedImage image = imageDecoder.decodeForNetwork(encoded, name, config.largestLongSide());
    long t1 = System.nanoTime();
    ImageResult r = process(image, session);
    return new ImageResult(r.width(), r.height(), r.people(), r.decodeMs() + (t1 - t0) / 1e6, r.forwardMs(),
        r.postMs());
  }

  /** Processes a full-size decoded image. */
  public ImageResult process(RgbImage image, PersonLabModel.Session session) {
    return process(DecodedImage.full(image), session);
  }

  /** Processes an image decoded at full or reduced size; results are in original image pixels. */
  public ImageResult process(DecodedImage image, PersonLabModel.Session session) {
    double resizeMs = 0, forwardMs = 0;
    List<PersonLabMaps> scales = new ArrayList<>(config.longSides().size());
    boolean bgr = "BGR".equals(spec.colorOrder());
    for (int longSide : config.longSides()) {
      long a = System.nanoTime();
      NetworkInput input = Resizer.forNetwork(image, longSide, spec.outputStride(), bgr, spec.inputScale(),
          spec.inputOffset());
      long b = System.nanoTime();
      scales.add(session.run(input));
      long c = System.nanoTime();
      resizeMs += (b - a) / 1e6;
      forwardMs += (c - b) / 1e6;
    }
    long d = System.nanoTime();
    var people = peopleDecoder.decode(scales).stream()
        .filter(p -> p.score() >= config.minPersonScore()).toList();
    long e = System.nanoTime();
    return new ImageResult(image.width(), image.height(), people, resizeMs, forwardMs, (e - d) / 1e6);
  }
}
