package io.personlab.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.coco.CocoDataset;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.io.CocoJson;
import io.personlab.people.PeopleDecoder;
import io.personlab.targets.TargetEncoder;
import io.personlab.testing.SharedData;
import org.junit.jupiter.api.Test;

/**
 * The decoder inverts the target encoder on the 79 real COCO val images: ground truth -> maps at
 * stride 8 -> people -> COCO evaluation against the same ground truth.
 */
class OracleRoundTripTest {
  @Test
  void oracleAtStride8ReachesTheRequiredAp() {
    CocoDataset gt = CocoJson.readDataset(
        SharedData.path("data/coco-mini-val/person_keypoints_val2017_mini.json").toString());
    OracleRoundTrip.Outcome o = new OracleRoundTrip(new TargetEncoder(CocoKeypoints.POSE_CHAIN, 32),
        PeopleDecoder.paperDefaults()).run(gt, 8, 2);
    double keypointAp = o.keypoints().stats()[0];
    double segmAp50 = o.segmKeypointed().stats()[1];
    assertTrue(keypointAp >= 0.95, "keypoint AP " + keypointAp);
    assertTrue(segmAp50 >= 0.90, "segm_keypointed AP@0.5 " + segmAp50);
    // masks for people without keypoints cannot be found: all-people segm AP stays below
    assertTrue(o.segm().stats()[1] < segmAp50);
  }
}
