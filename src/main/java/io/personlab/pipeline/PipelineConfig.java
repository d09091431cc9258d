package io.personlab.pipeline;

import io.personlab.decode.DecoderConfig;
import io.personlab.image.ImageDecoder;
import io.personlab.segment.MaskConfig;
import java.util.List;

/**
 * How one image is processed: the input pyramid (long side of the network input at each scale;
 * one entry = single scale), the decoding and mask settings, the image decoder's pixel limit,
 * the lowest instance score reported (0 keeps every person the decoder found, as an AP
 * evaluation wants), and flip test-time augmentation (each scale also run on the mirrored image,
 * its maps mirrored back and averaged in, see {@link io.personlab.maps.FlipMerge}).
 */
public record PipelineConfig(List<Integer> longSides, DecoderConfig decoder, MaskConfig masks, long maxPixels,
    double minPersonScore, boolean flip) implements java.io.Serializable {
  /** Default pyramid: one scale, long side 769 (best single scale for BodyPix stride 16 in the README's sweep). */
  public static final List<Integer> DEFAULT_SCALES = List.of(769);
  /** Default lowest score reported by infer and label (3 of 40 person-free val images reach it). */
  public static final double DEFAULT_MIN_PERSON_SCORE = 0.2;

  public PipelineConfig {
    longSides = List.copyOf(longSides);
    if (longSides.isEmpty() || longSides.stream().anyMatch(s -> s < 16)) {
      throw new IllegalArgumentException("scales must be long sides of at least 16 pixels: " + longSides);
    }
  }

  /** Without flip test-time augmentation. */
  public PipelineConfig(List<Integer> longSides, DecoderConfig decoder, MaskConfig masks, long maxPixels,
      double minPersonScore) {
    this(longSides, decoder, masks, maxPixels, minPersonScore, false);
  }

  public PipelineConfig withFlip(boolean flip) {
    return new PipelineConfig(longSides, decoder, masks, maxPixels, minPersonScore, flip);
  }

  /** The long side of the largest network input: the size an image must be decoded at. */
  public int largestLongSide() {
    return longSides.stream().mapToInt(Integer::intValue).max().getAsInt();
  }

  public static PipelineConfig singleScale(int longSide) {
    return new PipelineConfig(List.of(longSide), DecoderConfig.paperDefaults(), MaskConfig.paperDefaults(),
        ImageDecoder.DEFAULT_MAX_PIXELS, DEFAULT_MIN_PERSON_SCORE);
  }
}
