package io.personlab.jobs.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.posexplode;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoCategory;
import io.personlab.coco.CocoFormatException;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.eval.Detections;
import io.personlab.eval.IouType;
import io.personlab.io.CocoJson;
import io.personlab.io.CocoJson.RecordKind;
import io.personlab.io.CocoJsonSplitter;
import io.personlab.io.Inputs;
import io.personlab.jobs.LabelTableReader;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Where the evaluation's inputs come from, as RDDs of the core's records:
 *
 * <ul>
 *   <li>a COCO JSON file (ground truth or results, gzipped or not): cut into one-line record
 *       chunks by the driver ({@link CocoJsonSplitter}, constant memory, no parsing), written under
 *       a staging folder, and parsed by the tasks, one chunk each;
 *   <li>a COCO import ({@code import-coco}: Parquet folders);
 *   <li>the label table's current rows of one configuration.
 * </ul>
 *
 * Every record keeps its position in its file: within an image, pycocotools' stable sorts break
 * ties by file order, so the order is part of the result.
 */
final class CocoSources {
  private CocoSources() {}

  /** Records per chunk file (one task each): about 8 MB of keypoint results. */
  static final long RECORDS_PER_CHUNK = 20_000;

  /** A result as evaluated, or a record that could not be read (lenient mode keeps a count). */
  record Prediction(CocoResult result, String error) implements Serializable {}

  /** The ground truth, keyed by image id. */
  record GroundTruth(String source, JavaRDD<CocoImage> images, JavaRDD<CocoAnnotation> annotations,
      List<CocoCategory> categories) {}

  /** One prediction set; {@code kind} is loadRes' branch (decided by the first result). */
  record Predictions(String source, String configId, JavaRDD<Prediction> records, Detections.Kind kind) {}

  /** A chunk of one-line records of one kind, numbered from {@code firstIndex}. */
  record Chunk(String path, RecordKind kind, long firstIndex, String source) implements Serializable {}

  /** True for a folder written by import-coco. */
  static boolean isImport(SparkSession spark, String location) {
    try {
      Path marker = new Path(location, CocoImport.MARKER);
      return marker.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(marker);
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /** The ground truth; without segmentation, outlines are skipped unread (keypoints, boxes). */
  static GroundTruth groundTruth(SparkSession spark, String location, String staging,
      boolean withSegmentation) {
    if (isImport(spark, location)) {
      return CocoImport.readGroundTruth(spark, location, withSegmentation);
    }
    return groundTruthFrom(spark, location, stage(spark, location, staging, "gt"), withSegmentation);
  }

  static GroundTruth groundTruthFrom(SparkSession spark, String location, Staged staged,
      boolean withSegmentation) {
    if (!staged.split().groundTruth()) {
      throw new CocoFormatException(location + ": a results array where a ground truth (JSON object "
          + "with images, annotations and categories) was expected");
    }
    List<CocoCategory> categories = new ArrayList<>();
    for (Object c : parse(spark, staged.chunks(RecordKind.CATEGORY), true).collect()) {
      categories.add((CocoCategory) c);
    }
    return new GroundTruth(location,
        parse(spark, staged.chunks(RecordKind.IMAGE), true).map(o -> (CocoImage) o),
        parse(spark, staged.chunks(RecordKind.ANNOTATION), withSegmentation).map(o -> (CocoAnnotation) o),
        categories);
  }

  /** A results JSON file or a results import; lenient keeps unreadable records as errors. */
  static Predictions resultsFile(SparkSession spark, String location, String staging, String name,
      boolean lenient) {
    if (isImport(spark, location)) {
      return CocoImport.readResults(spark, location);
    }
    return resultsFrom(spark, location, stage(spark, location, staging, name), lenient);
  }

  static Predictions resultsFrom(SparkSession spark, String location, Staged staged, boolean lenient) {
    if (staged.split().groundTruth()) {
      throw new CocoFormatException(location + ": a ground-truth object where results (a JSON array) "
          + "were expected");
    }
    List<Chunk> chunks = staged.chunks(RecordKind.RESULT);
    Detections.Kind kind = staged.first() == null ? Detections.Kind.KEYPOINTS
        : Detections.kindOf((CocoResult) CocoJson.parseRecord(RecordKind.RESULT, staged.first(), 0,
            staged.first().length, 0, location), location);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> conf =
        jsc.broadcast(new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
    JavaRDD<Prediction> records = jsc.parallelize(chunks, Math.max(1, chunks.size()))
        .flatMap(c -> lines(c, conf.value().value(), lenient));
    return new Predictions(location, null, records, kind);
  }

  /**
   * One configuration's current people from the label table, one result per person in the
   * decoder's order (what export-coco writes): keypoints for keypoints, the mask for segm, the
   * box for bbox. Images labeled with an error have no people.
   */
  static Predictions table(SparkSession spark, String table, String warehouse, String configId,
      IouType type) {
    LabelTableReader.Selection s = LabelTableReader.current(spark, table, warehouse, configId);
    Dataset<Row> people = s.rows().where(col("status").equalTo("ok"))
        .select(col("image_id"), col("width"), col("height"), posexplode(col("people")).as(new String[] {"pos", "p"}))
        .select(col("image_id"), col("pos"), col("p.score"), col("p.keypoints"), col("p.box"),
            col("p.mask"), col("width"), col("height"));
    String source = s.table() + " (configuration " + s.configId() + ")";
    JavaRDD<Prediction> records = people.javaRDD().map(r -> {
      long imageId = r.getLong(0);
      int pos = r.getInt(1);
      double score = r.getDouble(2);
      CocoResult result = switch (type) {
        case KEYPOINTS -> new CocoResult(pos, imageId, 1, score, null, doubles(r.getList(3)), null);
        case BBOX -> new CocoResult(pos, imageId, 1, score, doubles(r.getList(4)), null, null);
        case SEGM -> {
          Row mask = r.getStruct(5);
          if (mask == null) {
            throw new IllegalArgumentException(source + ": image_id " + imageId + " person #" + pos
                + " has no mask: the model has no segmentation head, so segm cannot be evaluated");
          }
          yield new CocoResult(pos, imageId, 1, score, null, null,
              io.personlab.jobs.LabelSchema.maskAtImageSize(mask, (Integer) r.get(6), (Integer) r.get(7)));
        }
      };
      return new Prediction(result, null);
    });
    Detections.Kind kind = switch (type) {
      case KEYPOINTS -> Detections.Kind.KEYPOINTS;
      case SEGM -> Detections.Kind.SEGMENTATION;
      case BBOX -> Detections.Kind.BBOX;
    };
    return new Predictions(source, s.configId(), records, kind);
  }

  private static double[] doubles(List<Double> values) {
    double[] out = new double[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  /** A file cut into chunks under the staging folder. */
  record Staged(CocoJsonSplitter.Split split, Map<RecordKind, List<Chunk>> byKind, byte[] first) {
    List<Chunk> chunks(RecordKind kind) {
      return byKind.getOrDefault(kind, List.of());
    }
  }

  /** Cuts {@code location} into chunk files under {@code staging/name}: read once, never parsed here. */
  static Staged stage(SparkSession spark, String location, String staging, String name) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path dir = new Path(staging, name);
    Map<RecordKind, List<Chunk>> chunks = new EnumMap<>(RecordKind.class);
    byte[][] first = new byte[1][];
    // decompression on a thread of its own, the scan and the chunk writes on this one
    // a private instance: scratch chunks need no checksum files (on the local file system they
    // cost a CRC pass and a second file), and the shared instance keeps its settings
    try (InputStream in = new io.personlab.io.ReadAhead(Inputs.open(location), location);
        FileSystem fs = FileSystem.newInstance(dir.toUri(), conf)) {
      fs.setWriteChecksum(false);
      fs.delete(dir, true);
      ChunkWriter writer = new ChunkWriter(fs, dir, location, chunks);
      CocoJsonSplitter.Split split = CocoJsonSplitter.split(in, location, (kind, index, json, length) -> {
        if (first[0] == null && kind == RecordKind.RESULT) {
          first[0] = java.util.Arrays.copyOf(json, length);
        }
        writer.write(kind, index, json, length);
      });
      writer.close();
      return new Staged(split, chunks, first[0]);
    } catch (IOException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new CocoFormatException(message.startsWith(location) ? message : location + ": " + message, e);
    }
  }

  /** Rolls a new file every {@link #RECORDS_PER_CHUNK} records of a kind. */
  private static final class ChunkWriter {
    private final FileSystem fs;
    private final Path dir;
    private final String source;
    private final Map<RecordKind, List<Chunk>> chunks;
    private OutputStream out;
    private RecordKind kind;
    private long inChunk;

    ChunkWriter(FileSystem fs, Path dir, String source, Map<RecordKind, List<Chunk>> chunks) {
      this.fs = fs;
      this.dir = dir;
      this.source = source;
      this.chunks = chunks;
    }

    void write(RecordKind k, long index, byte[] json, int length) throws IOException {
      if (out == null || k != kind || inChunk == RECORDS_PER_CHUNK) {
        close();
        Path file = new Path(dir, k.name().toLowerCase(java.util.Locale.ROOT) + "-"
            + String.format("%012d", index) + ".jsonl");
        out = new BufferedOutputStream(fs.create(file, true), 1 << 16);
        chunks.computeIfAbsent(k, x -> new ArrayList<>())
            .add(new Chunk(file.toString(), k, index, source));
        kind = k;
        inChunk = 0;
      }
      out.write(json, 0, length);
      out.write('\n');
      inChunk++;
    }

    void close() throws IOException {
      if (out != null) {
        out.close();
        out = null;
      }
    }
  }

  /** The records of the chunks, parsed by tasks (one chunk each); parse errors fail the job. */
  private static JavaRDD<Object> parse(SparkSession spark, List<Chunk> chunks,
      boolean withSegmentation) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> conf =
        jsc.broadcast(new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
    return jsc.parallelize(chunks, Math.max(1, chunks.size())).flatMap(c -> {
      List<Object> out = new ArrayList<>();
      Path path = new Path(c.path());
      try (InputStream in = path.getFileSystem(conf.value().value()).open(path)) {
        CocoJson.readRecords(in, c.kind(), c.firstIndex(), c.source(), withSegmentation,
            (index, record) -> out.add(record));
      }
      return out.iterator();
    });
  }

  /**
   * A chunk's results. Strict: the first bad record fails the task (and the job, with its
   * message). Lenient: the chunk is read line by line so that a bad record costs only itself.
   */
  private static Iterator<Prediction> lines(Chunk c, Configuration conf, boolean lenient)
      throws IOException {
    List<Prediction> out = new ArrayList<>();
    Path path = new Path(c.path());
    if (!lenient) {
      try (InputStream in = path.getFileSystem(conf).open(path)) {
        CocoJson.readRecords(in, RecordKind.RESULT, c.firstIndex(), c.source(), true,
            (index, record) -> out.add(new Prediction((CocoResult) record, null)));
      }
      return out.iterator();
    }
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        path.getFileSystem(conf).open(path), StandardCharsets.UTF_8), 1 << 16)) {
      long index = c.firstIndex();
      String line;
      while ((line = r.readLine()) != null) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        try {
          out.add(new Prediction((CocoResult) CocoJson.parseRecord(RecordKind.RESULT, bytes, 0,
              bytes.length, Math.toIntExact(index), c.source()), null));
        } catch (CocoFormatException e) {
          out.add(new Prediction(null, e.getMessage()));
        }
        index++;
      }
    }
    return out.iterator();
  }
}
