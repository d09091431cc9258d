package io.personlab.cli;

import io.personlab.jobs.evaluate.CocoImport;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code personlab import-coco}: a COCO ground truth or results file as Parquet folders. */
@Command(
    name = "import-coco",
    mixinStandardHelpOptions = true,
    description = {
      "Converts a COCO ground-truth or results JSON file (gzipped or not) into Parquet folders",
      "that evaluate reads in parallel and any SQL engine can query: images/, annotations/,",
      "categories/ or results/, plus _coco_import.json. The file is read once by the driver",
      "in constant memory and parsed by the executors."
    })
public final class ImportCocoCommand implements Callable<Integer> {
  static final class Input {
    @Option(names = "--gt", required = true, paramLabel = "GT.json", description = "a COCO ground truth")
    String gt;

    @Option(names = "--results", required = true, paramLabel = "RESULTS.json",
        description = "a COCO results file")
    String results;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  @Option(names = "--output", required = true, paramLabel = "URI",
      description = "the folder to write (replaced if it exists)")
  String output;

  @Option(names = "--master", paramLabel = "MASTER",
      description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE})")
  String master = "local[*]";

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new ImportCocoCommand(), args));
  }

  @Override
  public Integer call() {
    String location = input.gt != null ? input.gt : input.results;
    SparkSession spark = Spark.session("personlab import-coco", master);
    ExportCocoCommand.checkNotLocal(spark, output);
    CocoImport.Imported i = CocoImport.run(spark, location, output, input.gt != null);
    System.out.println(i.kind().equals("results")
        ? String.format("imported %d results from %s to %s", i.results(), location, output)
        : String.format("imported %d images, %d annotations, %d categories from %s to %s",
            i.images(), i.annotations(), i.categories(), location, output));
    return 0;
  }
}
