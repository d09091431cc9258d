package io.personlab.jobs.evaluate;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.coco.Segmentation;
import io.personlab.eval.ImageEvaluator;
import io.personlab.eval.IouType;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.Skeleton;
import io.personlab.image.DecodedImage;
import io.personlab.image.ImageDecoder;
import io.personlab.image.JpegWriter;
import io.personlab.image.Thumbnails;
import io.personlab.image.RgbImage;
import io.personlab.people.Person;
import io.personlab.pipeline.OverlayRenderer;
import io.personlab.rle.Rle;
import io.personlab.rle.RleOps;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The report's pictures of the worst images, drawn on the executors: the photo decoded at a
 * reduced size (long side about {@value #LONG_SIDE} px), each prediction set's predictions drawn
 * by {@link OverlayRenderer} (masks, skeletons, scores), and the ground truth drawn on top in
 * white with black rims (what counts) or yellow (what pycocotools ignores). One JPEG per image and
 * prediction set under {@code OUTPUT/pictures/}; a photo that cannot be read or drawn gives a
 * {@link Picture} with the reason instead, never a failed evaluation.
 */
final class WorstPictures implements Serializable {
  private static final long serialVersionUID = 1L;

  static final int LONG_SIDE = 640;
  static final String DIR = "pictures";
  /** Photos above this size are not read (a caption says so). */
  static final long MAX_PHOTO_BYTES = 256L << 20;

  static final Color GT = Color.WHITE;
  static final Color GT_RIM = Color.BLACK;
  static final Color IGNORED = new Color(255, 215, 0);

  /** One image's picture for one prediction set: its path relative to the output, or why not. */
  record Picture(long imageId, int set, String path, String error, int drawn, int predictions)
      implements Serializable {}

  private final String imagesRoot;
  private final String output;
  private final IouType type;
  private final int maxDets;
  private final long[] categoryIds;
  private final int numSets;

  private WorstPictures(String imagesRoot, String output, IouType type, int maxDets, long[] categoryIds,
      int numSets) {
    this.imagesRoot = imagesRoot;
    this.output = output;
    this.type = type;
    this.maxDets = maxDets;
    this.categoryIds = categoryIds;
    this.numSets = numSets;
  }

  /** The relative path of an image's picture for a set. */
  static String path(long imageId, String set) {
    return DIR + "/" + imageId + "-" + set + ".jpg";
  }

  /**
   * Draws every prediction set's picture of each image in {@code ids}: the records (images,
   * annotations, predictions keyed by image id, as the evaluation shuffled them) of those images
   * only are grouped, one task per few images.
   */
  static List<Picture> draw(JavaSparkContext jsc, Configuration conf, JavaPairRDD<Long, byte[]> records,
      Set<Long> ids, String imagesRoot, String output, IouType type, int maxDets, long[] categoryIds,
      int numSets) {
    if (ids.isEmpty()) {
      return List.of();
    }
    String root = qualify(conf, imagesRoot);
    String out = qualify(conf, output);
    WorstPictures drawer = new WorstPictures(root, out, type, maxDets, categoryIds, numSets);
    Broadcast<Set<Long>> idsB = jsc.broadcast(new HashSet<>(ids));
    Broadcast<SerializableConfiguration> confB = jsc.broadcast(new SerializableConfiguration(conf));
    int parts = Math.max(1, Math.min(ids.size(), 2 * jsc.defaultParallelism()));
    try {
      return records
          .filter(t -> idsB.value().contains(t._1()) && RecordCodec.kind(t._2()) != RecordCodec.ANNOTATION_ID)
          .groupByKey(parts)
          .flatMap(g -> drawer.drawImage(g._1(), g._2(), confB.value().value()).iterator())
          .collect();
    } finally {
      idsB.destroy();
      confB.destroy();
    }
  }

  private static String qualify(Configuration conf, String location) {
    try {
      Path p = new Path(location);
      return p.getFileSystem(conf).makeQualified(p).toString();
    } catch (IOException | IllegalArgumentException e) {
      return location;
    }
  }

  /** Every set's picture of one image (on an executor). */
  List<Picture> drawImage(long imageId, Iterable<byte[]> group, Configuration conf) throws IOException {
    CocoImage image = null;
    List<CocoAnnotation> gts = new ArrayList<>();
    List<List<CocoResult>> predictions = new ArrayList<>();
    for (int s = 0; s < numSets; s++) {
      predictions.add(new ArrayList<>());
    }
    for (byte[] b : group) {
      switch (RecordCodec.kind(b)) {
        case RecordCodec.IMAGE -> image = RecordCodec.image(b);
        case RecordCodec.ANNOTATION -> gts.add(RecordCodec.annotation(b));
        case RecordCodec.PREDICTION -> {
          CocoSources.Prediction p = RecordCodec.prediction(b);
          if (p.result() != null) {
            predictions.get(RecordCodec.predictionSet(b)).add(p.result());
          }
        }
        default -> { }
      }
    }
    List<Picture> out = new ArrayList<>();
    if (image == null) {
      for (int s = 0; s < numSets; s++) {
        out.add(new Picture(imageId, s, null, "the image is not in the ground truth", 0, 0));
      }
      return out;
    }
    gts.sort(Comparator.comparingInt(CocoAnnotation::index));
    Set<Long> categories = new HashSet<>();
    for (long c : categoryIds) {
      categories.add(c);
    }
    gts.removeIf(a -> !categories.contains(a.categoryId()));
    Thumbnail thumb;
    try {
      thumb = thumbnail(image, conf);
    } catch (IOException | RuntimeException e) {
      String why = "photo not drawn: " + e.getMessage();
      for (int s = 0; s < numSets; s++) {
        out.add(new Picture(imageId, s, null, why, 0, predictions.get(s).size()));
      }
      return out;
    }
    for (int s = 0; s < numSets; s++) {
      List<CocoResult> results = new ArrayList<>(predictions.get(s));
      results.removeIf(r -> !categories.contains(r.categoryId()));
      results.sort(Comparator.comparingInt(CocoResult::index));
      results.sort(Comparator.comparingDouble(CocoResult::score).reversed()); // stable: file order on ties
      int total = results.size();
      List<CocoResult> kept = results.subList(0, Math.min(maxDets, total));
      byte[] jpeg;
      try {
        jpeg = JpegWriter.encode(render(thumb, image, gts, kept), 0.88f, false);
      } catch (IOException | RuntimeException e) {
        out.add(new Picture(imageId, s, null, "not drawn: " + e.getMessage(), 0, total));
        continue;
      }
      String rel = path(imageId, EvaluationOutput.SET_NAMES[s]);
      Path file = new Path(output, rel);
      try (FSDataOutputStream o = file.getFileSystem(conf).create(file, true)) {
        o.write(jpeg);
      }
      out.add(new Picture(imageId, s, rel, null, kept.size(), total));
    }
    return out;
  }

  /** The photo at the picture's size; {@code scale} maps ground-truth pixels to the picture's. */
  record Thumbnail(RgbImage pixels, double scaleX, double scaleY, String note) {}

  private Thumbnail thumbnail(CocoImage image, Configuration conf) throws IOException {
    if (image.fileName() == null || image.fileName().isEmpty()) {
      throw new IOException("the ground truth gives no file_name");
    }
    Path file = new Path(imagesRoot, image.fileName());
    FileSystem fs = file.getFileSystem(conf);
    FileStatus st = fs.getFileStatus(file);
    if (st.getLen() > MAX_PHOTO_BYTES) {
      throw new IOException(file + " is " + st.getLen() + " bytes, over " + MAX_PHOTO_BYTES);
    }
    byte[] bytes = new byte[(int) st.getLen()];
    try (InputStream in = fs.open(file)) {
      in.readNBytes(bytes, 0, bytes.length);
    }
    DecodedImage d = new ImageDecoder().decodeForNetwork(bytes, file.toString(), LONG_SIDE);
    // ground-truth coordinates are in the size the ground truth gives; a photo of another size is
    // stretched to it (and the caption says so)
    int w = image.width() > 0 ? image.width() : d.width();
    int h = image.height() > 0 ? image.height() : d.height();
    String note = w == d.width() && h == d.height() ? null
        : "the photo is " + d.width() + "x" + d.height() + " but the ground truth says " + w + "x" + h;
    double s = Math.min(1.0, LONG_SIDE / (double) Math.max(w, h));
    int tw = Math.max(1, (int) Math.round(w * s)), th = Math.max(1, (int) Math.round(h * s));
    // the photo is stretched onto the ground truth's w x h, which the thumbnail scales by s
    RgbImage thumb = Thumbnails.of(d, tw, th);
    return new Thumbnail(thumb, (double) tw / w, (double) th / h, note);
  }

  /** One set's predictions (highest score first) and the ground truth over the photo. */
  BufferedImage render(Thumbnail t, CocoImage image, List<CocoAnnotation> gts, List<CocoResult> predictions) {
    Skeleton skeleton = CocoKeypoints.POSE_CHAIN;
    int w = image.width() > 0 ? image.width() : (int) Math.round(t.pixels().width() / t.scaleX());
    int h = image.height() > 0 ? image.height() : (int) Math.round(t.pixels().height() / t.scaleY());
    List<Person> people = new ArrayList<>(predictions.size());
    for (CocoResult r : predictions) {
      people.add(person(r, h, w, t.scaleX(), t.scaleY()));
    }
    BufferedImage out = OverlayRenderer.render(t.pixels(), people, skeleton, Double.MIN_VALUE);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    float line = Math.max(2f, Math.max(out.getWidth(), out.getHeight()) / 300f);
    if (type == IouType.BBOX) {
      for (int j = 0; j < people.size(); j++) {
        double[] b = people.get(j).box();
        g.setColor(OverlayRenderer.color(j));
        g.setStroke(new BasicStroke(line));
        g.draw(new Rectangle2D.Double(b[0], b[1], b[2], b[3]));
      }
    }
    for (CocoAnnotation a : gts) { // outlines and bones first, keypoints over all of them
      drawGroundTruth(g, out, a, h, w, t.scaleX(), t.scaleY(), line, skeleton, false);
    }
    for (CocoAnnotation a : gts) {
      drawGroundTruth(g, out, a, h, w, t.scaleX(), t.scaleY(), line, skeleton, true);
    }
    g.dispose();
    return out;
  }

  /** A result as the renderer's person, in the picture's pixels. */
  private Person person(CocoResult r, int h, int w, double sx, double sy) {
    double[] kp = new double[3 * CocoKeypoints.K]; // no keypoint drawn unless the result has them (v > 0)
    Rle mask = null;
    double[] box = null;
    if (type == IouType.KEYPOINTS && r.keypoints() != null) {
      double[] k = r.keypoints();
      double x0 = Double.POSITIVE_INFINITY, y0 = Double.POSITIVE_INFINITY;
      double x1 = Double.NEGATIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
      for (int i = 0; 3 * i + 2 < k.length && i < CocoKeypoints.K; i++) {
        kp[3 * i] = k[3 * i] * sx;
        kp[3 * i + 1] = k[3 * i + 1] * sy;
        kp[3 * i + 2] = k[3 * i + 2];
        if (k[3 * i + 2] > 0) {
          x0 = Math.min(x0, kp[3 * i]);
          y0 = Math.min(y0, kp[3 * i + 1]);
          x1 = Math.max(x1, kp[3 * i]);
          y1 = Math.max(y1, kp[3 * i + 1]);
        }
      }
      box = x0 <= x1 ? new double[] {x0, y0, x1 - x0, y1 - y0} : null;
    } else if (type == IouType.SEGM && r.segmentation() != null) {
      mask = r.segmentation().toRle(h, w);
      double[] b = mask.toBbox();
      double mx = sx * w / mask.width(), my = sy * h / mask.height();
      box = new double[] {b[0] * mx, b[1] * my, b[2] * mx, b[3] * my};
    }
    if (box == null && r.bbox() != null && r.bbox().length == 4) {
      double[] b = r.bbox();
      box = new double[] {b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy};
    }
    return new Person(kp, r.score(), box == null ? new double[4] : box, mask);
  }

  private void drawGroundTruth(Graphics2D g, BufferedImage img, CocoAnnotation a, int h, int w, double sx,
      double sy, float line, Skeleton skeleton, boolean keypoints) {
    boolean ignored = ImageEvaluator.ignoredInEveryRange(a, type);
    if (keypoints != (type == IouType.KEYPOINTS && !ignored && a.keypoints() != null)) {
      if (!keypoints) {
        // keypoint ground truth: its bones now, its points in the second pass
        drawBones(g, a, sx, sy, line, skeleton);
      }
      return;
    }
    if (type == IouType.SEGM && a.segmentation() != null) {
      if (a.segmentation() instanceof Segmentation.PolygonList p) {
        Path2D.Double path = new Path2D.Double();
        for (double[] poly : p.polygons()) {
          for (int i = 0; i + 1 < poly.length; i += 2) {
            if (i == 0) {
              path.moveTo(poly[i] * sx, poly[i + 1] * sy);
            } else {
              path.lineTo(poly[i] * sx, poly[i + 1] * sy);
            }
          }
          path.closePath();
        }
        rimmed(g, path, ignored ? IGNORED : GT, line * 0.75f, ignored);
      } else {
        outline(img, a.segmentation().toRle(h, w), ignored ? IGNORED : GT);
      }
      return;
    }
    if (keypoints) {
      double[] k = a.keypoints();
      double r = line * 1.5;
      for (int i = 0; 3 * i + 2 < k.length; i++) {
        if (k[3 * i + 2] > 0) {
          Rectangle2D.Double sq = new Rectangle2D.Double(k[3 * i] * sx - r, k[3 * i + 1] * sy - r, 2 * r, 2 * r);
          g.setColor(GT);
          g.fill(sq);
          g.setColor(GT_RIM);
          g.setStroke(new BasicStroke(1.5f));
          g.draw(sq);
        }
      }
      return;
    }
    if (a.bbox() != null && a.bbox().length == 4) {
      double[] b = a.bbox();
      rimmed(g, new Rectangle2D.Double(b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy), ignored ? IGNORED : GT,
          line * 0.75f, ignored);
    }
  }

  private static void drawBones(Graphics2D g, CocoAnnotation a, double sx, double sy, float line,
      Skeleton skeleton) {
    double[] k = a.keypoints();
    for (int e = 0; e < skeleton.numEdges(); e++) {
      int p = skeleton.parent(e), c = skeleton.child(e);
      if (3 * Math.max(p, c) + 2 < k.length && k[3 * p + 2] > 0 && k[3 * c + 2] > 0) {
        rimmed(g, new Line2D.Double(k[3 * p] * sx, k[3 * p + 1] * sy, k[3 * c] * sx, k[3 * c + 1] * sy),
            GT, line * 0.75f, false);
      }
    }
  }

  /** A shape in {@code color} over a black rim; dashed for ignored ground truth. */
  private static void rimmed(Graphics2D g, Shape shape, Color color, float width, boolean dashed) {
    g.setColor(GT_RIM);
    g.setStroke(new BasicStroke(width + 2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.draw(shape);
    g.setColor(color);
    g.setStroke(dashed
        ? new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f)
        : new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.draw(shape);
  }

  /** The boundary pixels of a mask (at the picture's size) in {@code color}, with a black rim outside. */
  private static void outline(BufferedImage img, Rle mask, Color color) {
    int w = img.getWidth(), h = img.getHeight();
    byte[] m = RleOps.resize(mask, h, w).decode(); // column-major
    int c = color.getRGB(), rim = GT_RIM.getRGB();
    for (int x = 0; x < w; x++) {
      for (int y = 0; y < h; y++) {
        if (m[x * h + y] == 0) {
          continue;
        }
        boolean edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 || m[(x - 1) * h + y] == 0
            || m[(x + 1) * h + y] == 0 || m[x * h + y - 1] == 0 || m[x * h + y + 1] == 0;
        if (edge) {
          img.setRGB(x, y, c);
          // the rim: the outside neighbours turn black
          if (x > 0 && m[(x - 1) * h + y] == 0) {
            img.setRGB(x - 1, y, rim);
          }
          if (x < w - 1 && m[(x + 1) * h + y] == 0) {
            img.setRGB(x + 1, y, rim);
          }
          if (y > 0 && m[x * h + y - 1] == 0) {
            img.setRGB(x, y - 1, rim);
          }
          if (y < h - 1 && m[x * h + y + 1] == 0) {
            img.setRGB(x, y + 1, rim);
          }
        }
      }
    }
  }

  /** What the colours of a picture mean, for its caption. */
  static String legend(IouType type, String set) {
    return switch (type) {
      case KEYPOINTS -> "Coloured skeletons with round keypoints: " + set + "'s predictions (one colour each, "
          + "score at the top-left of its keypoints). White squares with "
          + "black rims joined by white lines: the ground-truth keypoints of the people that count; "
          + "dashed yellow boxes: ground truth pycocotools ignores (crowds, people without keypoints).";
      case SEGM -> "Coloured fills: " + set + "'s predicted masks (one colour each, score at the top-left "
          + "of the mask's box, the highest score drawn on top). White outlines on black: the ground-truth "
          + "masks that count; yellow outlines: crowd regions, which pycocotools ignores.";
      case BBOX -> "Coloured boxes: " + set + "'s predicted boxes (score at the top-left). White boxes on black: the ground truth that counts; dashed yellow boxes: crowd "
          + "regions, which pycocotools ignores.";
    };
  }
}
