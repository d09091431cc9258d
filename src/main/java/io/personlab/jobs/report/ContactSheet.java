package io.personlab.jobs.report;

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
import java.awt.image.BufferedImage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Draws the sample's overlays on executors: each task reads its photos through Hadoop's
 * FileSystem, decodes them downscaled ({@link ImageDecoder#decodeForNetwork}), scales the
 * people to the thumbnail, draws them with {@link OverlayRenderer} and writes a JPEG into the
 * report's {@code pictures/} folder. A photo that cannot be read gives its reason, never a failed
 * task. Input rows: image_uri, image_id, width, height, people. Output: image_uri, picture (path
 * relative to the report, or null), problem (why there is no picture, or null).
 */
final class ContactSheet implements MapPartitionsFunction<Row, Row>, Serializable {
  private static final long serialVersionUID = 1L;
  static final StructType OUT = new StructType()
      .add("image_uri", DataTypes.StringType, false)
      .add("picture", DataTypes.StringType, true)
      .add("problem", DataTypes.StringType, true);
  /** Larger files are not read for a thumbnail. */
  static final long MAX_FILE_BYTES = 256L << 20;

  private final SerializableConfiguration hadoop;
  private final String reportDir;
  private final int longSide;
  private final double minKeypointScore;
  private final String fromPrefix;
  private final String toRoot;

  ContactSheet(SerializableConfiguration hadoop, String reportDir, int longSide, double minKeypointScore,
      String fromPrefix, String toRoot) {
    this.hadoop = hadoop;
    this.reportDir = reportDir;
    this.longSide = longSide;
    this.minKeypointScore = minKeypointScore;
    this.fromPrefix = fromPrefix;
    this.toRoot = toRoot;
  }

  /** The file name of an image's picture: its id, as COCO names its photos. */
  static String pictureName(long imageId) {
    return String.format("pictures/%012d.jpg", imageId);
  }

  /**
   * Where a photo is read from: its URI, or with {@code --images-root} the URI with the labels'
   * common folder prefix {@code fromPrefix} replaced by {@code toRoot}.
   */
  static String mapped(String uri, String fromPrefix, String toRoot) {
    if (toRoot == null || fromPrefix == null || !uri.startsWith(fromPrefix)) {
      return uri;
    }
    return toRoot.replaceAll("/+$", "") + "/" + uri.substring(fromPrefix.length()).replaceAll("^/+", "");
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    ImageDecoder decoder = new ImageDecoder();
    List<Row> out = new ArrayList<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      String uri = r.getString(0);
      String from = mapped(uri, fromPrefix, toRoot);
      try {
        byte[] jpeg = draw(decoder, read(from), from, r);
        String picture = pictureName(r.getLong(1));
        ReportFiles.write(hadoop.value(), new Path(reportDir, picture), jpeg);
        out.add(RowFactory.create(uri, picture, null));
      } catch (Exception | OutOfMemoryError | StackOverflowError e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        out.add(RowFactory.create(uri, null, why.startsWith(from) ? why : from + ": " + why));
      }
    }
    return out.iterator();
  }

  private byte[] read(String uri) throws IOException {
    Path path = new Path(uri);
    FileSystem fs = path.getFileSystem(hadoop.value());
    try (InputStream in = fs.open(path)) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, MAX_FILE_BYTES + 1));
      if (bytes.length > MAX_FILE_BYTES) {
        throw new IOException("over " + (MAX_FILE_BYTES >> 20) + " MB");
      }
      return bytes;
    } catch (FileNotFoundException e) {
      throw new IOException(uri + ": no such file or object");
    }
  }

  private byte[] draw(ImageDecoder decoder, byte[] bytes, String name, Row r) throws IOException {
    DecodedImage d = decoder.decodeForNetwork(bytes, name, longSide);
    double s = Math.min(1.0, (double) longSide / Math.max(d.width(), d.height()));
    int tw = Math.max(1, (int) Math.round(d.width() * s)), th = Math.max(1, (int) Math.round(d.height() * s));
    RgbImage thumb = Thumbnails.of(d, tw, th);
    // people are in the labeled image's pixels (the row's size; the photo's own if the row has none)
    int w = r.isNullAt(2) ? d.width() : r.getInt(2), h = r.isNullAt(3) ? d.height() : r.getInt(3);
    double sx = (double) tw / w, sy = (double) th / h;
    List<Person> people = new ArrayList<>();
    List<Row> stored = r.isNullAt(4) ? List.of() : r.getList(4);
    int keypoints = -1;
    for (Row p : stored) {
      List<Double> kp = p.getList(1);
      double[] k = new double[kp.size()];
      for (int i = 0; i + 2 < k.length; i += 3) {
        k[i] = (kp.get(i) + 0.5) * sx - 0.5;
        k[i + 1] = (kp.get(i + 1) + 0.5) * sy - 0.5;
        k[i + 2] = kp.get(i + 2);
      }
      keypoints = k.length / 3;
      List<Double> b = p.getList(2);
      double[] box = {b.get(0) * sx, b.get(1) * sy, b.get(2) * sx, b.get(3) * sy};
      Row m = p.isNullAt(3) ? null : p.getStruct(3);
      Rle mask = m == null ? null : Rle.fromCompressedString(m.getString(2), m.getInt(0), m.getInt(1));
      people.add(new Person(k, p.getDouble(0), box, mask)); // the renderer brings masks to the thumbnail's size
    }
    Skeleton skeleton = keypoints == -1 || keypoints == CocoKeypoints.K ? CocoKeypoints.POSE_CHAIN
        : Skeleton.of(java.util.stream.IntStream.range(0, keypoints).mapToObj(i -> "k" + i).toList(), new String[0][]);
    BufferedImage overlay = OverlayRenderer.render(thumb, people, skeleton, minKeypointScore);
    return JpegWriter.encode(overlay, 0.85f, false);
  }
}
