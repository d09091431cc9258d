package io.personlab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoImage;
import io.personlab.image.ImageDecoder;
import io.personlab.io.CocoJson;
import io.personlab.model.tfjs.TfjsImporter;
import io.personlab.people.Person;
import io.personlab.pipeline.ImageResult;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import io.personlab.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PoseNet, imported from TensorFlow.js into a SavedModel and run by DJL's TensorFlow engine,
 * finds the people of real val images (poses only: the model has no mask heads).
 */
class PoseNetSavedModelTest {
  @TempDir Path dir;

  @Test
  void importedPoseNetFindsThePeopleOfValImages() throws Exception {
    TfjsImporter.importGraphModel(SharedData.path("models/posenet-mobilenet-tfjs/posenet.json"), dir);
    ModelLocation location = ModelLocation.resolve(dir.toString());
    assertFalse(location.spec().hasMaskHeads());
    CocoDataset gt = CocoJson.readDataset(SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json").toString());
    Map<Long, CocoImage> images = gt.imagesById();
    try (PersonLabModel model = PersonLabModel.load(location, 2);
        PersonLabModel.Session session = model.newSession()) {
      PersonLabPipeline pipeline = new PersonLabPipeline(model.spec(), PipelineConfig.singleScale(513));
      int checked = 0, found = 0;
      for (CocoAnnotation a : gt.annotations()) {
        if (a.crowd() || a.numKeypoints() < 10 || a.area() < 96 * 96 || checked == 6) {
          continue;
        }
        CocoImage img = images.get(a.imageId());
        byte[] bytes = Files.readAllBytes(SharedData.path("data/coco-mini-val/images").resolve(img.fileName()));
        ImageResult r = pipeline.process(new ImageDecoder().decode(bytes, img.fileName()), session);
        checked++;
        double tolerance = 0.1 * Math.sqrt(a.area());
        for (Person p : r.people()) {
          assertNull(p.mask());
          int close = 0, labelled = 0;
          for (int k = 0; k < 17; k++) {
            if (a.keypoints()[3 * k + 2] > 0) {
              labelled++;
              close += Math.hypot(p.x(k) - a.keypoints()[3 * k], p.y(k) - a.keypoints()[3 * k + 1]) <= tolerance ? 1 : 0;
            }
          }
          if (close >= 0.6 * labelled) {
            found++;
            break;
          }
        }
      }
      assertTrue(checked == 6, "large people checked: " + checked);
      assertTrue(found >= 5, found + " of " + checked + " large people found with 60% of keypoints within 0.1*sqrt(area)");
    }
  }

  @Test
  void anEnsembleTakesPoseNetsKeypointsAndBodyPixsMasks() throws Exception {
    // weights 1,0 on the pose heads and 0,1 on the mask heads: the people are PoseNet's, with
    // masks that only BodyPix's heads can give
    TfjsImporter.importGraphModel(SharedData.path("models/posenet-mobilenet-tfjs/posenet.json"), dir);
    CocoDataset gt = CocoJson.readDataset(SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json").toString());
    CocoImage img = gt.images().stream().filter(i -> i.fileName().equals("000000217285.jpg")).findFirst().orElseThrow();
    byte[] bytes = Files.readAllBytes(SharedData.path("data/coco-mini-val/images").resolve(img.fileName()));
    var image = io.personlab.image.DecodedImage.full(new ImageDecoder().decode(bytes, img.fileName()));
    // without the long-range bridge (BodyPix's long-range offsets would steer weak keypoints)
    PipelineConfig single = PipelineConfig.singleScale(513);
    PipelineConfig config = new PipelineConfig(single.longSides(), single.decoder().withBridgeThreshold(0),
        single.masks(), single.maxPixels(), single.minPersonScore());
    try (PersonLabModel posenet = PersonLabModel.load(ModelLocation.resolve(dir.toString()), 2);
        PersonLabModel bodypix = PersonLabModel.load(ModelLocation.resolve(
            SharedData.path("models/bodypix-mobilenet050-stride16.onnx").toString()), 2);
        PersonLabModel.Session p = posenet.newSession();
        PersonLabModel.Session b = bodypix.newSession()) {
      ImageResult alone = new PersonLabPipeline(posenet.spec(), config).process(image, p);
      ImageResult both = new PersonLabPipeline(List.of(posenet.spec(), bodypix.spec()),
          io.personlab.maps.EnsembleWeights.parse("1,0;segmentation=0,1;long=0,1", 2), config)
          .process(List.of(image), List.of(p, b), 1).get(0);
      assertFalse(alone.people().isEmpty());
      assertEquals(alone.people().size(), both.people().size());
      for (int j = 0; j < alone.people().size(); j++) {
        Person a = alone.people().get(j), e = both.people().get(j);
        assertNull(a.mask());
        assertTrue(e.mask() != null && e.mask().area() > 0, "person " + j + " has a mask");
        for (int k = 0; k < 3 * 17; k++) {
          assertEquals(a.keypoints()[k], e.keypoints()[k], 1e-3, "person " + j);
        }
      }
    }
  }
}
