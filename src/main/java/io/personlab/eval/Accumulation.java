package io.personlab.eval;

/**
 * pycocotools' accumulate() output: precision[T][R][K][A][M] and recall[T][K][A][M] flattened in
 * C order, -1 where a setting has no ground truth.
 */
public record Accumulation(EvalParams params, int numCategories, double[] precision, double[] recall)
    implements java.io.Serializable {

  public int precisionIndex(int t, int r, int k, int a, int m) {
    int R = params.recThrs().length, A = params.areaRanges().length, M = params.maxDets().length;
    return (((t * R + r) * numCategories + k) * A + a) * M + m;
  }

  public int recallIndex(int t, int k, int a, int m) {
    int A = params.areaRanges().length, M = params.maxDets().length;
    return ((t * numCategories + k) * A + a) * M + m;
  }

  public double precision(int t, int r, int k, int a, int m) {
    return precision[precisionIndex(t, r, k, a, m)];
  }

  public double recall(int t, int k, int a, int m) {
    return recall[recallIndex(t, k, a, m)];
  }
}
