package io.personlab.cli;

import io.personlab.jobs.report.LabelReport;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code personlab report}: a static HTML report of a labeling run, with data files for notebooks. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Writes DIR/index.html, a self-contained HTML report of one labeling",
      "configuration's current labels (label run directories, or the label table",
      "with --table): counts, model fingerprint and configuration, a contact sheet",
      "of overlays for a deterministic sample, distributions, errors, and the",
      "change since the previous run; data/summary.json, data/images.csv,",
      "data/people.csv and data/sample.csv beside it."
    })
public final class ReportCommand implements Callable<Integer> {
  @Option(names = "--labels", paramLabel = "URI",
      description = "label's --output: its run directories, or with --table the table's warehouse")
  String labels;

  @Option(names = "--table", paramLabel = "NAME",
      description = "read the label table: CATALOG.DB.TABLE, or a bare name kept under --labels")
  String table;

  @Option(names = "--config-id", paramLabel = "ID",
      description = "the configuration to report (default: the only one; several are listed)")
  String configId;

  @Option(names = "--images-root", paramLabel = "URI",
      description = "read the photos from here: replaces the folder all labeled image URIs share")
  String imagesRoot;

  @Option(names = "--output", required = true, paramLabel = "DIR",
      description = "the report's folder: a local path, or s3a://, hdfs://, gs://")
  String output;

  @Option(names = "--sample", paramLabel = "N", description = "images in the contact sheet (default: ${DEFAULT-VALUE})")
  int sample = LabelReport.DEFAULT_SAMPLE;

  @Option(names = "--sample-rule", paramLabel = "RULE",
      description = "random, lowest-scores, most-people, errors or mixed (default: ${DEFAULT-VALUE})")
  String sampleRule = "mixed";

  @Option(names = "--master", paramLabel = "MASTER", description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE})")
  String master = "local[*]";

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new ReportCommand(), args));
  }

  @Override
  public Integer call() throws Exception {
    LabelReport.Options o = new LabelReport.Options(labels, table, configId, imagesRoot, output, sample,
        LabelReport.SampleRule.parse(sampleRule));
    if (table == null && labels != null && !labels.contains("/") && !labels.contains(":")
        && labels.chars().filter(c -> c == '.').count() >= 2) {
      // --labels CATALOG.DB.TABLE: a table name, not a folder
      o = new LabelReport.Options(null, labels, configId, imagesRoot, output, sample, o.rule());
    }
    SparkSession spark = Spark.session("personlab report", master);
    ExportCocoCommand.checkNotLocal(spark, output);
    long t0 = System.nanoTime();
    LabelReport.Result r = LabelReport.run(spark, o);
    System.out.printf("wrote %s: configuration %s, %d images (%d errors), %d people, %d of %d sampled pictures, in %.1f s%n",
        r.page(), r.configId(), r.images(), r.errors(), r.people(), r.pictures(), r.sampled(),
        (System.nanoTime() - t0) / 1e9);
    return 0;
  }
}
