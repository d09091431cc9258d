package io.personlab.cli;

import io.personlab.coco.CocoFormatException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code personlab} command line: one entry point for the local launcher
 * ({@code jobs/personlab COMMAND ...}) and for spark-submit
 * ({@code --class io.personlab.cli.PersonLab job.jar COMMAND ...}). Each command class also has
 * its own main, so it can be given to spark-submit's --class directly.
 */
@Command(
    name = "personlab",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "PersonLab on Spark: people, their keypoints and masks in large photo collections, and COCO evaluation.",
    subcommands = {LabelCommand.class, ExportCocoCommand.class, ExportParquetCommand.class, ImportRunsCommand.class,
      EvaluateCommand.class, ImportCocoCommand.class, InferCommand.class, EvaluateModelCommand.class, ImportModelCommand.class, ReportCommand.class,
      OracleCommand.class, BenchEvalCommand.class, BenchEvaluateCommand.class, BenchDecodeCommand.class, BenchLabelCommand.class, BenchPhotosCommand.class, BenchTableCommand.class,
      CommandLine.HelpCommand.class})
public final class PersonLab implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  public static void main(String[] args) {
    exit(execute(new PersonLab(), args));
  }

  /**
   * Ends a command's main. Under spark-submit a successful run returns normally: a System.exit
   * before YARN's ApplicationMaster reports its final status would mark the run FAILED.
   */
  public static void exit(int code) {
    if (code == 0 && System.getProperty("spark.master") != null) {
      return;
    }
    System.exit(code);
  }

  /**
   * Runs a command and returns its exit code: 0 done, 1 an input or runtime problem (one line
   * on stderr naming the input), 2 a usage error.
   */
  public static int execute(Object command, String... args) {
    CommandLine cl = new CommandLine(command);
    try {
      cl.setDefaultValueProvider(JobDefaults.forArgs(args));
    } catch (IllegalArgumentException e) {
      cl.getErr().println("error: " + e.getMessage());
      cl.getErr().flush();
      return 1;
    }
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      if (e instanceof CocoFormatException || e instanceof IllegalArgumentException
          || e instanceof io.personlab.image.ImageDecodeException
          || e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException) {
        err.println("error: " + e.getMessage());
      } else {
        err.println("error: " + e);
        e.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    return cl.execute(args);
  }
}
