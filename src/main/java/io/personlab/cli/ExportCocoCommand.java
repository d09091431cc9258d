package io.personlab.cli;

import io.personlab.coco.CocoResult;
import io.personlab.coco.Segmentation;
import io.personlab.io.CocoJson;
import io.personlab.jobs.LabelStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    description = "Writes the people of a label store (complete runs) as a COCO results JSON file.")
public final class ExportCocoCommand implements Callable<Integer> {
  @Option(names = "--labels", required = true, paramLabel = "URI", description = "label store written by label")
  String labels;

  @Option(names = "--output", required = true, paramLabel = "FILE.json", description = "COCO results file")
  Path output;

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
    SparkSession spark = Spark.session("personlab export-coco", master);
    Dataset<Row> all = LabelStore.read(spark, labels);
    if (all == null) {
      throw new IllegalArgumentException(labels + ": no complete label run");
    }
    List<Row> people = all.where(col("status").equalTo("ok"))
        .select(col("image_id"), posexplode(col("people")).as(new String[] {"pos", "p"}))
        .select(col("image_id"), col("p.score"), col("p.keypoints"), col("p.mask"), col("pos"))
        .orderBy(col("image_id"), col("pos")) // each image's people in the decoder's order
        .collectAsList();
    List<CocoResult> results = new ArrayList<>(people.size());
    for (Row r : people) {
      long imageId = r.getLong(0);
      double score = r.getDouble(1);
      if (segm) {
        Row mask = r.getStruct(3);
        if (mask == null) {
          continue; // a model without mask heads
        }
        results.add(new CocoResult(results.size(), imageId, 1, score, null, null,
            new Segmentation.CompressedRle(mask.getInt(0), mask.getInt(1), mask.getString(2))));
      } else {
        List<Double> kp = r.getList(2);
        results.add(new CocoResult(results.size(), imageId, 1, score, null,
            kp.stream().mapToDouble(Double::doubleValue).toArray(), null));
      }
    }
    CocoJson.writeResults(results, output);
    System.out.printf("wrote %d %s results to %s%n", results.size(), iouType, output);
    return 0;
  }
}
