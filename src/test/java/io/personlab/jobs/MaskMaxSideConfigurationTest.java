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
  void flipIsAnotherConfigurationAndUnflippedKeepsItsId() {
    assertEquals("78c032a34676fa7e", LabelTable.decodingHash(pipeline(0).withFlip(false)));
    assertNotEquals(LabelTable.decodingHash(pipeline(0)), LabelTable.decodingHash(pipeline(0).withFlip(true)));
    assertNotEquals(LabelTable.configId("m", "s", pipeline(0)), LabelTable.configId("m", "s", pipeline(0).withFlip(true)));
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
