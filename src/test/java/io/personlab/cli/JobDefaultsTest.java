package io.personlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** conf/label.properties, a user's --defaults file and the command line, in that order of precedence. */
class JobDefaultsTest {
  @TempDir Path tmp;

  private static LabelCommand parse(String... args) {
    LabelCommand cmd = new LabelCommand();
    CommandLine cl = new CommandLine(cmd);
    cl.setDefaultValueProvider(JobDefaults.forArgs(args));
    cl.parseArgs(args);
    return cmd;
  }

  @Test
  void everyKeyOfTheProjectFileIsAnOptionOfTheJob() throws Exception {
    Properties file = new Properties();
    try (var in = Files.newBufferedReader(Path.of("conf/label.properties"))) {
      file.load(in);
    }
    assertEquals(file, JobDefaults.builtIn("label"), "the file in conf/ is the one packaged");
    Set<String> options = new CommandLine(new LabelCommand()).getCommandSpec().options().stream()
        .map(o -> o.longestName().replaceFirst("^-+", "")).collect(Collectors.toSet());
    for (String key : file.stringPropertyNames()) {
      assertTrue(options.contains(key), "conf/label.properties: " + key + " is not an option of label");
    }
    assertTrue(file.size() >= 15, "model, scales, decoding, task sizing, engine threads: " + file.keySet());
  }

  @Test
  void projectDefaultsThenTheUsersFileThenTheCommandLine() throws Exception {
    LabelCommand plain = parse("--input", "in", "--output", "out");
    assertEquals(200, plain.imagesPerTask);
    assertEquals(List.of(769), plain.modelOptions.scales);
    assertEquals(1, plain.modelOptions.engineThreadsOrDefault(99), "label: one engine thread per task");

    Path mine = tmp.resolve("nightly.properties");
    Files.writeString(mine, "images-per-task = 50\nscales = 513,769\nhough-cells = 4\noutput = s3a://b/labels\n");
    LabelCommand withFile = parse("--defaults", mine.toString(), "--input", "in");
    assertEquals(50, withFile.imagesPerTask);
    assertEquals(List.of(513, 769), withFile.modelOptions.scales);
    assertEquals(4, withFile.modelOptions.decoding.houghCells);
    assertEquals("s3a://b/labels", withFile.output);
    assertEquals(268435456L, withFile.bytesPerTask, "keys the user's file leaves out keep the project's value");

    LabelCommand overridden = parse("--defaults=" + mine, "--input", "in", "--images-per-task", "7");
    assertEquals(7, overridden.imagesPerTask);
  }

  @Test
  void anUnreadableDefaultsFileIsOneErrorNamingIt() {
    EvaluateCommandTestRun r = EvaluateCommandTestRun.of("label", "--defaults", tmp.resolve("missing.properties").toString(),
        "--input", "x", "--output", "y");
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith("error: " + tmp.resolve("missing.properties") + ": cannot read the defaults file"), r.err());
  }

  /** Runs the CLI and captures its output (see EvaluateCommandTest). */
  record EvaluateCommandTestRun(int exit, String err) {
    static EvaluateCommandTestRun of(String... args) {
      EvaluateCommandTest.Run r = EvaluateCommandTest.run(args);
      return new EvaluateCommandTestRun(r.exit(), r.err());
    }
  }
}
