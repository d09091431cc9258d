package io.personlab.jobs.evaluate;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Counts of one prediction set over the images, merged with Spark's aggregate (results, not
 * accumulators: a retried task is not counted twice). {@code npig} and {@code present} are what
 * the accumulation needs; the rest is for the user.
 */
final class Totals implements Serializable {
  private static final long serialVersionUID = 1L;
  static final int EXAMPLES = 5;

  /** Why a prediction was left out (lenient mode only; otherwise the job stops). */
  enum Skip {
    UNREADABLE,
    ABSENT_IMAGE
  }

  /** Non-ignored ground truths per (category, area range). */
  final long[] npig;
  /** Per category, whether any image has ground truth or detections in it. */
  final boolean[] present;
  long images;
  long gtAnnotations;
  /** Ground-truth annotations of an image or category the file does not list (not evaluated). */
  long gtOutside;
  long predictions;
  /** Detections kept after each image's maxDets cut. */
  long kept;
  /** Predictions of a category the ground truth does not list (not evaluated, as pycocotools). */
  long otherCategory;
  // made on the first skip: one image's Totals is cached with it, so it stays small
  private Map<Skip, Long> skipped;
  private List<String> examples;

  Totals(int numCategories, int numAreas) {
    npig = new long[numCategories * numAreas];
    present = new boolean[numCategories];
  }

  void skip(Skip why, String example) {
    if (skipped == null) {
      skipped = new EnumMap<>(Skip.class);
      examples = new ArrayList<>();
    }
    skipped.merge(why, 1L, Long::sum);
    if (examples.size() < EXAMPLES) {
      examples.add(example);
    }
  }

  long skippedTotal() {
    return skipped == null ? 0 : skipped.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Skips by reason, e.g. {ABSENT_IMAGE=1}. */
  Map<Skip, Long> skipped() {
    return skipped == null ? Map.of() : skipped;
  }

  /** The first few skipped records' messages. */
  List<String> examples() {
    return examples == null ? List.of() : examples;
  }

  /** Adds {@code o} into this one (Spark's aggregate may reuse the left operand). */
  Totals merge(Totals o) {
    for (int i = 0; i < npig.length; i++) {
      npig[i] += o.npig[i];
    }
    for (int i = 0; i < present.length; i++) {
      present[i] |= o.present[i];
    }
    images += o.images;
    gtAnnotations += o.gtAnnotations;
    gtOutside += o.gtOutside;
    predictions += o.predictions;
    kept += o.kept;
    otherCategory += o.otherCategory;
    if (o.skipped != null) {
      if (skipped == null) {
        skipped = new EnumMap<>(Skip.class);
        examples = new ArrayList<>();
      }
      o.skipped.forEach((k, v) -> skipped.merge(k, v, Long::sum));
      for (String e : o.examples) {
        if (examples.size() < EXAMPLES) {
          examples.add(e);
        }
      }
    }
    return this;
  }

  void encode(RecordCodec.Out out) {
    out.longs(npig).i(present.length);
    for (boolean p : present) {
      out.i(p ? 1 : 0);
    }
    out.l(images).l(gtAnnotations).l(gtOutside).l(predictions).l(kept).l(otherCategory);
    Map<Skip, Long> s = skipped();
    out.i(s.size());
    s.forEach((k, v) -> out.i(k.ordinal()).l(v));
    List<String> e = examples();
    out.i(e.size());
    e.forEach(out::s);
  }

  static Totals decode(java.nio.ByteBuffer in) {
    long[] npig = RecordCodec.longs(in);
    boolean[] present = new boolean[in.getInt()];
    for (int i = 0; i < present.length; i++) {
      present[i] = in.getInt() != 0;
    }
    Totals t = new Totals(npig, present);
    t.images = in.getLong();
    t.gtAnnotations = in.getLong();
    t.gtOutside = in.getLong();
    t.predictions = in.getLong();
    t.kept = in.getLong();
    t.otherCategory = in.getLong();
    int skips = in.getInt();
    if (skips > 0) {
      t.skipped = new EnumMap<>(Skip.class);
      t.examples = new ArrayList<>();
    }
    for (int i = 0; i < skips; i++) {
      t.skipped.put(Skip.values()[in.getInt()], in.getLong());
    }
    int examples = in.getInt();
    for (int i = 0; i < examples; i++) {
      t.examples.add(RecordCodec.string(in));
    }
    return t;
  }

  private Totals(long[] npig, boolean[] present) {
    this.npig = npig;
    this.present = present;
  }

  static Totals[] merge(Totals[] a, Totals[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i].merge(b[i]);
    }
    return a;
  }
}
