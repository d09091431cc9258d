package io.personlab.cli;

import io.personlab.jobs.LabelJob;
import io.personlab.jobs.PartitionLabeler;
import io.personlab.pipeline.PipelineConfig;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code personlab label}: the labeling job. Locally the launcher runs it in Spark local mode;
 * under spark-submit it runs on the cluster's master.
 */
@Command(
    name = "label",
    mixinStandardHelpOptions = true,
    description = {
      "Labels an image corpus with Spark: people, keypoints and COCO RLE masks, one Parquet row per image",
      "in OUTPUT/run_date=D/run_id=R (complete when _SUCCESS is there). Re-runs label only new images."
    })
public final class LabelCommand implements Callable<Integer> {
  @Option(names = "--input", split = ",", paramLabel = "URI",
      description = "image files or prefixes (local, hdfs://, s3a://), listed recursively")
  List<String> inputs;

  @Option(names = "--manifest", paramLabel = "URI", description = "a text file of image URIs, one per line (instead of --input)")
  String manifest;

  @Option(names = "--glob", paramLabel = "PATTERN", description = "file names to take (Hadoop glob, default: ${DEFAULT-VALUE})")
  String glob = "*";

  @Option(names = "--output", paramLabel = "URI", description = "label store (local, hdfs://, s3a://); required")
  String output;

  @Option(names = "--images-per-task", paramLabel = "N", description = "at most about this many images per task (default: ${DEFAULT-VALUE})")
  int imagesPerTask = 200;

  @Option(names = "--bytes-per-task", paramLabel = "B", description = "and about this many bytes (default: ${DEFAULT-VALUE})")
  long bytesPerTask = 256L << 20;

  @Option(names = "--max-file-bytes", paramLabel = "B", description = "files larger than this are error rows (default: ${DEFAULT-VALUE})")
  long maxFileBytes = 128L << 20;

  @Option(names = "--prefetch", paramLabel = "N",
      description = "images decoded ahead of inference per task, in a reader thread; 0 = none "
          + "(default: 4 on GPU tasks, 0 on CPU tasks, whose cores inference keeps busy)")
  int prefetch = -1;

  @Option(names = "--force", description = "relabel everything; the new run replaces all earlier ones")
  boolean force;

  @Option(names = "--run-date", paramLabel = "YYYY-MM-DD", description = "run date partition (default: today, UTC)")
  String runDate;

  @Option(names = "--master", paramLabel = "MASTER",
      description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE})")
  String master = "local[*]";

  @Option(names = "--progress-seconds", paramLabel = "S", description = "progress log interval (default: ${DEFAULT-VALUE})")
  int progressSeconds = 10;

  @Option(names = "--image-timeout-seconds", paramLabel = "S",
      description = "per-image time limit (read, decode, inference); an image over it is an error row, 0 = none (default: ${DEFAULT-VALUE})")
  long imageTimeoutSeconds = LabelJob.Options.DEFAULT_IMAGE_TIMEOUT_SECONDS;

  @Option(names = "--batch-size", paramLabel = "N",
      description = "images per network forward on a GPU task, same-sized inputs batched together; 0 = automatic: "
          + PartitionLabeler.DEFAULT_GPU_BATCH + " on a GPU, 1 on a CPU (default: ${DEFAULT-VALUE})")
  int batchSize = 0;

  @Option(names = "--allow-local-paths",
      description = "on a cluster, accept local input and output paths (every host mounts them at the same place)")
  boolean allowLocalPaths;

  @Option(names = "--table", paramLabel = "NAME",
      description = "write the label table (Apache Iceberg): CATALOG.DB.TABLE of a catalog configured in Spark, or a "
          + "bare name kept in a filesystem catalog under --output. Without it: run directories under --output")
  String table;

  @Option(names = "--max-attempts", paramLabel = "N",
      description = "label table: tries at a transient error (I/O, time-out, memory) of an unchanged file (default: ${DEFAULT-VALUE})")
  int maxAttempts = LabelJob.Options.DEFAULT_MAX_ATTEMPTS;

  @Option(names = "--coco-ids",
      description = "the input is a COCO split: image_id from COCO file names (000000000139.jpg -> 139); "
          + "otherwise every image_id is a hash of its URI")
  boolean cocoIds;

  @Mixin ModelOptions modelOptions;

  @Mixin DefaultsOption defaults;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new LabelCommand(), args));
  }

  @Override
  public Integer call() throws Exception {
    if ((inputs == null) == (manifest == null)) {
      throw new IllegalArgumentException("give --input or --manifest (one of them)");
    }
    if (output == null && (table == null || !table.contains("."))) {
      throw new IllegalArgumentException("give --output (or output = URI in a --defaults file), or --table CATALOG.DB.TABLE");
    }
    PipelineConfig pipeline = modelOptions.pipelineConfig(PipelineConfig.DEFAULT_MIN_PERSON_SCORE);
    int engineThreads = modelOptions.engineThreadsOrDefault(1);
    SparkSession spark = Spark.session("personlab label", master);
    LabelJob.Summary s = LabelJob.run(spark, new LabelJob.Options(inputs, manifest, glob, output,
        String.join(",", modelOptions.givenModels()), engineThreads, pipeline, imagesPerTask, bytesPerTask,
        maxFileBytes, prefetch, force, runDate, progressSeconds, batchSize, allowLocalPaths, imageTimeoutSeconds, table,
        maxAttempts, cocoIds, modelOptions.modelWeights()));
    System.out.printf("labeled %d images (%d errors, %d already labeled) in %.1f s%s%n", s.images(), s.errors(),
        s.skippedAsLabeled(), s.seconds(), s.runDirectory() == null ? "" : " -> " + s.runDirectory());
    return 0;
  }
}
