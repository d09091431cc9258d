package io.personlab.jobs.evaluate;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.coco.Segmentation;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * COCO records as compact bytes for the co-group's shuffle: a byte array is a single write for
 * any Spark serializer, where a record with arrays costs Java serialization a reflective object
 * graph each (and Kryo cannot build records at all). Doubles are stored as their bits: exact.
 */
final class RecordCodec {
  private RecordCodec() {}

  /** A growable big-endian buffer. */
  static final class Out {
    private ByteBuffer b = ByteBuffer.allocate(256);

    private void room(int n) {
      if (b.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n));
        b.flip();
        bigger.put(b);
        b = bigger;
      }
    }

    Out i(int v) {
      room(4);
      b.putInt(v);
      return this;
    }

    Out l(long v) {
      room(8);
      b.putLong(v);
      return this;
    }

    Out d(double v) {
      room(8);
      b.putDouble(v);
      return this;
    }

    Out doubles(double[] v) {
      if (v == null) {
        return i(-1);
      }
      i(v.length);
      room(8 * v.length);
      b.asDoubleBuffer().put(v);
      b.position(b.position() + 8 * v.length);
      return this;
    }

    Out ints(int[] v) {
      i(v.length);
      room(4 * v.length);
      b.asIntBuffer().put(v);
      b.position(b.position() + 4 * v.length);
      return this;
    }

    Out longs(long[] v) {
      i(v.length);
      room(8 * v.length);
      b.asLongBuffer().put(v);
      b.position(b.position() + 8 * v.length);
      return this;
    }

    Out raw(byte[] v) {
      i(v.length);
      room(v.length);
      b.put(v);
      return this;
    }

    Out s(String v) {
      if (v == null) {
        return i(-1);
      }
      byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
      i(bytes.length);
      room(bytes.length);
      b.put(bytes);
      return this;
    }

    byte[] bytes() {
      return Arrays.copyOf(b.array(), b.position());
    }
  }

  static double[] doubles(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0) {
      return null;
    }
    double[] v = new double[n];
    in.asDoubleBuffer().get(v);
    in.position(in.position() + 8 * n);
    return v;
  }

  static long[] longs(ByteBuffer in) {
    long[] v = new long[in.getInt()];
    in.asLongBuffer().get(v);
    in.position(in.position() + 8 * v.length);
    return v;
  }

  static byte[] raw(ByteBuffer in) {
    byte[] v = new byte[in.getInt()];
    in.get(v);
    return v;
  }

  static int[] ints(ByteBuffer in) {
    int[] v = new int[in.getInt()];
    in.asIntBuffer().get(v);
    in.position(in.position() + 4 * v.length);
    return v;
  }

  static String string(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0) {
      return null;
    }
    String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
    in.position(in.position() + n);
    return s;
  }

  private static void segmentation(Out out, Segmentation s) {
    if (s == null) {
      out.i(0);
    } else if (s instanceof Segmentation.PolygonList p) {
      out.i(1).i(p.polygons().size());
      for (double[] poly : p.polygons()) {
        out.doubles(poly);
      }
    } else if (s instanceof Segmentation.UncompressedRle u) {
      out.i(2).i(u.height()).i(u.width()).ints(u.counts());
    } else if (s instanceof Segmentation.CompressedRle c) {
      out.i(3).i(c.height()).i(c.width()).s(c.counts());
    }
  }

  private static Segmentation segmentation(ByteBuffer in) {
    switch (in.getInt()) {
      case 0:
        return null;
      case 1: {
        int n = in.getInt();
        List<double[]> polygons = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          polygons.add(doubles(in));
        }
        return new Segmentation.PolygonList(List.copyOf(polygons));
      }
      case 2:
        return new Segmentation.UncompressedRle(in.getInt(), in.getInt(), ints(in));
      case 3:
        return new Segmentation.CompressedRle(in.getInt(), in.getInt(), string(in));
      default:
        throw new IllegalStateException("corrupt segmentation encoding");
    }
  }

  static byte[] image(CocoImage i) {
    return new Out().i(IMAGE).l(i.id()).i(i.width()).i(i.height()).s(i.fileName()).bytes();
  }

  static CocoImage image(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    in.getInt();
    return new CocoImage(in.getLong(), in.getInt(), in.getInt(), string(in));
  }

  /** Every encoding starts with its kind, so that one shuffle carries them all. */
  static final int ANNOTATION = 1, ANNOTATION_ID = 2, IMAGE = 3, PREDICTION = 4;

  static int kind(byte[] bytes) {
    return ByteBuffer.wrap(bytes).getInt();
  }

  /** An annotation, for the group of its image. */
  static byte[] annotation(CocoAnnotation a) {
    Out out = new Out().i(ANNOTATION).i(a.index()).l(a.id()).l(a.imageId()).l(a.categoryId()).d(a.area())
        .i(a.crowd() ? 1 : 0).doubles(a.bbox()).doubles(a.keypoints()).i(a.numKeypoints());
    segmentation(out, a.segmentation());
    return out.bytes();
  }

  /** An annotation's id (the group's key) and image, for the group keyed by that id. */
  static byte[] annotationId(CocoAnnotation a) {
    return new Out().i(ANNOTATION_ID).l(a.imageId()).bytes();
  }

  static CocoAnnotation annotation(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (in.getInt() != ANNOTATION) {
      throw new IllegalArgumentException("not an annotation");
    }
    return new CocoAnnotation(in.getInt(), in.getLong(), in.getLong(), in.getLong(), in.getDouble(),
        in.getInt() != 0, doubles(in), doubles(in), in.getInt(), segmentation(in));
  }

  /** A prediction of prediction set {@code set}: a result, or an unreadable record's message. */
  static byte[] prediction(int set, CocoSources.Prediction p) {
    Out out = new Out().i(PREDICTION).i(set);
    CocoResult r = p.result();
    if (r == null) {
      return out.i(0).s(p.error()).bytes();
    }
    out.i(1).i(r.index()).l(r.imageId()).l(r.categoryId()).d(r.score()).doubles(r.bbox())
        .doubles(r.keypoints());
    segmentation(out, r.segmentation());
    return out.bytes();
  }

  static int predictionSet(byte[] bytes) {
    return ByteBuffer.wrap(bytes).getInt(4);
  }

  static CocoSources.Prediction prediction(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    in.getInt();
    in.getInt();
    if (in.getInt() == 0) {
      return new CocoSources.Prediction(null, string(in));
    }
    return new CocoSources.Prediction(new CocoResult(in.getInt(), in.getLong(), in.getLong(),
        in.getDouble(), doubles(in), doubles(in), segmentation(in)), null);
  }
}
