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

  private static EvaluateModelCommand parseEvaluate(String... args) {
    EvaluateModelCommand cmd = new EvaluateModelCommand();
    CommandLine cl = new CommandLine(cmd);
    cl.setDefaultValueProvider(JobDefaults.forArgs(args));
    cl.parseArgs(args);
    return cmd;
  }

  @Test
  void aPresetSetsEveryKnobAndTheCommandLineOverridesIt() throws Exception {
    String[] base = {"--gt", "g.json", "--images", "."};
    EvaluateModelCommand plain = parseEvaluate(base);
    assertEquals(false, plain.modelOptions.flip);
    assertEquals(null, plain.modelOptions.models);
    for (String name : List.of("fast", "balanced", "accurate")) {
      // every key of a preset is an option of the commands that run a network
      Properties file = new Properties();
      try (var in = Files.newBufferedReader(Path.of("conf/presets/" + name + ".properties"))) {
        file.load(in);
      }
      Set<String> options = new CommandLine(new EvaluateModelCommand()).getCommandSpec().options().stream()
          .map(o -> o.longestName().replaceFirst("^-+", "")).collect(Collectors.toSet());
      for (String key : file.stringPropertyNames()) {
        assertTrue(options.contains(key), name + ": " + key + " is no option");
      }
    }
    EvaluateModelCommand accurate = parseEvaluate("--gt", "g.json", "--images", ".", "--preset", "accurate");
    assertEquals(true, accurate.modelOptions.flip);
    assertEquals(2, accurate.modelOptions.models.size());
    assertTrue(accurate.modelOptions.models.get(1).startsWith("{models}/"));
    assertEquals(0, accurate.modelOptions.ensembleWeights().weight(io.personlab.maps.EnsembleWeights.Head.SEGMENTATION, 0));
    EvaluateModelCommand overridden = parseEvaluate("--gt", "g.json", "--images", ".", "--preset", "accurate",
        "--flip=false", "--scales", "513");
    assertEquals(false, overridden.modelOptions.flip);
    assertEquals(List.of(513), overridden.modelOptions.scales);
    assertEquals(2, overridden.modelOptions.models.size());
    EvaluateModelCommand one = parseEvaluate("--gt", "g.json", "--images", ".", "--preset", "balanced", "--model", "x.onnx");
    assertEquals(List.of("x.onnx"), one.modelOptions.models);
    assertEquals(1, one.modelOptions.models().size());
    assertEquals(1, PersonLab.execute(new EvaluateModelCommand(), "--gt", "g.json", "--images", ".", "--preset", "nope"));
  }

  @Test
  void labelTakesEveryPresetAndPassesTheEnsembleAsGiven() {
    for (String name : List.of("fast", "balanced", "accurate")) {
      LabelCommand label = parse("--input", "in", "--output", "out", "--preset", name);
      List<String> models = label.modelOptions.givenModels();
      assertEquals(name.equals("fast") ? 1 : 2, models.size(), name);
      assertTrue(models.stream().noneMatch(m -> m.contains("{models}")), models.toString());
      if (!name.equals("fast")) {
        // PoseNet as shipped: the job stages and imports it on every host, not the driver's temp folder
        assertTrue(models.get(0).endsWith("posenet-mobilenet-tfjs/posenet.json"), models.toString());
        assertEquals("1,0;segmentation=0,1;long=0,1", label.modelOptions.modelWeights());
      }
    }
  }
}
