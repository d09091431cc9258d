package io.personlab.cli;

import io.personlab.pipeline.PipelineConfig;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** --model, the input pyramid and engine threads, shared by the commands that run a network. */
final class ModelOptions {
  @Option(names = "--model", paramLabel = "MODEL",
      description = "model file (.onnx), SavedModel directory or spec (default: the BodyPix stride-16 model in ../shared/models)")
  String model;

  @Option(names = "--scales", split = ",", paramLabel = "PX",
      description = "long side of the network input at each scale; several = multi-scale (default: ${DEFAULT-VALUE})")
  List<Integer> scales = PipelineConfig.DEFAULT_SCALES;

  @Option(names = "--flip", negatable = true,
      description = "flip test-time augmentation: each scale also on the mirrored image, maps averaged (default: off)")
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

  String model() {
    return model != null ? model
        : Launcher.sharedDir().resolve("models/bodypix-mobilenet050-stride16.onnx").toString();
  }

  PipelineConfig pipelineConfig(double defaultMinScore) {
    return new PipelineConfig(scales, decoding.decoderConfig(), decoding.maskConfig(), maxPixels,
        minScore != null ? minScore : defaultMinScore, flip);
  }
}
