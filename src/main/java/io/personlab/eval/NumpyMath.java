package io.personlab.eval;

/**
 * The few numpy operations whose exact rounding the COCO numbers depend on. Sums use numpy's
 * pairwise summation (blocks of 8 accumulators, split above 128 values), so that means and OKS
 * sums equal pycocotools' to the last bit rather than to 1e-15.
 */
final class NumpyMath {
  /** np.spacing(1): the eps pycocotools adds to denominators. */
  static final double EPS = Math.ulp(1.0);

  private NumpyMath() {}

  /** numpy's float64 add.reduce over a[off .. off+n). */
  static double sum(double[] a, int off, int n) {
    if (n < 8) {
      double res = 0.;
      for (int i = 0; i < n; i++) {
        res += a[off + i];
      }
      return res;
    } else if (n <= 128) {
      double r0 = a[off], r1 = a[off + 1], r2 = a[off + 2], r3 = a[off + 3];
      double r4 = a[off + 4], r5 = a[off + 5], r6 = a[off + 6], r7 = a[off + 7];
      int i;
      for (i = 8; i < n - (n % 8); i += 8) {
        r0 += a[off + i];
        r1 += a[off + i + 1];
        r2 += a[off + i + 2];
        r3 += a[off + i + 3];
        r4 += a[off + i + 4];
        r5 += a[off + i + 5];
        r6 += a[off + i + 6];
        r7 += a[off + i + 7];
      }
      double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
      for (; i < n; i++) {
        res += a[off + i];
      }
      return res;
    } else {
      int n2 = n / 2;
      n2 -= n2 % 8;
      return sum(a, off, n2) + sum(a, off + n2, n - n2);
    }
  }

  /** np.mean of the n first values (0.0 + pairwise sum, divided by n). */
  static double mean(double[] a, int n) {
    return (0.0 + sum(a, 0, n)) / n;
  }

  /** np.linspace(start, stop, num) with endpoint, value by value as numpy computes it. */
  static double[] linspace(double start, double stop, int num) {
    double[] y = new double[num];
    int div = num - 1;
    double step = (stop - start) / div;
    for (int i = 0; i < num; i++) {
      y[i] = i * step + start;
    }
    if (num > 1) {
      y[num - 1] = stop;
    }
    return y;
  }
}
