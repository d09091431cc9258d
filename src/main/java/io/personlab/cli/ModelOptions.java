package io.personlab.cli;

import io.personlab.maps.EnsembleWeights;
import io.personlab.model.PersonLabModel;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** --model, the input pyramid and engine threads, shared by the commands that run a network. */
final class ModelOptions {
  @Option(names = JobDefaults.PRESET, paramLabel = "NAME",
      description = "a complete named setting of models, scales, flip and decoding: fast, balanced or accurate "
          + "(conf/presets/NAME.properties); options given here override it")
  String preset;

  @Option(names = "--model", paramLabel = "MODEL", split = ",",
      description = "model file (.onnx), SavedModel directory or spec (default: the BodyPix stride-16 model in "
          + "../shared/models); repeated = an ensemble of networks, maps averaged per head")
  List<String> models;

  @Option(names = "--model-weights", paramLabel = "W",
      description = "ensemble weights, one per --model: 0.5,0.5 for every head, then per-head overrides, "
          + "e.g. 0.5,0.5;heatmaps=0.7,0.3;segmentation=0,1 (heads: heatmaps, short, mid, segmentation, long; default: equal)")
  String modelWeights;

  @Option(names = "--scales", split = ",", paramLabel = "PX",
      description = "long side of the network input at each scale; several = multi-scale (default: ${DEFAULT-VALUE})")
  List<Integer> scales = PipelineConfig.DEFAULT_SCALES;

  @Option(names = "--flip", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "flip test-time augmentation: each scale also on the mirrored image, maps averaged "
          + "(default: off; --flip=false turns a preset's off)")
  boolean flip;

  @Option(names = "--engine-threads", paramLabel = "N",
      description = "intra-op threads of the engine (default: all cores; in label: 1 per task)")
  Integer engineThreads;

  @Option(names = "--max-pixels", paramLabel = "N", description = "refuse images with more pixels (default: ${DEFAULT-VALUE})")
  long maxPixels = io.personlab.image.ImageDecoder.DEFAULT_MAX_PIXELS;

  @Option(names = "--min-score", paramLabel = "S",
      description = "lowest instance score reported (default: ${DEFAULT-VALUE}; evaluate-model uses 0)")
  Double minScore;

  @Mixin DecodingOptions decoding;

  int engineThreadsOrDefault(int defaultThreads) {
    return engineThreads != null ? engineThreads : defaultThreads;
  }

  /** The one model of a command that runs a single network. */
  String model() {
    List<String> all = models();
    if (all.size() > 1) {
      throw new IllegalArgumentException("this command runs one network; ensembles (--model repeated) are for infer and evaluate-model");
    }
    return all.get(0);
  }

  /**
   * The models given, {@code {models}/} standing for the shared models directory (as presets
   * name them); a TensorFlow.js graph model ({@code model.json}) is imported once into a cache.
   */
  List<String> models() {
    List<String> out = new ArrayList<>();
    for (String m : givenModels()) {
      out.add(TfjsCache.savedModelFor(m));
    }
    return out;
  }

  /**
   * The models as given, {@code {models}/} standing for the shared models directory; the label
   * job stages (and imports, for a TensorFlow.js model) them itself, on every host.
   */
  List<String> givenModels() {
    if (models == null || models.isEmpty()) {
      return List.of(Launcher.sharedDir().resolve("models/bodypix-mobilenet050-stride16.onnx").toString());
    }
    List<String> out = new ArrayList<>();
    for (String m : models) {
      out.add(m.replace("{models}", Launcher.sharedDir().resolve("models").toString()));
    }
    return out;
  }

  /** --model-weights as given (null: equal). */
  String modelWeights() {
    return modelWeights;
  }

  EnsembleWeights ensembleWeights() {
    int n = models().size();
    if (modelWeights != null) {
      return EnsembleWeights.parse(modelWeights, n);
    }
    return EnsembleWeights.equal(n);
  }

  /** One shared instance of each network of the ensemble. */
  List<PersonLabModel> loadModels(int threads) {
    List<PersonLabModel> out = new ArrayList<>();
    for (String m : models()) {
      out.add(PersonLabModel.shared(m, threads));
    }
    return out;
  }

  /** The pipeline of the loaded networks with the ensemble weights. */
  PersonLabPipeline pipeline(List<PersonLabModel> loaded, PipelineConfig config) {
    return new PersonLabPipeline(loaded.stream().map(PersonLabModel::spec).toList(), ensembleWeights(), config);
  }

  PipelineConfig pipelineConfig(double defaultMinScore) {
    return new PipelineConfig(scales, decoding.decoderConfig(), decoding.maskConfig(), maxPixels,
        minScore != null ? minScore : defaultMinScore, flip);
  }
}
