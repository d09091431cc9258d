package io.personlab.geometry;

import java.util.List;

/** COCO's 17 person keypoints, their OKS sigmas and the PoseNet/BodyPix kinematic tree. */
public final class CocoKeypoints {
  private CocoKeypoints() {}

  public static final List<String> NAMES = List.of(
      "nose", "left_eye", "right_eye", "left_ear", "right_ear",
      "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
      "left_wrist", "right_wrist", "left_hip", "right_hip",
      "left_knee", "right_knee", "left_ankle", "right_ankle");

  public static final int K = 17;

  /** COCO's per-keypoint sigmas (cocoeval's kpt_oks_sigmas: the published values / 10). */
  public static double[] sigmas() {
    double[] s = {.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89};
    for (int i = 0; i < s.length; i++) {
      s[i] = s[i] / 10.0;
    }
    return s;
  }

  /**
   * The 16-edge "pose chain" rooted at the nose, in the order of BodyPix's and PoseNet's
   * displacement channels (parent -> child is the forward direction).
   */
  public static final Skeleton POSE_CHAIN = Skeleton.of(NAMES, new String[][] {
    {"nose", "left_eye"}, {"left_eye", "left_ear"}, {"nose", "right_eye"}, {"right_eye", "right_ear"},
    {"nose", "left_shoulder"}, {"left_shoulder", "left_elbow"}, {"left_elbow", "left_wrist"},
    {"left_shoulder", "left_hip"}, {"left_hip", "left_knee"}, {"left_knee", "left_ankle"},
    {"nose", "right_shoulder"}, {"right_shoulder", "right_elbow"}, {"right_elbow", "right_wrist"},
    {"right_shoulder", "right_hip"}, {"right_hip", "right_knee"}, {"right_knee", "right_ankle"},
  });
}
