package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.personlab.coco.Segmentation;
import io.personlab.decode.DecoderConfig;
import io.personlab.image.ImageDecoder;
import io.personlab.pipeline.PipelineConfig;
import io.personlab.rle.Rle;
import io.personlab.rle.RleOps;
import io.personlab.segment.MaskConfig;
import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/** --mask-max-side: its own labeling configuration, and masks back at image size where they leave as COCO. */
class MaskMaxSideConfigurationTest {

  private static PipelineConfig pipeline(int maskMaxSide) {
    return new PipelineConfig(List.of(769), DecoderConfig.paperDefaults(),
        MaskConfig.paperDefaults().withMaxSide(maskMaxSide), ImageDecoder.DEFAULT_MAX_PIXELS,
        PipelineConfig.DEFAULT_MIN_PERSON_SCORE);
  }

  @Test
  void aMaskCapIsAnotherConfigurationAndFullResolutionKeepsItsId() {
    // the hash full-resolution labels had before the cap existed (masks without a maxSide field)
    assertEquals("78c032a34676fa7e", LabelTable.decodingHash(pipeline(0)));
    assertNotEquals(LabelTable.decodingHash(pipeline(0)), LabelTable.decodingHash(pipeline(769)));
    assertNotEquals(LabelTable.decodingHash(pipeline(769)), LabelTable.decodingHash(pipeline(1025)));
    assertNotEquals(LabelTable.configId("m", "s", pipeline(0)), LabelTable.configId("m", "s", pipeline(769)));
  }

  @Test
  void theMaskThresholdsAreConfigurationsAndThePapersValuesKeepTheId() {
    MaskConfig paper = MaskConfig.paperDefaults();
    PipelineConfig same = new PipelineConfig(List.of(769), DecoderConfig.paperDefaults(),
        paper.withSegmentationThreshold(0.5).withDistanceThreshold(0.25), ImageDecoder.DEFAULT_MAX_PIXELS,
        PipelineConfig.DEFAULT_MIN_PERSON_SCORE);
    assertEquals("78c032a34676fa7e", LabelTable.decodingHash(same));
    for (MaskConfig other : List.of(paper.withSegmentationThreshold(0.4), paper.withDistanceThreshold(0.3))) {
      assertNotEquals("78c032a34676fa7e", LabelTable.decodingHash(new PipelineConfig(List.of(769),
          DecoderConfig.paperDefaults(), other, ImageDecoder.DEFAULT_MAX_PIXELS, PipelineConfig.DEFAULT_MIN_PERSON_SCORE)));
    }
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> paper.withSegmentationThreshold(1.0));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> paper.withDistanceThreshold(0));
  }

  @Test
  void flipIsAnotherConfigurationAndUnflippedKeepsItsId() {
    assertEquals("78c032a34676fa7e", LabelTable.decodingHash(pipeline(0).withFlip(false)));
    assertNotEquals(LabelTable.decodingHash(pipeline(0)), LabelTable.decodingHash(pipeline(0).withFlip(true)));
    assertNotEquals(LabelTable.configId("m", "s", pipeline(0)), LabelTable.configId("m", "s", pipeline(0).withFlip(true)));
  }

  @Test
  void anEnsembleIsItsOwnConfigurationAndOneModelKeepsItsId() {
    io.personlab.maps.EnsembleWeights w = io.personlab.maps.EnsembleWeights.parse("1,0;segmentation=0,1;long=0,1", 2);
    // one model: exactly the id it had before ensembles (members' hashes are the model's own)
    assertEquals("m", LabelModels.contentHash(List.of("m"), io.personlab.maps.EnsembleWeights.equal(1)));
    assertEquals("s", LabelModels.combinedSpecHash(List.of("s"), io.personlab.maps.EnsembleWeights.equal(1)));
    assertEquals(LabelTable.configId("m", "s", pipeline(0)), LabelTable.configId(
        LabelModels.contentHash(List.of("m"), io.personlab.maps.EnsembleWeights.equal(1)),
        LabelModels.combinedSpecHash(List.of("s"), io.personlab.maps.EnsembleWeights.equal(1)), pipeline(0)));
    String ensemble = LabelTable.configId(LabelModels.contentHash(List.of("m", "n"), w),
        LabelModels.combinedSpecHash(List.of("s", "t"), w), pipeline(0));
    assertEquals("aad8cfca2455d328", ensemble); // pinned: rows labeled by an ensemble keep their configuration
    assertEquals("723a6f007daefee9", LabelModels.combinedSpecHash(List.of("s", "t"), w));
    assertNotEquals(LabelTable.configId("m", "s", pipeline(0)), ensemble);
    assertNotEquals(ensemble, LabelTable.configId(LabelModels.contentHash(List.of("n", "m"), w),
        LabelModels.combinedSpecHash(List.of("t", "s"), w), pipeline(0)), "order");
    io.personlab.maps.EnsembleWeights equal = io.personlab.maps.EnsembleWeights.equal(2);
    assertNotEquals(ensemble, LabelTable.configId(LabelModels.contentHash(List.of("m", "n"), equal),
        LabelModels.combinedSpecHash(List.of("s", "t"), equal), pipeline(0)), "weights");
    assertNotEquals(ensemble, LabelTable.configId(LabelModels.contentHash(List.of("m", "o"), w),
        LabelModels.combinedSpecHash(List.of("s", "t"), w), pipeline(0)), "a member's bytes");
    assertNotEquals(ensemble, LabelTable.configId(LabelModels.contentHash(List.of("m", "n"), w),
        LabelModels.combinedSpecHash(List.of("s", "t"), w), pipeline(0).withFlip(true)), "flip");
  }

  @Test
  void storedMasksReachTheImageSize() {
    Rle capped = new Rle(3, 4, new int[] {4, 2, 6}); // column 1 rows 1-2
    Segmentation.CompressedRle full = LabelSchema.maskAtImageSize(
        RowFactory.create(3, 4, capped.toCompressedString()), 8, 6);
    assertEquals(6, full.height());
    assertEquals(8, full.width());
    assertEquals(RleOps.resize(capped, 6, 8), Rle.fromCompressedString(full.counts(), 6, 8));
    Segmentation.CompressedRle same = LabelSchema.maskAtImageSize(
        RowFactory.create(3, 4, capped.toCompressedString()), 4, 3);
    assertEquals(capped.toCompressedString(), same.counts());
    assertEquals(capped.toCompressedString(),
        LabelSchema.maskAtImageSize(RowFactory.create(3, 4, capped.toCompressedString()), null, null).counts());
  }
}
