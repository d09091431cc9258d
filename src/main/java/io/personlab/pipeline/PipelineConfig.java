package io.personlab.pipeline;

import io.personlab.decode.DecoderConfig;
import io.personlab.image.ImageDecoder;
import io.personlab.segment.MaskConfig;
import java.util.List;

/**
 * How one image is processed: the input pyramid (long side of the network input at each scale;
 * one entry = single scale), the decoding and mask settings, and the decoder's pixel limit.
 */
public record PipelineConfig(List<Integer> longSides, DecoderConfig decoder, MaskConfig masks, long maxPixels) {
  public PipelineConfig {
    longSides = List.copyOf(longSides);
    if (longSides.isEmpty() || longSides.stream().anyMatch(s -> s < 16)) {
      throw new IllegalArgumentException("scales must be long sides of at least 16 pixels: " + longSides);
    }
  }

  public static PipelineConfig singleScale(int longSide) {
    return new PipelineConfig(List.of(longSide), DecoderConfig.paperDefaults(), MaskConfig.paperDefaults(),
        ImageDecoder.DEFAULT_MAX_PIXELS);
  }
}
