package io.personlab.cli;

import io.personlab.coco.CocoResult;
import io.personlab.io.CocoJson;
import io.personlab.jobs.LabelStore;
import io.personlab.jobs.LabelTableReader;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.posexplode;

/** {@code personlab export-coco}: labels to a COCO results file (what pycocotools and evaluate read). */
@Command(
    name = "export-coco",
    mixinStandardHelpOptions = true,
    description = {
      "Writes the people of a label store (complete runs), or of one configuration",
      "of the label table, as a COCO results JSON file. Images marked missing in the",
      "table are left out."
    })
public final class ExportCocoCommand implements Callable<Integer> {
  @Option(names = "--labels", paramLabel = "URI",
      description = "label's --output: its run directories, or with --table the table's warehouse")
  String labels;

  @Option(names = "--table", paramLabel = "NAME",
      description = "read the label table: CATALOG.DB.TABLE, or a bare name kept under --labels")
  String table;

  @Option(names = "--config-id", paramLabel = "ID",
      description = "with --table: the configuration to export (default: the table's only one)")
  String configId;

  @Option(names = "--output", required = true, paramLabel = "URI",
      description = "COCO results file: a local path, or s3a://, hdfs://, gs://")
  String output;

  @Option(names = "--iou-type", required = true, paramLabel = "TYPE", description = "keypoints or segm")
  String iouType;

  @Option(names = "--master", paramLabel = "MASTER", description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE})")
  String master = "local[*]";

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new ExportCocoCommand(), args));
  }

  @Override
  public Integer call() throws Exception {
    boolean segm = switch (iouType) {
      case "keypoints" -> false;
      case "segm" -> true;
      default -> throw new IllegalArgumentException("--iou-type must be keypoints or segm, not " + iouType);
    };
    if (table == null && labels == null) {
      throw new IllegalArgumentException("give --labels URI (run directories), or --table NAME");
    }
    if (table == null && configId != null) {
      throw new IllegalArgumentException("--config-id selects a configuration of the label table: give --table");
    }
    SparkSession spark = Spark.session("personlab export-coco", master);
    Dataset<Row> all;
    String from = labels;
    if (table != null) {
      LabelTableReader.Selection s = LabelTableReader.current(spark, table, labels, configId);
      from = s.table() + ", configuration " + s.configId();
      all = s.rows();
    } else {
      all = LabelStore.read(spark, labels);
      if (all == null) {
        throw new IllegalArgumentException(labels + ": no complete label run");
      }
    }
    checkNotLocal(spark, output);
    // Streamed: the driver holds one partition of people at a time, never the whole store.
    Iterator<Row> people = all.where(col("status").equalTo("ok"))
        .select(col("image_id"), col("width"), col("height"), posexplode(col("people")).as(new String[] {"pos", "p"}))
        .select(col("image_id"), col("p.score"), col("p.keypoints"), col("p.mask"), col("pos"), col("width"),
            col("height"))
        .orderBy(col("image_id"), col("pos")) // each image's people in the decoder's order
        .toLocalIterator();
    Iterator<CocoResult> results = new Iterator<>() {
      private CocoResult next;
      private int id; // not written: readers number results themselves

      @Override
      public boolean hasNext() {
        while (next == null && people.hasNext()) {
          next = toResult(people.next(), segm, id);
        }
        return next != null;
      }

      @Override
      public CocoResult next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        CocoResult r = next;
        next = null;
        id++;
        return r;
      }
    };
    Path out = new Path(output);
    FileSystem fs = out.getFileSystem(spark.sparkContext().hadoopConfiguration());
    long n;
    try (Writer w = new BufferedWriter(new OutputStreamWriter(fs.create(out, true), StandardCharsets.UTF_8), 1 << 16)) {
      n = CocoJson.writeResults(results, w);
    }
    System.out.printf("wrote %d %s results of %s to %s%n", n, iouType, from, output);
    return 0;
  }

  /** A person as a COCO result, or null (a segm export of a model without mask heads). */
  private static CocoResult toResult(Row r, boolean segm, int id) {
    long imageId = r.getLong(0);
    double score = r.getDouble(1);
    if (segm) {
      Row mask = r.getStruct(3);
      return mask == null ? null : new CocoResult(id, imageId, 1, score, null, null,
          io.personlab.jobs.LabelSchema.maskAtImageSize(mask, (Integer) r.get(5), (Integer) r.get(6)));
    }
    List<Double> kp = r.getList(2);
    return new CocoResult(id, imageId, 1, score, null, kp.stream().mapToDouble(Double::doubleValue).toArray(), null);
  }

  /** On a cluster the driver may run on any host: a local output would be lost with it. */
  static void checkNotLocal(SparkSession spark, String uri) {
    io.personlab.jobs.ClusterPaths.shared(uri, spark.sparkContext().hadoopConfiguration(), spark.sparkContext().master(),
        false, "the driver may run on any host; write to hdfs://, s3a:// or gs://");
  }
}
