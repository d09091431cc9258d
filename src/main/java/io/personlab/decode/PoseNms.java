package io.personlab.decode;

import java.util.ArrayList;
import java.util.List;

/** Instance-level suppression of decoded poses (paper section 3.1 and its appendix ablation). */
public final class PoseNms {
  private PoseNms() {}

  /**
   * Soft-NMS, eq. (4): in order of the mean keypoint score s^h_j, each person keeps the scores of
   * the keypoints that no higher-ranked person has within {@code radius}; its instance score is
   * their sum over K. People whose score falls to 0 are dropped; at most {@code maxPeople} are
   * kept, best first.
   */
  public static List<Pose> soft(List<Pose> poses, double radius, int maxPeople) {
    List<Pose> ranked = new ArrayList<>(poses);
    ranked.sort((a, b) -> Double.compare(b.score(), a.score())); // stable: ties keep seed order
    double r2 = radius * radius;
    List<Pose> rescored = new ArrayList<>(ranked.size());
    for (int j = 0; j < ranked.size(); j++) {
      Pose p = ranked.get(j);
      int numK = p.numKeypoints();
      double sum = 0;
      for (int k = 0; k < numK; k++) {
        boolean claimed = false;
        for (int i = 0; i < j && !claimed; i++) {
          Pose q = ranked.get(i);
          double dx = q.x()[k] - p.x()[k], dy = q.y()[k] - p.y()[k];
          claimed = dx * dx + dy * dy <= r2;
        }
        if (!claimed) {
          sum += p.keypointScores()[k];
        }
      }
      double score = sum / numK;
      if (score > 0) {
        rescored.add(new Pose(p.x(), p.y(), p.presence(), p.keypointScores(), score));
      }
    }
    rescored.sort((a, b) -> Double.compare(b.score(), a.score()));
    return List.copyOf(rescored.subList(0, Math.min(maxPeople, rescored.size())));
  }

  /**
   * Hard OKS-NMS: in order of score, a person is dropped when its OKS with a kept one exceeds
   * {@code threshold} (the kept person's keypoint box area standing for the object area).
   */
  public static List<Pose> hard(List<Pose> poses, double threshold, double[] sigmas, int maxPeople) {
    List<Pose> ranked = new ArrayList<>(poses);
    ranked.sort((a, b) -> Double.compare(b.score(), a.score()));
    List<Pose> kept = new ArrayList<>();
    for (Pose p : ranked) {
      if (p.score() <= 0) {
        continue;
      }
      boolean suppressed = false;
      for (Pose q : kept) {
        if (oks(p, q, sigmas) > threshold) {
          suppressed = true;
          break;
        }
      }
      if (!suppressed) {
        kept.add(p);
        if (kept.size() == maxPeople) {
          break;
        }
      }
    }
    return List.copyOf(kept);
  }

  /** COCO's OKS of p against q over all keypoints, q's keypoint box area as the object area. */
  public static double oks(Pose p, Pose q, double[] sigmas) {
    double area = Math.max(1.0, Pose.boxArea(q.x(), q.y()));
    double sum = 0;
    for (int k = 0; k < p.numKeypoints(); k++) {
      double dx = p.x()[k] - q.x()[k], dy = p.y()[k] - q.y()[k];
      double kappa = 2 * sigmas[k];
      sum += Math.exp(-(dx * dx + dy * dy) / (2 * area * kappa * kappa));
    }
    return sum / p.numKeypoints();
  }
}
