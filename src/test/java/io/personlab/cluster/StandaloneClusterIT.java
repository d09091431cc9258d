package io.personlab.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The labeling job's shaded jar on a real Spark standalone cluster of separate JVMs (a master, two
 * 1-core workers, the executors they fork, the driver), submitted with spark-submit through Spark's
 * launcher, reading images from and writing labels to S3 (a real S3 server on 127.0.0.1), the
 * model shipped from S3. Every run must give exactly the rows of a local[2] run over the same
 * images ({@link Labels#reference}): one per image, none lost or duplicated, the same people, the
 * same keypoint AP; also when an executor or the driver is SIGKILLed while labeling.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
  static final String MODEL_NAME = "bodypix-mobilenet050-stride16.onnx";
  static final String INPUT = "s3a://photos/coco-mini-val/";
  static final String MODEL_S3 = "s3a://models/" + MODEL_NAME;
  static final Pattern PROGRESS = Pattern.compile("progress: (\\d+) / 79 images");

  static Path dir;
  static Procs procs;
  static S3Server s3;
  static Path sparkHome;
  static StandaloneCluster cluster;
  static SparkSession spark;
  static Labels.Store reference;
  static final List<String> timings = new ArrayList<>();
  static int runs;

  @BeforeAll
  static void start() throws Exception {
    // fail, never skip, without the shared data
    Path images = SharedData.path("data/coco-mini-val/images");
    Path model = SharedData.path("models/" + MODEL_NAME);
    dir = SparkHome.TARGET.resolve("cluster-it/standalone");
    deleteRecursively(dir);
    procs = new Procs(dir.resolve("logs"));
    long t0 = System.nanoTime();
    s3 = new S3Server();
    assertEquals(79, s3.putFiles("photos", "coco-mini-val/", images));
    s3.putFile("models", MODEL_NAME, model);
    s3.client.createBucket("labels");
    sparkHome = SparkHome.prepare();
    cluster = new StandaloneCluster(procs, sparkHome, dir, 2, "3g");
    timings.add(String.format("S3 upload + master and 2 workers up: %.1f s", secondsSince(t0)));

    spark = Labels.localSpark(s3.s3a());
    reference = Labels.reference(spark, OPTIONS, timings);
  }

  @AfterAll
  static void stop() {
    try {
      if (procs != null) {
        procs.close(); // every daemon, executor, driver and submission, even after a failure
      }
      if (spark != null) {
        spark.stop();
      }
      if (s3 != null) {
        s3.close();
      }
    } finally {
      System.out.println("StandaloneClusterIT timings (79 images, --scales 385, 2 workers x 1 core):");
      timings.forEach(t -> System.out.println("  " + t));
    }
  }

  /** The job's options besides input, output and model: the same for every run and the reference. */
  // --coco-ids: image ids from the COCO file names, so that the rows can be scored against the
  // ground truth
  static final List<String> OPTIONS = List.of("--scales", "385", "--images-per-task", "5", "--run-date", "2026-11-25",
      "--progress-seconds", "1", "--coco-ids");

  static List<String> jobArgs(String output, String model) {
    List<String> args = new ArrayList<>(List.of("--input", INPUT, "--output", output, "--model", model));
    args.addAll(OPTIONS);
    return args;
  }

  /** spark-submit's command line: the job jar with the repository's spark-defaults.conf. */
  static List<String> submitCommand(List<String> sparkOptions, List<String> jobArgs) {
    return submitCommand("io.personlab.cli.LabelCommand", sparkOptions, jobArgs);
  }

  static List<String> submitCommand(String mainClass, List<String> sparkOptions, List<String> jobArgs) {
    List<String> cmd = new ArrayList<>(List.of(sparkHome.resolve("bin/spark-submit").toString(),
        "--master", cluster.url(), "--class", mainClass,
        "--properties-file", SparkHome.PROJECT.resolve("conf/spark-defaults.conf").toString(),
        "--conf", "spark.executor.memory=1g", "--conf", "spark.ui.enabled=false"));
    for (Map.Entry<String, String> e : s3.s3a().entrySet()) {
      cmd.addAll(List.of("--conf", "spark.hadoop." + e.getKey() + "=" + e.getValue()));
    }
    cmd.addAll(sparkOptions);
    cmd.add(SparkHome.jobJar().toString());
    cmd.addAll(jobArgs);
    return cmd;
  }

  static Procs.Proc submit(String name, List<String> sparkOptions, List<String> jobArgs) throws Exception {
    List<String> cmd = submitCommand(sparkOptions, jobArgs);
    Path cwd = dir.resolve(String.format("submit-%02d-%s", ++runs, name));
    Files.createDirectories(cwd);
    System.out.println("[" + name + "] " + String.join(" ", cmd));
    return procs.start(name, cmd, SparkHome.env(sparkHome), cwd);
  }

  /** Submits, waits, checks the exit code; returns the seconds it took. */
  static double submitAndWait(String name, List<String> sparkOptions, List<String> jobArgs) throws Exception {
    long t0 = System.nanoTime();
    Procs.Proc p = submit(name, sparkOptions, jobArgs);
    int rc = p.waitFor(Duration.ofMinutes(4));
    assertEquals(0, rc, name + " failed; its output:\n" + p.tail(8000));
    return secondsSince(t0);
  }

  /** The run's rows equal the local run's: one per image, all ok, same people, same AP. */
  static void assertSameAsReference(String output, int completeRunsRows) throws Exception {
    assertSameAsReference(Labels.read(spark, output), completeRunsRows);
  }

  static void assertSameAsReference(Labels.Store s, int completeRunsRows) {
    String output = "run";
    assertEquals(79, s.latest().size(), output + ": one row per image");
    assertEquals(79, s.distinctUris(), output + ": no image twice");
    assertEquals(completeRunsRows, s.all().size(), output + ": rows of all complete runs");
    assertEquals(79, s.ok(), output + ": every image ok");
    assertEquals(reference.people(), s.people(), output + ": the same people as the local run");
    double[] a = reference.keypointStats(), b = s.keypointStats();
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-12, output + ": keypoint stat " + i);
    }
  }

  @Test
  @Order(1)
  void clientModeWithTheModelShippedByFiles() throws Exception {
    // --files puts the model in every executor's work dir and the driver's SparkFiles root, where
    // the bare --model name is found
    String out = "s3a://labels/client";
    double cold = submitAndWait("client-cold", List.of("--deploy-mode", "client", "--files", MODEL_S3),
        jobArgs(out, MODEL_NAME));
    timings.add(String.format("client mode, first submit (cold), --files: %.1f s", cold));
    assertSameAsReference(out, 79);
  }

  @Test
  @Order(2)
  void clusterModeWithTheModelInS3AndThenByFiles() throws Exception {
    for (String run : List.of("cold", "warm")) {
      String out = "s3a://labels/cluster-" + run;
      long t0 = System.nanoTime();
      // waitAppCompletion: spark-submit returns when the driver ends (it exits 0 even when the
      // driver failed, so the driver's final state is checked through the master). The first
      // run reads the model from S3 (--model s3a://...), the second has it shipped by --files.
      List<String> options = new ArrayList<>(List.of("--deploy-mode", "cluster",
          "--conf", "spark.standalone.submit.waitAppCompletion=true"));
      List<String> args = jobArgs(out, run.equals("cold") ? MODEL_S3 : MODEL_NAME);
      if (run.equals("warm")) {
        // the second run writes the label table (Iceberg), as a plain Apache Spark takes it: the
        // runtime jar with --jars (spark-defaults.conf installs the SQL extensions)
        options.addAll(List.of("--files", MODEL_S3, "--jars", SparkHome.icebergJar().toString()));
        args.addAll(List.of("--table", "labels"));
      }
      Procs.Proc p = submit("cluster-" + run, options, args);
      assertEquals(0, p.waitFor(Duration.ofMinutes(4)), p.tail(8000));
      Matcher m = Pattern.compile("(driver-\\d+-\\d+)").matcher(p.output());
      assertTrue(m.find(), "no driver id in spark-submit's output:\n" + p.tail(4000));
      String driverId = m.group(1);
      Procs.await("driver " + driverId + " to end", Duration.ofMinutes(2), () -> {
        String st = cluster.driverState(driverId);
        return st != null && !st.equals("SUBMITTED") && !st.equals("RUNNING") && !st.equals("RELAUNCHING");
      });
      double s = secondsSince(t0);
      String driverOut = driverOutput(driverId);
      assertEquals("FINISHED", cluster.driverState(driverId), "driver " + driverId + ":\n" + driverOut);
      assertTrue(driverOut.contains("labeled 79 images (0 errors, 0 already labeled)"), driverOut);
      timings.add(String.format("cluster mode, %s submit (until the driver ended), %s: %.1f s", run,
          run.equals("cold") ? "--model s3a://" : "--files, --table", s));
      if (run.equals("warm")) {
        assertSameAsReference(Labels.readTable(spark, "labels", out), 79);
      } else {
        assertSameAsReference(out, 79);
      }
    }
  }

  /** The driver's stdout and stderr, from the work dir of the worker that ran it. */
  static String driverOutput(String driverId) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (Path w : cluster.workDirs) {
      Path d = w.resolve("work").resolve(driverId);
      for (String f : List.of("stdout", "stderr")) {
        if (Files.exists(d.resolve(f))) {
          String text = Files.readString(d.resolve(f));
          sb.append("== ").append(d.resolve(f)).append('\n')
              .append(f.equals("stderr") && text.length() > 6000 ? text.substring(text.length() - 6000) : text);
        }
      }
    }
    return sb.toString();
  }

  @Test
  @Order(3)
  void anExecutorKilledWhileLabelingWithPrefetch() throws Exception {
    executorKilled(2);
  }

  @Test
  @Order(4)
  void anExecutorKilledWhileLabelingWithoutPrefetch() throws Exception {
    executorKilled(0);
  }

  void executorKilled(int prefetch) throws Exception {
    String out = "s3a://labels/executor-killed-prefetch-" + prefetch;
    // the model from S3 with prefetch, shipped by --files without: both ways see a lost executor
    List<String> args = new ArrayList<>(jobArgs(out, prefetch > 0 ? MODEL_S3 : MODEL_NAME));
    args.addAll(List.of("--prefetch", String.valueOf(prefetch)));
    Procs.Proc p = submit("executor-kill-" + prefetch, prefetch > 0 ? List.of() : List.of("--files", MODEL_S3), args);
    int done = awaitProgress(p);
    List<ProcessHandle> executors = cluster.executors();
    assertFalse(executors.isEmpty(), "no executor JVM found under the workers");
    ProcessHandle victim = executors.get(0);
    victim.destroyForcibly(); // SIGKILL
    timings.add(String.format("executor %d SIGKILLed with %d / 79 images done (prefetch %d)", victim.pid(), done,
        prefetch));
    assertEquals(0, p.waitFor(Duration.ofMinutes(4)), p.tail(8000));
    String log = p.output();
    assertTrue(log.contains("labeled 79 images (0 errors, 0 already labeled)"), p.tail(4000));
    assertTrue(log.matches("(?s).*(Lost executor|Removed executor|ExecutorLost|executor lost).*"),
        "the driver saw no executor loss:\n" + p.tail(6000));
    assertSameAsReference(out, 79);
  }

  /** Waits until the driver's progress log shows some images done (not all); returns how many. */
  static int awaitProgress(Procs.Proc p) throws Exception {
    int[] done = {0};
    Procs.await("progress in " + p.name(), Duration.ofMinutes(3), () -> {
      if (!p.process().isAlive()) {
        throw new AssertionError(p.name() + " ended before any progress:\n" + p.tail(6000));
      }
      Matcher m = PROGRESS.matcher(p.output());
      while (m.find()) {
        done[0] = Integer.parseInt(m.group(1));
      }
      return done[0] > 0;
    });
    assertTrue(done[0] < 79, p.name() + ": all images were done before the kill; the fault test proves nothing");
    return done[0];
  }

  @Test
  @Order(5)
  void theDriverKilledHalfWayThenTheSameCommandAgain() throws Exception {
    String out = "s3a://labels/driver-killed";
    Procs.Proc p = submit("driver-kill", List.of(), jobArgs(out, MODEL_S3));
    int done = awaitProgress(p);
    Procs.kill(p.process().toHandle()); // SIGKILL: the client-mode driver is the spark-submit JVM
    timings.add(String.format("driver SIGKILLed with %d / 79 images done", done));
    // the master notices the driver's loss, ends the application and frees the executors
    Procs.await("the killed application to end", Duration.ofMinutes(1), () -> cluster.activeApps() == 0);
    long t0 = System.nanoTime();
    Procs.Proc again = submit("driver-kill-rerun", List.of(), jobArgs(out, MODEL_S3));
    assertEquals(0, again.waitFor(Duration.ofMinutes(4)), again.tail(8000));
    timings.add(String.format("client mode, later submit (warm), --model s3a:// (the re-run after the driver kill): %.1f s",
        secondsSince(t0)));
    // the killed run never committed (_SUCCESS): the re-run labels everything, once
    assertTrue(again.stdout().contains("labeled 79 images (0 errors, 0 already labeled)"), again.tail(4000));
    assertSameAsReference(out, 79);
  }

  static double secondsSince(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  @Test
  @Order(6)
  void theEvaluationJobGivesPycocotoolsNumbersOnTheCluster() throws Exception {
    // the job's own executors parse, match and rank; inputs and outputs in S3, gzip included
    Path ref = SharedData.cocoEval();
    s3.client.createBucket("eval");
    s3.putFile("eval", "gt.json", ref.resolve("gt_person_keypoints_val2017_mini.json"));
    s3.putFile("eval", "kp_ties.json", ref.resolve("results/kp_ties_results.json"));
    s3.putFile("eval", "kp_jitter_fp.json", ref.resolve("results/kp_jitter_fp_results.json"));
    s3.putFile("eval", "scale/gt.json.gz", ref.resolve("scale/gt_synthetic_scale.json.gz"));
    s3.putFile("eval", "scale/segm.json.gz", ref.resolve("scale/scale_segm_results.json.gz"));
    record Case(String gt, String predictions, String compare, String iouType, String expected,
        String expectedCompare) {}
    for (Case c : List.of(
        new Case("s3a://eval/gt.json", "s3a://eval/kp_ties.json", "s3a://eval/kp_jitter_fp.json", "keypoints",
            "kp_ties", "kp_jitter_fp"),
        new Case("s3a://eval/scale/gt.json.gz", "s3a://eval/scale/segm.json.gz", null, "segm", "scale_segm", null))) {
      String out = "s3a://eval/out-" + c.expected();
      List<String> args = new ArrayList<>(List.of("--gt", c.gt(), "--predictions", c.predictions(),
          "--iou-type", c.iouType(), "--output", out));
      if (c.compare() != null) {
        args.addAll(List.of("--compare", c.compare()));
      }
      long t0 = System.nanoTime();
      List<String> cmd = submitCommand("io.personlab.cli.EvaluateCommand",
          List.of("--deploy-mode", "client"), args);
      Path cwd = dir.resolve(String.format("submit-%02d-evaluate-%s", ++runs, c.expected()));
      Procs.Proc p = procs.start("evaluate-" + c.expected(), cmd, SparkHome.env(sparkHome), cwd);
      assertEquals(0, p.waitFor(Duration.ofMinutes(4)), "evaluate failed; its output:\n" + p.tail(8000));
      timings.add(String.format("evaluation job, %s%s: %.1f s", c.expected(),
          c.compare() == null ? "" : " compared with " + c.expectedCompare(), secondsSince(t0)));
      List<String> lines = p.stdout().lines().toList();
      com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
      com.fasterxml.jackson.databind.JsonNode last = json.readTree(lines.get(lines.size() - 1));
      assertEquals("spark", last.get("engine").asText());
      assertStats(json.readTree(ref.resolve("expected/" + c.expected() + ".json").toFile()).get("stats"),
          last.get("stats"), c.expected());
      if (c.compare() != null) {
        assertStats(json.readTree(ref.resolve("expected/" + c.expectedCompare() + ".json").toFile()).get("stats"),
            last.get("compare").get("stats"), c.expectedCompare());
      }
      com.fasterxml.jackson.databind.JsonNode metrics = json.readTree(s3.client.getObjectAsString("eval",
          "out-" + c.expected() + "/metrics.json"));
      assertEquals(last.get("stats").get(0).asDouble(),
          metrics.get("prediction_sets").get(0).get("stats_array").get(0).asDouble(), 0.0);
      assertEquals(c.compare() == null ? 1 : 2, metrics.get("prediction_sets").size());
    }
  }

  static void assertStats(com.fasterxml.jackson.databind.JsonNode expected,
      com.fasterxml.jackson.databind.JsonNode got, String name) {
    assertEquals(expected.size(), got.size(), name);
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).asDouble(), got.get(i).asDouble(), 0.0, name + " stat " + i);
    }
  }

  static void deleteRecursively(Path p) throws Exception {
    if (Files.exists(p)) {
      try (var walk = Files.walk(p)) {
        for (Path f : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
          Files.delete(f);
        }
      }
    }
  }
}
