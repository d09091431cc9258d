package io.personlab.cli;

import io.personlab.jobs.LabelJob;
import io.personlab.jobs.LabelTable;
import io.personlab.jobs.LabelTableBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code personlab bench-table}: what the label table costs: a real run over the val images and
 * the run after it with nothing to do, then commits of synthetic rows at scale.
 */
@Command(
    name = "bench-table",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark of the label table (Iceberg): labeling the images into it, the next run with nothing to do,",
      "then commits of N synthetic rows (and of 1% of them changed) with the table's size on disk."
    })
public final class BenchTableCommand implements Callable<Integer> {
  @Option(names = "--images", paramLabel = "DIR", description = "images (default: ../shared/data/coco-mini-val/images)")
  Path images;

  @Option(names = "--rows", paramLabel = "N", description = "synthetic rows (default: ${DEFAULT-VALUE})")
  long rows = 100_000;

  @Option(names = "--master", paramLabel = "MASTER", description = "Spark master (default: ${DEFAULT-VALUE})")
  String master = "local[2]";

  @Mixin ModelOptions modelOptions;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new BenchTableCommand(), args));
  }

  @Override
  public Integer call() throws Exception {
    Path source = images != null ? images : Launcher.sharedDir().resolve("data/coco-mini-val/images");
    Path out = Files.createTempDirectory("personlab-bench-table");
    SparkSession spark = Spark.session("personlab bench-table", master);
    LabelJob.Options o = new LabelJob.Options(List.of(source.toString()), null, "*", out.resolve("real").toString(),
        modelOptions.model(), 1, modelOptions.pipelineConfig(0.2), 200, 256L << 20, 128L << 20, -1, false, null, 3600, 0,
        false, LabelJob.Options.DEFAULT_IMAGE_TIMEOUT_SECONDS, "labels", LabelJob.Options.DEFAULT_MAX_ATTEMPTS, true);
    LabelJob.Summary first = LabelJob.run(spark, o);
    LabelJob.Summary second = LabelJob.run(spark, o);
    String real = first.runDirectory();
    long realBytes = sizeOf(out.resolve("real"));
    System.out.printf("real images: %d labeled in %.2f s (table %d KB); next run, nothing to do: %.2f s%n",
        first.images(), first.seconds(), realBytes >> 10, second.seconds());

    String table = LabelTable.resolve(spark, "synthetic", out.resolve("synthetic").toString());
    LabelTable.ensure(spark, table);
    LabelTableBench.Commit warm = LabelTableBench.merge(spark, table, 0, 1000, "warmup");
    LabelTableBench.Commit all = LabelTableBench.merge(spark, table, 1000, rows, "insert");
    LabelTableBench.Commit changed = LabelTableBench.merge(spark, table, 1000, Math.max(1, rows / 100), "update");
    System.out.printf("synthetic: warm-up %d rows %.2f s; %d new rows committed in %.2f s (table %.1f MB, %d data files); "
            + "%d of them relabeled in %.2f s (table %.1f MB, %d data files)%n", warm.rows(), warm.seconds(), all.rows(),
        all.seconds(), all.tableBytes() / 1e6, all.dataFiles(), changed.rows(), changed.seconds(),
        changed.tableBytes() / 1e6, changed.dataFiles());
    System.out.printf("{\"imagesSeconds\":%.3f,\"noopSeconds\":%.3f,\"realTableBytes\":%d,\"insertSeconds\":%.3f,"
            + "\"insertTableBytes\":%d,\"updateSeconds\":%.3f,\"updateTableBytes\":%d,\"table\":\"%s\"}%n",
        first.seconds(), second.seconds(), realBytes, all.seconds(), all.tableBytes(), changed.seconds(),
        changed.tableBytes(), real);
    return 0;
  }

  private static long sizeOf(Path dir) throws java.io.IOException {
    try (var walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
