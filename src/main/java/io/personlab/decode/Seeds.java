package io.personlab.decode;

import java.util.Arrays;

/**
 * The decoder's priority queue: local maxima of every h_k above the seed threshold, one queue
 * for all keypoint types, in descending score (ties: keypoint type, then position, so the
 * order is deterministic). Nothing is pushed after construction, so a sorted array serves.
 */
public final class Seeds {
  private final int size;
  private final int[] keypoint;
  private final double[] x;
  private final double[] y;
  private final double[] score;

  private Seeds(int size, int[] keypoint, double[] x, double[] y, double[] score) {
    this.size = size;
    this.keypoint = keypoint;
    this.x = x;
    this.y = y;
    this.score = score;
  }

  public static Seeds find(HoughMaps h, DecoderConfig config) {
    int w = h.width(), hh = h.height(), rad = config.localMaximumRadius();
    float[] s = h.scores();
    int plane = w * hh;
    float threshold = (float) config.seedThreshold();
    int n = 0;
    int[] kk = new int[64];
    int[] pos = new int[64];
    for (int k = 0; k < h.numKeypoints(); k++) {
      int base = k * plane;
      for (int yy = 0; yy < hh; yy++) {
        for (int xx = 0; xx < w; xx++) {
          float v = s[base + yy * w + xx];
          if (!(v > threshold) || !isLocalMaximum(s, base, w, hh, xx, yy, v, rad)) {
            continue;
          }
          if (n == kk.length) {
            kk = Arrays.copyOf(kk, n * 2);
            pos = Arrays.copyOf(pos, n * 2);
          }
          kk[n] = k;
          pos[n] = yy * w + xx;
          n++;
        }
      }
    }
    // Sort by score descending, the scan order (k, position) breaking ties: scores are positive
    // floats, whose bit patterns order like the values, so one primitive long sort does it.
    long[] keys = new long[n];
    double[] scores = new double[n];
    for (int i = 0; i < n; i++) {
      float v = s[kk[i] * plane + pos[i]];
      scores[i] = v;
      keys[i] = ((long) (Integer.MAX_VALUE - Float.floatToIntBits(v)) << 32) | i;
    }
    Arrays.sort(keys);
    int m = Math.min(n, config.maxSeeds());
    int[] outK = new int[m];
    double[] outX = new double[m], outY = new double[m], outS = new double[m];
    double cell = h.cellSize();
    for (int j = 0; j < m; j++) {
      int i = (int) keys[j];
      int k = kk[i];
      int px = pos[i] % w;
      int py = pos[i] / w;
      double cx = px, cy = py;
      if (config.refineSeedPeaks()) {
        double sum = 0, sx = 0, sy = 0;
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            int qx = px + dx, qy = py + dy;
            if (qx < 0 || qy < 0 || qx >= w || qy >= hh) {
              continue;
            }
            double v = s[k * plane + qy * w + qx];
            sum += v;
            sx += v * qx;
            sy += v * qy;
          }
        }
        if (sum > 0) {
          cx = sx / sum;
          cy = sy / sum;
        }
      }
      outK[j] = k;
      outX[j] = cx * cell;
      outY[j] = cy * cell;
      outS[j] = scores[i];
    }
    return new Seeds(m, outK, outX, outY, outS);
  }

  private static boolean isLocalMaximum(float[] s, int base, int w, int h, int x, int y, float v, int rad) {
    int y0 = Math.max(0, y - rad), y1 = Math.min(h - 1, y + rad);
    int x0 = Math.max(0, x - rad), x1 = Math.min(w - 1, x + rad);
    for (int yy = y0; yy <= y1; yy++) {
      int row = base + yy * w;
      for (int xx = x0; xx <= x1; xx++) {
        if (s[row + xx] > v) {
          return false;
        }
      }
    }
    return true;
  }

  public int size() {
    return size;
  }

  public int keypoint(int i) {
    return keypoint[i];
  }

  public double x(int i) {
    return x[i];
  }

  public double y(int i) {
    return y[i];
  }

  public double score(int i) {
    return score[i];
  }
}
