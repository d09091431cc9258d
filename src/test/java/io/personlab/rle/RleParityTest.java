package io.personlab.rle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoImage;
import io.personlab.io.CocoJson;
import io.personlab.io.Inputs;
import io.personlab.testing.SharedData;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every ground-truth annotation's mask (polygons rasterised, crowd RLEs compressed) equals what
 * pycocotools' annToRLE produced: the compressed string, area and box. Also round-trips each
 * mask through decode/encode and the string form.
 */
class RleParityTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "gt_person_keypoints_val2017_mini.json, expected/gt_masks_val2017_mini.json",
    "scale/gt_synthetic_scale.json.gz, expected/gt_masks_synthetic_scale.json.gz"
  })
  void groundTruthMasksMatchPycocotools(String gtFile, String expectedFile) throws IOException {
    CocoDataset gt = CocoJson.readDataset(SharedData.cocoEval().resolve(gtFile).toString());
    Map<Long, CocoImage> images = gt.imagesById();
    Map<Long, CocoAnnotation> byId = new HashMap<>();
    for (CocoAnnotation a : gt.annotations()) {
      byId.put(a.id(), a);
    }
    JsonNode expected;
    try (InputStream in = Inputs.open(SharedData.cocoEval().resolve(expectedFile).toString())) {
      expected = new ObjectMapper().readTree(in);
    }
    int checked = 0, polygons = 0, roundTrips = 0;
    for (JsonNode m : expected.get("masks")) {
      CocoAnnotation a = byId.get(m.get("id").asLong());
      CocoImage image = images.get(a.imageId());
      Rle rle = a.segmentation().toRle(image.height(), image.width());
      String where = "annotation " + a.id();
      assertEquals(m.get("size").get(0).asInt(), rle.height(), where);
      assertEquals(m.get("size").get(1).asInt(), rle.width(), where);
      assertEquals(m.get("counts").asText(), rle.toCompressedString(), where);
      assertEquals(m.get("area").asLong(), rle.area(), where);
      double[] bbox = rle.toBbox();
      for (int i = 0; i < 4; i++) {
        assertEquals(m.get("bbox").get(i).asDouble(), bbox[i], 0.0, where + " bbox[" + i + "]");
      }
      Rle parsed = Rle.fromCompressedString(m.get("counts").asText(), rle.height(), rle.width());
      assertEquals(rle, parsed, where);
      if (checked % 7 == 0) { // decoding every mask of 20k would only slow the suite
        byte[] mask = rle.decode();
        assertEquals(rle, Rle.encode(mask, rle.height(), rle.width()), where);
        assertArrayEquals(transposeToRowMajor(mask, rle.height(), rle.width()),
            transposeToRowMajor(parsed.decode(), rle.height(), rle.width()));
        assertEquals(rle, Rle.encodeRowMajor(
            transposeToRowMajor(mask, rle.height(), rle.width()), rle.height(), rle.width()), where);
        roundTrips++;
      }
      if ("polygon".equals(m.get("kind").asText())) {
        polygons++;
      }
      checked++;
    }
    assertEquals(gt.annotations().size(), checked, "every annotation has an expected mask");
    assertTrue(polygons > 0 && roundTrips > 0);
  }

  static byte[] transposeToRowMajor(byte[] colMajor, int h, int w) {
    byte[] out = new byte[h * w];
    for (int x = 0; x < w; x++) {
      for (int y = 0; y < h; y++) {
        out[y * w + x] = colMajor[x * h + y];
      }
    }
    return out;
  }
}
