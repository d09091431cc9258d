package io.personlab.rle;

import java.util.Arrays;

/**
 * Builds an RLE from pixels or runs given in column-major order, merging equal neighbours, so a
 * mask can be encoded straight from where it is computed without materialising the image.
 */
public final class RunBuilder {
  private final int height;
  private final int width;
  private int[] counts = new int[32];
  private int size = 1; // counts[0] is the current (background-first) run
  private boolean current;
  private long written;

  public RunBuilder(int height, int width) {
    this.height = height;
    this.width = width;
  }

  /** Appends {@code length} pixels of one value. */
  public void append(boolean value, int length) {
    if (length <= 0) {
      return;
    }
    if (value != current) {
      if (size == counts.length) {
        counts = Arrays.copyOf(counts, size * 2);
      }
      counts[size++] = 0;
      current = value;
    }
    counts[size - 1] += length;
    written += length;
  }

  /** The mask; pixels not written are background. */
  public Rle build() {
    long total = (long) height * width;
    if (written > total) {
      throw new IllegalStateException("wrote " + written + " pixels into a " + height + "x" + width + " mask");
    }
    append(false, (int) (total - written));
    int n = size;
    if (n > 1 && counts[n - 1] == 0) {
      n--;
    }
    return new Rle(height, width, Arrays.copyOf(counts, n));
  }
}
