package io.personlab.maps;

/**
 * How a network packs n 2-D vectors into 2n channels. BodyPix and PoseNet emit all y components
 * first, then all x components ({@link #Y_THEN_X}).
 */
public enum ChannelLayout {
  /** channel c = y of vector c, channel n + c = x of vector c (BodyPix, PoseNet). */
  Y_THEN_X,
  /** channel c = x of vector c, channel n + c = y of vector c. */
  X_THEN_Y,
  /** channels (y0, x0, y1, x1, ...). */
  INTERLEAVED_YX,
  /** channels (x0, y0, x1, y1, ...). */
  INTERLEAVED_XY;

  public int yChannel(int vector, int count) {
    return switch (this) {
      case Y_THEN_X -> vector;
      case X_THEN_Y -> count + vector;
      case INTERLEAVED_YX -> 2 * vector;
      case INTERLEAVED_XY -> 2 * vector + 1;
    };
  }

  public int xChannel(int vector, int count) {
    return switch (this) {
      case Y_THEN_X -> count + vector;
      case X_THEN_Y -> vector;
      case INTERLEAVED_YX -> 2 * vector + 1;
      case INTERLEAVED_XY -> 2 * vector;
    };
  }
}
