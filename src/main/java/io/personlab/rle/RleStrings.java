package io.personlab.rle;

/**
 * pycocotools' compressed RLE strings (maskApi.c rleToString / rleFrString): each count, after
 * the third minus the count two places earlier, written as a LEB128-like sequence of 5-bit
 * groups in ASCII characters 48..111, bit 0x20 meaning "more follows" and bit 0x10 of the last
 * group carrying the sign.
 */
public final class RleStrings {
  private RleStrings() {}

  public static String compress(int[] counts) {
    StringBuilder s = new StringBuilder(counts.length * 2 + 2);
    for (int i = 0; i < counts.length; i++) {
      long x = Integer.toUnsignedLong(counts[i]);
      if (i > 2) {
        x -= Integer.toUnsignedLong(counts[i - 2]);
      }
      boolean more = true;
      while (more) {
        int c = (int) (x & 0x1f);
        x >>= 5;
        more = (c & 0x10) != 0 ? x != -1 : x != 0;
        if (more) {
          c |= 0x20;
        }
        s.append((char) (c + 48));
      }
    }
    return s.toString();
  }

  /**
   * Parses a compressed string. Throws IllegalArgumentException naming the offset for characters
   * outside 48..111, a string cut in the middle of a count, or a negative run.
   */
  public static int[] decompress(String s) {
    int n = s.length();
    int[] counts = new int[n];
    int m = 0;
    int p = 0;
    while (p < n) {
      long x = 0;
      int k = 0;
      boolean more = true;
      while (more) {
        if (p >= n) {
          throw new IllegalArgumentException("RLE string ends inside a count at offset " + p);
        }
        int c = s.charAt(p) - 48;
        if (c < 0 || c > 63) {
          throw new IllegalArgumentException(
              "RLE string has character '" + s.charAt(p) + "' at offset " + p
                  + " (allowed: '0'..'o')");
        }
        x |= (long) (c & 0x1f) << (5 * k);
        more = (c & 0x20) != 0;
        p++;
        k++;
        if (!more && (c & 0x10) != 0) {
          x |= -1L << (5 * k);
        }
        if (k > 12) {
          throw new IllegalArgumentException("RLE string has a count over 60 bits at offset " + p);
        }
      }
      if (m > 2) {
        x += Integer.toUnsignedLong(counts[m - 2]);
      }
      if (x < 0 || x > 0xFFFFFFFFL) {
        throw new IllegalArgumentException("RLE string decodes to run " + x + " at count " + m);
      }
      counts[m++] = (int) x;
    }
    return java.util.Arrays.copyOf(counts, m);
  }
}
