package io.personlab.cli;

import io.personlab.jobs.LabelTableImport;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code personlab import-runs}: a run-directory label store into the label table. */
@Command(
    name = "import-runs",
    mixinStandardHelpOptions = true,
    description = {
      "Imports a run-directory label store (each image's latest row) into the label",
      "table in one commit; importing again changes nothing. Old runs did not record",
      "their decoding settings: the rows get configuration imported-HASH (of model",
      "name, spec hash and scales) and no file identity."
    })
public final class ImportRunsCommand implements Callable<Integer> {
  @Option(names = "--labels", required = true, paramLabel = "URI",
      description = "the run directories: label's --output without --table")
  String labels;

  @Option(names = "--table", required = true, paramLabel = "NAME",
      description = "the label table: CATALOG.DB.TABLE, or a bare name kept under --output")
  String table;

  @Option(names = "--output", paramLabel = "URI",
      description = "for a bare table name: the table's warehouse (default: --labels)")
  String output;

  @Option(names = "--master", paramLabel = "MASTER", description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE})")
  String master = "local[*]";

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new ImportRunsCommand(), args));
  }

  @Override
  public Integer call() throws Exception {
    SparkSession spark = Spark.session("personlab import-runs", master);
    LabelTableImport.Summary s = LabelTableImport.run(spark, labels, table, output == null ? labels : output);
    System.out.printf("imported %d images into %s (%d rows written), configuration %s%n", s.images(), s.table(),
        s.written(), String.join(", ", s.configIds()));
    return 0;
  }
}
