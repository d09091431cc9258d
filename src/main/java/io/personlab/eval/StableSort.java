package io.personlab.eval;

/**
 * Stable argsort by descending value on primitives: numpy's argsort(-x, kind='mergesort'), the
 * order pycocotools ranks detections in (equal scores keep their input order).
 */
final class StableSort {
  private StableSort() {}

  static int[] descending(double[] values) {
    int n = values.length;
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    if (n < 2) {
      return idx;
    }
    int[] tmp = new int[n];
    mergeSort(values, idx, tmp, 0, n);
    return idx;
  }

  private static void mergeSort(double[] v, int[] a, int[] tmp, int lo, int hi) {
    if (hi - lo <= 16) {
      for (int i = lo + 1; i < hi; i++) {
        int x = a[i];
        double xv = v[x];
        int j = i - 1;
        while (j >= lo && v[a[j]] < xv) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = x;
      }
      return;
    }
    int mid = (lo + hi) >>> 1;
    mergeSort(v, a, tmp, lo, mid);
    mergeSort(v, a, tmp, mid, hi);
    if (!(v[a[mid - 1]] < v[a[mid]])) {
      return; // already in order
    }
    System.arraycopy(a, lo, tmp, lo, hi - lo);
    int i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
      // take from the right only when strictly greater: ties keep input order
      if (v[tmp[j]] > v[tmp[i]]) {
        a[k++] = tmp[j++];
      } else {
        a[k++] = tmp[i++];
      }
    }
    while (i < mid) {
      a[k++] = tmp[i++];
    }
    while (j < hi) {
      a[k++] = tmp[j++];
    }
  }
}
