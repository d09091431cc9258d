package io.personlab.pipeline;

import io.personlab.image.DecodedImage;
import io.personlab.image.ImageDecoder;
import io.personlab.image.NetworkInput;
import io.personlab.image.Resizer;
import io.personlab.image.RgbImage;
import io.personlab.maps.EnsembleMerge;
import io.personlab.maps.EnsembleWeights;
import io.personlab.maps.FlipMerge;
import io.personlab.maps.PersonLabMaps;
import io.personlab.model.ModelSpec;
import io.personlab.model.PersonLabModel;
import io.personlab.people.PeopleDecoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One image's path, the same in {@code infer}, in tests and inside the Spark job: decode, resize
 * to each scale of the pyramid (and its mirror image, with flip), run the network, merge the scales
 * and decode people with masks.
 * Thread-safe; each thread passes its own model session.
 */
public final class PersonLabPipeline {
  private final List<ModelSpec> specs;
  private final EnsembleWeights weights;
  private final PipelineConfig config;
  private final ImageDecoder imageDecoder;
  private final PeopleDecoder peopleDecoder;

  public PersonLabPipeline(ModelSpec spec, PipelineConfig config) {
    this(List.of(spec), EnsembleWeights.equal(1), config);
  }

  /**
   * An ensemble: every network runs on the image resized alike (each padded for its own stride:
   * one frame, grids that may differ in stride) and their maps are averaged per head with {@code weights} (see {@link EnsembleMerge}) before
   * scales and flip are merged.
   */
  public PersonLabPipeline(List<ModelSpec> specs, EnsembleWeights weights, PipelineConfig config) {
    if (specs.isEmpty() || weights.models() != specs.size()) {
      throw new IllegalArgumentException(specs.size() + " models, weights for " + weights.models());
    }
    for (ModelSpec spec : specs) {
      if (!spec.skeleton().equals(config.decoder().skeleton())) {
        throw new IllegalArgumentException(spec.name() + ": the model's keypoints/edges differ from the decoder's");
      }
    }
    this.specs = List.copyOf(specs);
    this.weights = weights;
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
    return process(encoded, name, List.of(session));
  }

  /** The same with one session per network of the ensemble, in the order of the specs. */
  public ImageResult process(byte[] encoded, String name, List<PersonLabModel.Session> sessions) {
    long t0 = System.nanoTime();
    DecodedImage image = imageDecoder.decodeForNetwork(encoded, name, config.largestLongSide());
    long t1 = System.nanoTime();
    ImageResult r = process(List.of(image), sessions, 1).get(0);
    return new ImageResult(r.width(), r.height(), r.people(), r.decodeMs() + (t1 - t0) / 1e6, r.forwardMs(),
        r.postMs());
  }

  /** Processes a full-size decoded image. */
  public ImageResult process(RgbImage image, PersonLabModel.Session session) {
    return process(DecodedImage.full(image), session);
  }

  /** Processes an image decoded at full or reduced size; results are in original image pixels. */
  public ImageResult process(DecodedImage image, PersonLabModel.Session session) {
    return process(List.of(image), session, 1).get(0);
  }

  public List<ImageResult> process(List<DecodedImage> images, PersonLabModel.Session session, int batchSize) {
    return process(images, List.of(session), batchSize);
  }

  /**
   * Processes decoded images, running each network on same-sized inputs (images of one aspect
   * ratio, at each scale) as batches of up to {@code batchSize}: one forward per batch, which is
   * what keeps a GPU busy; on a CPU a batch costs what its images cost one by one. Each image's
   * forward time is its share of its batches' time. Results in the order of {@code images}.
   */
  public List<ImageResult> process(List<DecodedImage> images, List<PersonLabModel.Session> sessions, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive: " + batchSize);
    }
    if (sessions.size() != specs.size()) {
      throw new IllegalArgumentException(sessions.size() + " sessions for " + specs.size() + " models");
    }
    int n = images.size();
    double[] resizeMs = new double[n], forwardMs = new double[n], postMs = new double[n];
    // per network, per image: the maps of each scale (and its flipped pass)
    List<List<List<PersonLabMaps>>> perModel = new ArrayList<>(specs.size());
    for (int m = 0; m < specs.size(); m++) {
      perModel.add(forward(images, specs.get(m), sessions.get(m), batchSize, resizeMs, forwardMs, postMs));
    }
    List<ImageResult> results = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long d = System.nanoTime();
      List<PersonLabMaps> scales = perModel.get(0).get(i);
      if (specs.size() > 1) {
        List<PersonLabMaps> merged = new ArrayList<>(scales.size());
        for (int j = 0; j < scales.size(); j++) {
          List<PersonLabMaps> members = new ArrayList<>(specs.size());
          for (List<List<PersonLabMaps>> model : perModel) {
            members.add(model.get(i).get(j));
          }
          merged.add(EnsembleMerge.merge(members, weights));
        }
        scales = merged;
      }
      var people = peopleDecoder.decode(scales).stream()
          .filter(p -> p.score() >= config.minPersonScore()).toList();
      long e = System.nanoTime();
      for (List<List<PersonLabMaps>> model : perModel) {
        model.set(i, null); // the maps of images already decoded can go
      }
      DecodedImage image = images.get(i);
      results.add(new ImageResult(image.width(), image.height(), people, resizeMs[i], forwardMs[i],
          postMs[i] + (e - d) / 1e6));
    }
    return results;
  }

  /** One network over every image and scale (and flipped pass); adds to the per-image times. */
  private List<List<PersonLabMaps>> forward(List<DecodedImage> images, ModelSpec spec, PersonLabModel.Session session,
      int batchSize, double[] resizeMs, double[] forwardMs, double[] postMs) {
    int n = images.size();
    List<List<PersonLabMaps>> scales = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      scales.add(new ArrayList<>(config.longSides().size() * (config.flip() ? 2 : 1)));
    }
    boolean bgr = "BGR".equals(spec.colorOrder());
    // with flip, input n + i is image i mirrored: same size, so it rides in image i's bucket
    int copies = config.flip() ? 2 : 1;
    for (int longSide : config.longSides()) {
      NetworkInput[] inputs = new NetworkInput[copies * n];
      // aspect-ratio buckets: the inputs of one size, in order of appearance
      Map<Long, List<Integer>> buckets = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        long a = System.nanoTime();
        inputs[i] = Resizer.forNetwork(images.get(i), longSide, spec.outputStride(), bgr, spec.inputScale(),
            spec.inputOffset());
        if (config.flip()) {
          inputs[n + i] = inputs[i].mirrored();
        }
        resizeMs[i] += (System.nanoTime() - a) / 1e6;
        List<Integer> bucket = buckets.computeIfAbsent(((long) inputs[i].height() << 32) | inputs[i].width(),
            k -> new ArrayList<>());
        bucket.add(i);
        if (config.flip()) {
          bucket.add(n + i);
        }
      }
      PersonLabMaps[] maps = new PersonLabMaps[copies * n];
      for (List<Integer> bucket : buckets.values()) {
        for (int from = 0; from < bucket.size(); from += batchSize) {
          List<Integer> batch = bucket.subList(from, Math.min(bucket.size(), from + batchSize));
          List<NetworkInput> batchInputs = new ArrayList<>(batch.size());
          batch.forEach(i -> batchInputs.add(inputs[i]));
          long b = System.nanoTime();
          List<PersonLabMaps> out = session.run(batchInputs);
          double share = (System.nanoTime() - b) / 1e6 / batch.size();
          for (int j = 0; j < batch.size(); j++) {
            maps[batch.get(j)] = out.get(j);
            forwardMs[batch.get(j) % n] += share;
          }
        }
      }
      for (int i = 0; i < n; i++) {
        scales.get(i).add(maps[i]);
        if (config.flip()) {
          long a = System.nanoTime();
          scales.get(i).add(FlipMerge.unflip(maps[n + i], spec.skeleton()));
          postMs[i] += (System.nanoTime() - a) / 1e6;
        }
      }
      java.util.Arrays.fill(inputs, null);
    }
    return scales;
  }
}
