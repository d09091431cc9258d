package io.personlab.rle;

import java.util.Arrays;

/**
 * A COCO run-length encoded binary mask, exactly as pycocotools' maskApi.c holds it: the image is
 * read in column-major order (x-major: all rows of column 0, then column 1, ...) and
 * {@code counts} alternate background and foreground runs, starting with background (a mask that
 * starts with foreground has a leading 0 count). Counts are unsigned 32-bit in C; they are kept in
 * an int[] and treated as non-negative, which holds for any image under 2^31 pixels.
 *
 * <p>Immutable by convention: the counts array is never modified after construction.
 */
public record Rle(int height, int width, int[] counts) {

  public Rle {
    if (height < 0 || width < 0) {
      throw new IllegalArgumentException("negative RLE size " + height + "x" + width);
    }
    if (counts == null) {
      throw new IllegalArgumentException("RLE counts are null");
    }
  }

  /** An all-background mask of the given size. */
  public static Rle empty(int height, int width) {
    return new Rle(height, width, height * width == 0 ? new int[0] : new int[] {height * width});
  }

  /**
   * Encodes a binary mask given in column-major order (index {@code x * height + y}), any nonzero
   * byte being foreground. Same runs as maskApi.c rleEncode.
   */
  public static Rle encode(byte[] columnMajorMask, int height, int width) {
    int area = height * width;
    if (columnMajorMask.length < area) {
      throw new IllegalArgumentException(
          "mask has " + columnMajorMask.length + " pixels, expected " + area);
    }
    int runs = 0;
    boolean previous = false;
    for (int j = 0; j < area; j++) {
      boolean v = columnMajorMask[j] != 0;
      if (v != previous) {
        runs++;
        previous = v;
      }
    }
    int[] counts = new int[runs + 1];
    int k = 0;
    int c = 0;
    previous = false;
    for (int j = 0; j < area; j++) {
      boolean v = columnMajorMask[j] != 0;
      if (v != previous) {
        counts[k++] = c;
        c = 0;
        previous = v;
      }
      c++;
    }
    counts[k] = c;
    return new Rle(height, width, counts);
  }

  /**
   * Encodes a binary mask given in row-major order (index {@code y * width + x}), the layout of
   * images and network maps, without transposing it first.
   */
  public static Rle encodeRowMajor(byte[] rowMajorMask, int height, int width) {
    int area = height * width;
    if (rowMajorMask.length < area) {
      throw new IllegalArgumentException(
          "mask has " + rowMajorMask.length + " pixels, expected " + area);
    }
    IntList counts = new IntList(16);
    boolean previous = false;
    int c = 0;
    for (int x = 0; x < width; x++) {
      for (int y = 0, i = x; y < height; y++, i += width) {
        boolean v = rowMajorMask[i] != 0;
        if (v != previous) {
          counts.add(c);
          c = 0;
          previous = v;
        }
        c++;
      }
    }
    counts.add(c);
    return new Rle(height, width, counts.toArray());
  }

  /** Decodes into a column-major mask of 0/1 bytes (maskApi.c rleDecode). */
  public byte[] decode() {
    byte[] mask = new byte[height * width];
    decodeInto(mask);
    return mask;
  }

  /** Decodes into {@code columnMajorMask}, which must hold at least height*width bytes. */
  public void decodeInto(byte[] columnMajorMask) {
    int p = 0;
    byte v = 0;
    for (int count : counts) {
      if (v != 0) {
        Arrays.fill(columnMajorMask, p, p + count, (byte) 1);
      } else {
        Arrays.fill(columnMajorMask, p, p + count, (byte) 0);
      }
      p += count;
      v = (byte) (1 - v);
    }
  }

  /** Number of foreground pixels (maskApi.c rleArea: the sum of the odd runs). */
  public long area() {
    long a = 0;
    for (int j = 1; j < counts.length; j += 2) {
      a += Integer.toUnsignedLong(counts[j]);
    }
    return a;
  }

  /**
   * The bounding box [x, y, w, h] exactly as maskApi.c rleToBbox computes it, including its
   * quirk that a run crossing a column boundary makes the box span the full height.
   */
  public double[] toBbox() {
    double[] bb = new double[4];
    toBbox(bb, 0);
    return bb;
  }

  /** Writes the box into {@code out[offset..offset+3]}. */
  public void toBbox(double[] out, int offset) {
    int h = height;
    int m = (counts.length / 2) * 2;
    if (m == 0 || h == 0) {
      out[offset] = out[offset + 1] = out[offset + 2] = out[offset + 3] = 0;
      return;
    }
    // Runs in pairs: a foreground run starts at position cc and ends at cc + run - 1.
    // Positions stay below height*width, which fits an int for any real image.
    int xs = width, ys = h, xe = 0, ye = 0, cc = 0;
    for (int j = 0; j < m; j += 2) {
      cc += counts[j];
      int x = cc / h;
      int y = cc - x * h;
      int xp = x;
      xs = Math.min(xs, x);
      xe = Math.max(xe, x);
      ys = Math.min(ys, y);
      ye = Math.max(ye, y);
      cc += counts[j + 1];
      int t = cc - 1;
      x = t / h;
      y = t - x * h;
      if (xp < x) { // the run wraps into a further column: full height
        ys = 0;
        ye = h - 1;
      }
      xs = Math.min(xs, x);
      xe = Math.max(xe, x);
      ys = Math.min(ys, y);
      ye = Math.max(ye, y);
    }
    out[offset] = xs;
    out[offset + 2] = xe - xs + 1;
    out[offset + 1] = ys;
    out[offset + 3] = ye - ys + 1;
  }

  /** The compressed {@code counts} string pycocotools writes (see {@link RleStrings}). */
  public String toCompressedString() {
    return RleStrings.compress(counts);
  }

  /** Parses a pycocotools compressed {@code counts} string for a mask of the given size. */
  public static Rle fromCompressedString(String counts, int height, int width) {
    return new Rle(height, width, RleStrings.decompress(counts));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rle r
        && r.height == height
        && r.width == width
        && Arrays.equals(r.counts, counts);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * height + width) + Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return "Rle[" + height + "x" + width + ", " + counts.length + " runs, area " + area() + "]";
  }
}
