package io.personlab.decode;

import io.personlab.geometry.Skeleton;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.maps.VectorField;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PersonLab's pose estimation module after the network (paper section 3.1): Hough voting,
 * mid-range refinement, greedy decoding from a queue of seeds shared by all keypoint types,
 * keypoint and instance scoring, NMS and the cap on people. Stateless; thread-safe.
 */
public final class PoseDecoder {
  private final DecoderConfig config;
  private final int[][] adjacency;
  private final double[] kappaSq2; // 2 kappa_k^2, kappa_k = 2 sigma_k

  public PoseDecoder(DecoderConfig config) {
    this.config = config;
    this.adjacency = config.skeleton().adjacency();
    double[] s = config.oksSigmas();
    kappaSq2 = new double[s.length];
    for (int k = 0; k < s.length; k++) {
      double kappa = 2 * s[k];
      kappaSq2[k] = 2 * kappa * kappa;
    }
  }

  public DecoderConfig config() {
    return config;
  }

  /** People found in the maps, best first, at most {@code maxPeople}, in frame coordinates. */
  public List<Pose> decode(PersonLabMaps maps) {
    Skeleton skeleton = config.skeleton();
    if (maps.numKeypoints() != skeleton.numKeypoints() || maps.midForward().count() != skeleton.numEdges()) {
      throw new IllegalArgumentException("maps have " + maps.numKeypoints() + " keypoint types and "
          + maps.midForward().count() + " edges; the skeleton has " + skeleton.numKeypoints()
          + " and " + skeleton.numEdges());
    }
    HoughMaps hough = HoughMaps.vote(maps, config);
    Seeds seeds = Seeds.find(hough, config);
    if (seeds.size() == 0) {
      return List.of();
    }
    VectorField fwd = OffsetRefinement.refineMid(maps.midForward(), maps.shortOffsets(), skeleton,
        true, config.midRefinementSteps());
    VectorField bwd = OffsetRefinement.refineMid(maps.midBackward(), maps.shortOffsets(), skeleton,
        false, config.midRefinementSteps());
    List<Pose> poses = group(maps, seeds, fwd, bwd, hough);
    return config.nms() == DecoderConfig.Nms.SOFT ? softNms(poses) : hardNms(poses);
  }

  /** Greedy decoding: each seed not within r of the same keypoint of an earlier person grows a tree. */
  private List<Pose> group(PersonLabMaps maps, Seeds seeds, VectorField fwd, VectorField bwd,
      HoughMaps hough) {
    int numK = maps.numKeypoints();
    Grid grid = maps.grid();
    double maxX = grid.maxX(), maxY = grid.maxY();
    double r2 = config.nmsRadius() * config.nmsRadius();
    Skeleton skeleton = config.skeleton();
    List<Pose> poses = new ArrayList<>();
    int[] stack = new int[numK];
    boolean[] placed = new boolean[numK];
    for (int s = 0; s < seeds.size(); s++) {
      int k = seeds.keypoint(s);
      double sx = seeds.x(s), sy = seeds.y(s);
      boolean taken = false;
      for (Pose p : poses) {
        double dx = p.x()[k] - sx, dy = p.y()[k] - sy;
        if (dx * dx + dy * dy <= r2) {
          taken = true;
          break;
        }
      }
      if (taken) {
        continue;
      }
      double[] x = new double[numK], y = new double[numK];
      Arrays.fill(placed, false);
      x[k] = sx;
      y[k] = sy;
      placed[k] = true;
      int top = 0;
      stack[top++] = k;
      while (top > 0) {
        int a = stack[--top];
        for (int code : adjacency[a]) {
          int e = Math.abs(code) - 1;
          boolean forward = code > 0;
          int b = forward ? skeleton.child(e) : skeleton.parent(e);
          if (placed[b]) {
            continue;
          }
          VectorField field = forward ? fwd : bwd;
          x[b] = clamp(x[a] + field.sampleX(e, x[a], y[a]), maxX);
          y[b] = clamp(y[a] + field.sampleY(e, x[a], y[a]), maxY);
          placed[b] = true;
          stack[top++] = b;
        }
      }
      double[] presence = new double[numK];
      for (int j = 0; j < numK; j++) {
        presence[j] = maps.heatmap(j, x[j], y[j]);
      }
      double[] scores = keypointScores(x, y, presence, hough);
      double mean = 0;
      for (double v : scores) {
        mean += v;
      }
      poses.add(new Pose(x, y, presence, scores, mean / numK));
    }
    return poses;
  }

  private double[] keypointScores(double[] x, double[] y, double[] presence, HoughMaps hough) {
    int numK = x.length;
    double[] scores = new double[numK];
    if (config.scoring() == DecoderConfig.Scoring.HOUGH) {
      for (int k = 0; k < numK; k++) {
        scores[k] = hough.sample(k, x[k], y[k]);
      }
      return scores;
    }
    double lambdaSq = Math.max(1.0, Pose.boxArea(x, y));
    for (int k = 0; k < numK; k++) {
      scores[k] = presence[k] * expectedOksIntegral(hough, k, x[k], y[k], lambdaSq * kappaSq2[k]);
    }
    return scores;
  }

  /**
   * Eq. (3) without p_k: the Hough score, normalised within the disk D_R(y), integrated against
   * the OKS kernel exp(-|x - y|^2 / (2 lambda^2 kappa^2)).
   */
  private double expectedOksIntegral(HoughMaps h, int k, double fx, double fy, double denominator) {
    double c = h.cellSize();
    double radius = config.discRadius();
    int x0 = Math.max(0, (int) Math.ceil((fx - radius) / c));
    int x1 = Math.min(h.width() - 1, (int) Math.floor((fx + radius) / c));
    int y0 = Math.max(0, (int) Math.ceil((fy - radius) / c));
    int y1 = Math.min(h.height() - 1, (int) Math.floor((fy + radius) / c));
    float[] s = h.scores();
    int base = k * h.width() * h.height();
    double r2 = radius * radius;
    double total = 0, weighted = 0;
    for (int gy = y0; gy <= y1; gy++) {
      double dy = gy * c - fy;
      double dy2 = dy * dy;
      int row = base + gy * h.width();
      for (int gx = x0; gx <= x1; gx++) {
        float v = s[row + gx];
        if (v <= 0) {
          continue;
        }
        double dx = gx * c - fx;
        double d2 = dx * dx + dy2;
        if (d2 > r2) {
          continue;
        }
        total += v;
        weighted += v * Math.exp(-d2 / denominator);
      }
    }
    return total > 0 ? weighted / total : 0;
  }

  /**
   * Eq. (4): in order of the mean keypoint score, each person keeps the scores of the keypoints
   * that no higher-ranked person has within r; the instance score is their sum over K.
   */
  private List<Pose> softNms(List<Pose> poses) {
    List<Pose> ranked = new ArrayList<>(poses);
    ranked.sort((a, b) -> Double.compare(b.score(), a.score())); // stable: ties keep seed order
    double r2 = config.nmsRadius() * config.nmsRadius();
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
    return List.copyOf(rescored.subList(0, Math.min(config.maxPeople(), rescored.size())));
  }

  /** Hard OKS-NMS: a person is dropped when its OKS with a kept, higher-scoring one exceeds the threshold. */
  private List<Pose> hardNms(List<Pose> poses) {
    List<Pose> ranked = new ArrayList<>(poses);
    ranked.sort((a, b) -> Double.compare(b.score(), a.score()));
    List<Pose> kept = new ArrayList<>();
    for (Pose p : ranked) {
      if (p.score() <= 0) {
        continue;
      }
      boolean suppressed = false;
      for (Pose q : kept) {
        if (oks(p, q) > config.hardNmsOksThreshold()) {
          suppressed = true;
          break;
        }
      }
      if (!suppressed) {
        kept.add(p);
        if (kept.size() == config.maxPeople()) {
          break;
        }
      }
    }
    return List.copyOf(kept);
  }

  /** COCO's OKS of p against q, with q's keypoint box area as the object area. */
  private double oks(Pose p, Pose q) {
    double area = Math.max(1.0, Pose.boxArea(q.x(), q.y()));
    double sum = 0;
    for (int k = 0; k < p.numKeypoints(); k++) {
      double dx = p.x()[k] - q.x()[k], dy = p.y()[k] - q.y()[k];
      sum += Math.exp(-(dx * dx + dy * dy) / (area * kappaSq2[k]));
    }
    return sum / p.numKeypoints();
  }

  private static double clamp(double v, double max) {
    return v < 0 ? 0 : (v > max ? max : v);
  }
}
