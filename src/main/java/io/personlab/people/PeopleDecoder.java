package io.personlab.people;

import io.personlab.decode.DecoderConfig;
import io.personlab.decode.Pose;
import io.personlab.decode.PoseDecoder;
import io.personlab.geometry.FrameTransform;
import io.personlab.maps.MultiScaleMerge;
import io.personlab.maps.PersonLabMaps;
import io.personlab.decode.RefinedField;
import io.personlab.rle.Rle;
import io.personlab.rle.RleOps;
import io.personlab.segment.MaskAssociation;
import io.personlab.segment.MaskConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything after the network for one image: (multi-scale merge,) pose decoding, mask
 * association, and the mapping back to original image pixels. Thread-safe.
 */
public final class PeopleDecoder {
  private final PoseDecoder poses;
  private final MaskAssociation masks;

  public PeopleDecoder(DecoderConfig decoderConfig, MaskConfig maskConfig) {
    this.poses = new PoseDecoder(decoderConfig);
    this.masks = new MaskAssociation(maskConfig, decoderConfig.longSelfRefinementSteps(),
        decoderConfig.longShortRefinementSteps());
  }

  public static PeopleDecoder paperDefaults() {
    return new PeopleDecoder(DecoderConfig.paperDefaults(), MaskConfig.paperDefaults());
  }

  /** People in the maps of several scales of one image (see {@link MultiScaleMerge}). */
  public List<Person> decode(List<PersonLabMaps> scales) {
    return decode(scales.size() == 1 ? scales.get(0) : MultiScaleMerge.merge(scales));
  }

  /** People in one image's maps, best first; masks only when the maps have the mask heads. */
  public List<Person> decode(PersonLabMaps maps) {
    RefinedField refinedLong = maps.longOffsets() != null ? poses.refinedLongOffsets(maps) : null;
    List<Pose> found = poses.decode(maps, refinedLong);
    List<Rle> personMasks = maps.hasMaskHeads() ? masks.masks(maps, refinedLong, found) : null;
    FrameTransform tf = maps.transform();
    List<Person> people = new ArrayList<>(found.size());
    for (int j = 0; j < found.size(); j++) {
      Pose p = found.get(j);
      int numK = p.numKeypoints();
      double[] kp = new double[3 * numK];
      double x0 = Double.POSITIVE_INFINITY, y0 = Double.POSITIVE_INFINITY;
      double x1 = Double.NEGATIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < numK; k++) {
        double x = tf.toImageX(p.x()[k]);
        double y = tf.toImageY(p.y()[k]);
        kp[3 * k] = x;
        kp[3 * k + 1] = y;
        kp[3 * k + 2] = p.keypointScores()[k];
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
      Rle mask = personMasks == null ? null : personMasks.get(j);
      // the box of the mask as it is at image size (a capped mask is resized by nearest neighbour)
      double[] box = mask != null && mask.area() > 0
          ? RleOps.resize(mask, tf.imageHeight(), tf.imageWidth()).toBbox()
          : new double[] {x0, y0, x1 - x0, y1 - y0};
      people.add(new Person(kp, p.score(), box, mask));
    }
    return people;
  }
}
