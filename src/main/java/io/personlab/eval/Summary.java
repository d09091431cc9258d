package io.personlab.eval;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * pycocotools' summarize(): the 12 (segm, bbox) or 10 (keypoints) headline numbers and the lines
 * it prints, character for character.
 */
public record Summary(IouType iouType, double[] stats, List<String> lines) {

  /** The stats' names, in order: "AP@[.50:.95|all|20]" for AP at IoU .50:.95, all areas, maxDets 20. */
  public List<String> labels() {
    List<String> keypoints = List.of("AP@[.50:.95|all|20]", "AP@.50|all|20", "AP@.75|all|20",
        "AP@[.50:.95|medium|20]", "AP@[.50:.95|large|20]", "AR@[.50:.95|all|20]", "AR@.50|all|20",
        "AR@.75|all|20", "AR@[.50:.95|medium|20]", "AR@[.50:.95|large|20]");
    List<String> masks = List.of("AP@[.50:.95|all|100]", "AP@.50|all|100", "AP@.75|all|100",
        "AP@[.50:.95|small|100]", "AP@[.50:.95|medium|100]", "AP@[.50:.95|large|100]",
        "AR@[.50:.95|all|1]", "AR@[.50:.95|all|10]", "AR@[.50:.95|all|100]",
        "AR@[.50:.95|small|100]", "AR@[.50:.95|medium|100]", "AR@[.50:.95|large|100]");
    return iouType == IouType.KEYPOINTS ? keypoints : masks;
  }

  public static Summary of(Accumulation acc) {
    EvalParams p = acc.params();
    List<String> lines = new ArrayList<>();
    double[] stats;
    if (p.iouType() == IouType.KEYPOINTS) {
      stats = new double[] {
        one(acc, true, null, "all", 20, lines),
        one(acc, true, .5, "all", 20, lines),
        one(acc, true, .75, "all", 20, lines),
        one(acc, true, null, "medium", 20, lines),
        one(acc, true, null, "large", 20, lines),
        one(acc, false, null, "all", 20, lines),
        one(acc, false, .5, "all", 20, lines),
        one(acc, false, .75, "all", 20, lines),
        one(acc, false, null, "medium", 20, lines),
        one(acc, false, null, "large", 20, lines),
      };
    } else {
      int[] md = p.maxDets();
      if (md.length < 3) {
        throw new IllegalArgumentException("the segm/bbox summary needs 3 maxDets");
      }
      stats = new double[] {
        one(acc, true, null, "all", 100, lines),
        one(acc, true, .5, "all", md[2], lines),
        one(acc, true, .75, "all", md[2], lines),
        one(acc, true, null, "small", md[2], lines),
        one(acc, true, null, "medium", md[2], lines),
        one(acc, true, null, "large", md[2], lines),
        one(acc, false, null, "all", md[0], lines),
        one(acc, false, null, "all", md[1], lines),
        one(acc, false, null, "all", md[2], lines),
        one(acc, false, null, "small", md[2], lines),
        one(acc, false, null, "medium", md[2], lines),
        one(acc, false, null, "large", md[2], lines),
      };
    }
    return new Summary(p.iouType(), stats, List.copyOf(lines));
  }

  /** pycocotools' _summarize: mean of the entries > -1 over the selected slice, else -1. */
  private static double one(Accumulation acc, boolean ap, Double iouThr, String areaLabel,
      int maxDets, List<String> lines) {
    EvalParams p = acc.params();
    double[] thr = p.iouThrs();
    int T = thr.length, R = p.recThrs().length, K = acc.numCategories();
    List<Integer> ts = new ArrayList<>();
    for (int t = 0; t < T; t++) {
      if (iouThr == null || thr[t] == iouThr) {
        ts.add(t);
      }
    }
    List<Integer> as = indicesOf(p.areaLabels(), areaLabel);
    List<Integer> ms = new ArrayList<>();
    for (int m = 0; m < p.maxDets().length; m++) {
      if (p.maxDets()[m] == maxDets) {
        ms.add(m);
      }
    }
    // Values in numpy's C order of s[t][r][k][a][m] (ap) or s[t][k][a][m] (ar).
    double[] values = new double[Math.max(1, ts.size() * R * K * as.size() * ms.size())];
    int n = 0;
    for (int t : ts) {
      if (ap) {
        for (int r = 0; r < R; r++) {
          for (int k = 0; k < K; k++) {
            for (int a : as) {
              for (int m : ms) {
                double v = acc.precision(t, r, k, a, m);
                if (v > -1) {
                  values[n++] = v;
                }
              }
            }
          }
        }
      } else {
        for (int k = 0; k < K; k++) {
          for (int a : as) {
            for (int m : ms) {
              double v = acc.recall(t, k, a, m);
              if (v > -1) {
                values[n++] = v;
              }
            }
          }
        }
      }
    }
    double mean = n == 0 ? -1 : NumpyMath.mean(values, n);
    String iouStr = iouThr == null
        ? fixed(thr[0], 2) + ":" + fixed(thr[T - 1], 2)
        : fixed(iouThr, 2);
    lines.add(String.format(Locale.ROOT, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %s",
        ap ? "Average Precision" : "Average Recall", ap ? "(AP)" : "(AR)", iouStr, areaLabel,
        maxDets, fixed(mean, 3)));
    return mean;
  }

  private static List<Integer> indicesOf(String[] labels, String label) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < labels.length; i++) {
      if (labels[i].equals(label)) {
        out.add(i);
      }
    }
    return out;
  }

  /** Python's '{:0.Nf}': correctly rounded from the exact binary value, ties to even. */
  static String fixed(double v, int decimals) {
    return new BigDecimal(v).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
  }
}
