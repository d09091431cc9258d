package io.personlab.decode;

import io.personlab.geometry.Skeleton;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
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
    RefinedField refinedLong = config.bridgeThreshold() > 0 && maps.longOffsets() != null
        ? refinedLongOffsets(maps) : null;
    return decode(maps, refinedLong);
  }

  /** The long-range offsets refined as eq. (5) says (lazily), with this configuration's steps. */
  public RefinedField refinedLongOffsets(PersonLabMaps maps) {
    return RefinedField.longRange(maps.longOffsets(), maps.shortOffsets(),
        config.longSelfRefinementSteps(), config.longShortRefinementSteps());
  }

  /**
   * As {@link #decode(PersonLabMaps)}, given the refined long-range offsets (null: none, so no
   * bridging).
   */
  public List<Pose> decode(PersonLabMaps maps, RefinedField refinedLong) {
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
    RefinedField fwd = RefinedField.mid(maps.midForward(), maps.shortOffsets(), skeleton,
        true, config.midRefinementSteps());
    RefinedField bwd = RefinedField.mid(maps.midBackward(), maps.shortOffsets(), skeleton,
        false, config.midRefinementSteps());
    List<Pose> poses = group(maps, seeds, fwd, bwd, hough, refinedLong);
    return config.nms() == DecoderConfig.Nms.SOFT
        ? PoseNms.soft(poses, config.nmsRadius(), config.maxPeople())
        : PoseNms.hard(poses, config.hardNmsOksThreshold(), config.oksSigmas(), config.maxPeople());
  }

  /** Greedy decoding: each seed not within r of the same keypoint of an earlier person grows a tree. */
  private List<Pose> group(PersonLabMaps maps, Seeds seeds, RefinedField fwd, RefinedField bwd,
      HoughMaps hough, RefinedField refinedLong) {
    double[] vec = new double[2];
    double bridge = refinedLong == null ? 0 : config.bridgeThreshold();
    int numK = maps.numKeypoints();
    Grid grid = maps.grid();
    double maxX = grid.maxX(), maxY = grid.maxY();
    double r2 = config.nmsRadius() * config.nmsRadius();
    Skeleton skeleton = config.skeleton();
    List<Pose> poses = new ArrayList<>();
    int[] stack = new int[numK];
    boolean[] placed = new boolean[numK];
    int[] anchor = new int[numK]; // nearest supported keypoint on the path from the seed
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
      double[] presence = new double[numK];
      Arrays.fill(placed, false);
      x[k] = sx;
      y[k] = sy;
      placed[k] = true;
      presence[k] = maps.heatmap(k, sx, sy);
      anchor[k] = k;
      int top = 0;
      stack[top++] = k;
      while (top > 0) {
        int a = stack[--top];
        boolean supported = presence[a] >= bridge;
        for (int code : adjacency[a]) {
          int e = Math.abs(code) - 1;
          boolean forward = code > 0;
          int b = forward ? skeleton.child(e) : skeleton.parent(e);
          if (placed[b]) {
            continue;
          }
          if (supported) {
            (forward ? fwd : bwd).sample(e, x[a], y[a], vec);
            x[b] = clamp(x[a] + vec[1], maxX);
            y[b] = clamp(y[a] + vec[0], maxY);
          } else {
            int s0 = bridgeSource(x, y, presence, placed, bridge, refinedLong);
            if (s0 < 0) {
              s0 = anchor[a]; // no trustworthy source: b collapses onto the anchor, unsupported
              x[b] = x[s0];
              y[b] = y[s0];
            } else {
              refinedLong.sample(b, x[s0], y[s0], vec);
              x[b] = clamp(x[s0] + vec[1], maxX);
              y[b] = clamp(y[s0] + vec[0], maxY);
            }
          }
          placed[b] = true;
          presence[b] = maps.heatmap(b, x[b], y[b]);
          anchor[b] = presence[b] >= bridge ? b : anchor[a];
          stack[top++] = b;
        }
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

  /**
   * The supported keypoint whose long-range offsets best agree with the supported keypoints
   * placed so far (eq. 6's distance at its position, at most the bridge distance), or -1. A
   * keypoint lying where people overlap would otherwise lend its neighbour's offsets.
   */
  private int bridgeSource(double[] x, double[] y, double[] presence, boolean[] placed,
      double bridge, RefinedField refinedLong) {
    double[] v = new double[2];
    int numK = x.length;
    double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
    double y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < numK; k++) {
      if (placed[k] && presence[k] >= bridge) {
        x0 = Math.min(x0, x[k]);
        x1 = Math.max(x1, x[k]);
        y0 = Math.min(y0, y[k]);
        y1 = Math.max(y1, y[k]);
      }
    }
    double lambda = Math.max(config.discRadius(), Math.sqrt((x1 - x0) * (y1 - y0)));
    int best = -1;
    double bestD = config.bridgeMaxDistance();
    for (int s = 0; s < numK; s++) {
      if (!placed[s] || presence[s] < bridge) {
        continue;
      }
      double sum = 0, weight = 0;
      for (int k = 0; k < numK; k++) {
        if (!placed[k] || presence[k] < bridge) {
          continue;
        }
        refinedLong.sample(k, x[s], y[s], v);
        double ex = x[s] + v[1] - x[k];
        double ey = y[s] + v[0] - y[k];
        sum += presence[k] * Math.sqrt(ex * ex + ey * ey);
        weight += presence[k];
      }
      double d = sum / (weight * lambda);
      if (d <= bestD) {
        bestD = d;
        best = s;
      }
    }
    return best;
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

  private static double clamp(double v, double max) {
    return v < 0 ? 0 : (v > max ? max : v);
  }
}
