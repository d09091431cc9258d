package io.personlab.maps;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * How much each network of an ensemble counts, per head: {@code weight(head, model)}. Parsed from
 * {@code "0.5,0.5"} (every head) optionally followed by per-head overrides,
 * {@code "0.5,0.5;heatmaps=0.7,0.3;segmentation=0,1"}. Weights are normalised per head
 * over the networks that have the head (PoseNet has no segmentation or long-range offsets), so a
 * head one network lacks comes from the others.
 */
public record EnsembleWeights(Map<Head, double[]> weights) implements java.io.Serializable {

  /** The map heads that can be weighted; mid covers both directions of the mid-range offsets. */
  public enum Head {
    HEATMAPS("heatmaps"), SHORT("short"), MID("mid"), SEGMENTATION("segmentation"), LONG("long");

    final String key;

    Head(String key) {
      this.key = key;
    }

    static Head of(String key) {
      for (Head h : values()) {
        if (h.key.equals(key)) {
          return h;
        }
      }
      throw new IllegalArgumentException("unknown head " + key + " (heatmaps, short, mid, segmentation, long)");
    }
  }

  public EnsembleWeights {
    EnumMap<Head, double[]> copy = new EnumMap<>(Head.class);
    int n = -1;
    for (Head h : Head.values()) {
      double[] w = weights.get(h);
      if (w == null) {
        throw new IllegalArgumentException("no weights for head " + h.key);
      }
      if (n >= 0 && w.length != n) {
        throw new IllegalArgumentException("head " + h.key + " has " + w.length + " weights, others " + n);
      }
      n = w.length;
      for (double v : w) {
        if (!(v >= 0) || Double.isInfinite(v)) {
          throw new IllegalArgumentException("weights must be finite and non-negative: " + Arrays.toString(w));
        }
      }
      copy.put(h, w.clone());
    }
    weights = java.util.Collections.unmodifiableMap(copy);
  }

  /** Equal weights for n networks. */
  public static EnsembleWeights equal(int n) {
    double[] w = new double[n];
    Arrays.fill(w, 1);
    EnumMap<Head, double[]> m = new EnumMap<>(Head.class);
    for (Head h : Head.values()) {
      m.put(h, w);
    }
    return new EnsembleWeights(m);
  }

  public static EnsembleWeights parse(String spec, int n) {
    EnsembleWeights base = equal(n);
    EnumMap<Head, double[]> m = new EnumMap<>(base.weights());
    for (String part : spec.split(";")) {
      part = part.trim();
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      double[] w = Arrays.stream(part.substring(eq + 1).split(",")).map(String::trim)
          .mapToDouble(Double::parseDouble).toArray();
      if (w.length != n) {
        throw new IllegalArgumentException("model weights " + part + ": " + w.length + " values for " + n + " models");
      }
      if (eq < 0) {
        for (Head h : Head.values()) {
          m.put(h, w);
        }
      } else {
        m.put(Head.of(part.substring(0, eq).trim()), w);
      }
    }
    return new EnsembleWeights(m);
  }

  public int models() {
    return weights.get(Head.HEATMAPS).length;
  }

  public double weight(Head head, int model) {
    return weights.get(head)[model];
  }

  /** The canonical text of these weights (what enters a configuration's identity). */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Head h : Head.values()) {
      b.append(b.length() == 0 ? "" : ";").append(h.key).append('=');
      double[] w = weights.get(h);
      for (int i = 0; i < w.length; i++) {
        b.append(i == 0 ? "" : ",").append(w[i]);
      }
    }
    return b.toString();
  }
}
