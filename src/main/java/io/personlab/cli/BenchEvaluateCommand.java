package io.personlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.bench.ScaledCocoCase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code personlab bench-evaluate}: {@code evaluate} end to end, each run in a fresh child JVM, on
 * the 5000-image scale case and N-times copies of it ({@link ScaledCocoCase}), with the
 * single-JVM engine and the Spark engine in local mode. Measures the child's wall time and peak
 * resident memory (VmHWM from /proc, so Linux only), reads evaluate's own timings and stats from
 * its last stdout line, checks every run's stats against the jvm run's, and compares with the
 * pycocotools times recorded beside the reference.
 */
@Command(
    name = "bench-evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark of evaluate end to end, each run in a fresh child JVM:",
      "single-JVM engine and Spark local[N] on the 5000-image scale case",
      "repeated N times. Wall time, peak RSS (Linux /proc), evaluate's own",
      "total, stats checked against the jvm run, pycocotools' recorded times."
    })
public final class BenchEvaluateCommand implements Callable<Integer> {
  private static final Pattern LOCAL = Pattern.compile("local\\[(\\d+|\\*)]");

  /** Spark 3.5 on Java 17 needs these opens: the list jobs/personlab uses (read from it when present). */
  static final List<String> DEFAULT_OPENS = List.of(
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
      "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
      "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED");

  @Option(names = "--sizes", split = ",", paramLabel = "N",
      description = "copies of the scale case (1 = the reference files themselves; default: ${DEFAULT-VALUE})")
  List<Integer> sizes = List.of(1, 5, 20);

  @Option(names = "--iou-types", split = ",", paramLabel = "TYPE",
      description = "keypoints and/or segm (default: ${DEFAULT-VALUE})")
  List<String> iouTypes = List.of("keypoints", "segm");

  @Option(names = "--runs", split = ",", paramLabel = "RUN",
      description = "jvm (single-JVM engine) or local[N] (Spark engine, that master); default: ${DEFAULT-VALUE}")
  List<String> runs = List.of("jvm", "jvm[1]", "local[1]", "local[2]");

  @Option(names = "--work", paramLabel = "DIR",
      description = "generated cases (kept and reused) and child logs (default: target/bench-evaluate)")
  Path work;

  @Option(names = "--driver-memory", paramLabel = "SIZE", description = "the child JVM's -Xmx (default: ${DEFAULT-VALUE})")
  String driverMemory = "4g";

  @Option(names = "--repeat", paramLabel = "N",
      description = "child runs per setting; times are medians, peak RSS the maximum (default: ${DEFAULT-VALUE})")
  int repeat = 1;

  @Option(names = "--reference", paramLabel = "DIR",
      description = "reference/coco-eval folder (default: ../shared/reference/coco-eval beside the project)")
  Path reference;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new BenchEvaluateCommand(), args));
  }

  /** What one child run reported and what was measured around it. */
  record Measurement(double wallSeconds, double totalSeconds, long peakRssKb, double[] stats, String engine,
      double heapMb) {}

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (repeat < 1) {
      throw new IllegalArgumentException("--repeat must be at least 1");
    }
    for (String run : runs) {
      engineArgs(run); // refuses unknown runs before any work
    }
    for (int n : sizes) {
      if (n < 1) {
        throw new IllegalArgumentException("--sizes must be at least 1, got " + n);
      }
    }
    Path ref = reference != null ? reference : Launcher.sharedDir().resolve("reference/coco-eval");
    Path workDir = (work != null ? work : Launcher.home().resolve("target/bench-evaluate")).toAbsolutePath();
    ObjectMapper json = new ObjectMapper();
    if (!Files.isRegularFile(ref.resolve("manifest.json"))) {
      throw new IllegalArgumentException(ref + ": no manifest.json (pass --reference DIR)");
    }
    JsonNode manifest = json.readTree(ref.resolve("manifest.json").toFile());
    JsonNode timing = Files.exists(ref.resolve("scale/timing.json"))
        ? json.readTree(ref.resolve("scale/timing.json").toFile()) : null;

    // The scale case of each requested type: one ground truth, one results file per type.
    Path gt1 = null;
    Map<String, Path> results1 = new LinkedHashMap<>();
    for (String type : iouTypes) {
      JsonNode c = scaleCase(manifest, type, ref);
      Path gt = ref.resolve(c.get("gt").asText());
      if (gt1 != null && !gt1.equals(gt)) {
        throw new IllegalArgumentException("the scale cases have different ground truths: " + gt1 + ", " + gt);
      }
      gt1 = gt;
      results1.put(type, ref.resolve(c.get("results").asText()));
    }
    long images1 = ScaledCocoCase.count(gt1, "images");
    Map<String, Long> resultCounts1 = new LinkedHashMap<>();
    for (var e : results1.entrySet()) {
      resultCounts1.put(e.getKey(), ScaledCocoCase.count(e.getValue(), null));
    }

    List<String> opens = launcherOpens();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    boolean rssAvailable = Files.isReadable(Path.of("/proc/self/status"));
    System.out.printf("machine: %d cores, %s %s, Java %s; child -Xmx%s; peak RSS = VmHWM from /proc/<pid>/status "
            + "polled every 50 ms (Linux only%s)%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch"),
        System.getProperty("java.version"), driverMemory, rssAvailable ? "" : ": not available here");

    List<String> rows = new ArrayList<>();
    boolean ok = true;
    for (int n : sizes) {
      Path gt;
      Map<String, Path> results = new LinkedHashMap<>();
      if (n == 1) {
        gt = gt1;
        results.putAll(results1);
      } else {
        long t0 = System.nanoTime();
        ScaledCocoCase.Outputs out = ScaledCocoCase.write(gt1, List.copyOf(results1.values()), n,
            workDir.resolve("x" + n));
        gt = out.groundTruth();
        int i = 0;
        for (String type : results1.keySet()) {
          results.put(type, out.results().get(i++));
        }
        System.out.printf("x%d case ready in %.1fs (%s)%n", n, (System.nanoTime() - t0) / 1e9, workDir.resolve("x" + n));
      }
      for (String type : iouTypes) {
        String size = String.format(Locale.ROOT, "x%d (%,d images, %,d results)", n, n * images1,
            n * resultCounts1.get(type));
        Map<String, Measurement> byRun = new LinkedHashMap<>();
        for (String run : runs) {
          List<Measurement> reps = new ArrayList<>();
          for (int r = 0; r < repeat; r++) {
            String name = n + "-" + type + "-" + fileSafe(run);
            Measurement m = runChild(java, opens, classpath, gt, results.get(type), type, run,
                workDir.resolve("logs").resolve(name + (repeat > 1 ? "-" + r : "")));
            if (m == null) {
              ok = false;
              break;
            }
            reps.add(m);
            System.out.printf("  x%d %s %s: wall %.2fs, evaluate total %ss, peak RSS %s MB, heap after GC peak %.0f MB, engine %s%n",
                n, type, run, m.wallSeconds(), fmt(m.totalSeconds()), mb(m.peakRssKb()), m.heapMb(), m.engine());
          }
          if (reps.size() == repeat) {
            byRun.put(run, combine(reps));
          }
        }
        double py = pycocotoolsSeconds(timing, type);
        Measurement base = byRun.get("jvm");
        for (String run : runs) {
          Measurement m = byRun.get(run);
          if (m == null) {
            rows.add(row(size, type, run, "FAILED", "", "", "", "", "", ""));
            continue;
          }
          String diff;
          if (base == null) {
            diff = "n/a (no jvm run)";
          } else {
            double d = maxAbsDiff(base.stats(), m.stats());
            diff = d == 0 ? "0" : String.format(Locale.ROOT, "%.1e DIFFERENT", d);
            ok &= d == 0;
            System.out.printf("  x%d %s %s: stats max |diff| vs jvm = %s%n", n, type, run, diff);
          }
          double pyN = py * n;
          rows.add(row(size, type, run, fmt(m.wallSeconds()), fmt(m.totalSeconds()), mb(m.peakRssKb()),
              String.format(Locale.ROOT, "%.0f", m.heapMb()), diff,
              Double.isNaN(pyN) ? "" : String.format(Locale.ROOT, "%.1fx", pyN / m.wallSeconds()),
              Double.isNaN(pyN) || Double.isNaN(m.totalSeconds()) ? ""
                  : String.format(Locale.ROOT, "%.1fx", pyN / m.totalSeconds())));
        }
        if (!Double.isNaN(py)) {
          rows.add(row(size, type, n == 1 ? "pycocotools (measured, median of 3)"
                  : "pycocotools x1 figure scaled linearly (not measured)",
              fmt(py * n), "", "", "", "", "", ""));
        }
      }
    }
    System.out.println();
    System.out.println("pycocotools figure = results JSON parse + loadRes + evaluate+accumulate+summarize "
        + "(scale/timing.json, medians; GT load excluded); speed-up = that figure / our time");
    System.out.println();
    System.out.println(row("size", "iou type", "run", "wall s", "evaluate total s", "peak RSS MB",
        "heap after GC, peak MB", "max abs diff vs jvm", "speed-up vs pycocotools (wall)",
        "speed-up (evaluate total)"));
    System.out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
    rows.forEach(System.out::println);
    return ok ? 0 : 1;
  }

  /**
   * The child's command line: {@code java OPENS -Xmx.. -Dai.djl.offline=true -cp CP
   * io.personlab.cli.PersonLab evaluate --gt GT --predictions PRED --iou-type T --engine ..
   * [--master local[N]]}.
   */
  static List<String> childCommand(String java, List<String> opens, String driverMemory, String classpath,
      Path gt, Path predictions, String iouType, String run) {
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(opens);
    cmd.add("-Xmx" + driverMemory);
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-Dio.netty.tryReflectionSetAccessible=true");
    cmd.add("-Djava.awt.headless=true");
    Path log4j = Launcher.home().resolve("conf/log4j2-local.properties");
    if (Files.isRegularFile(log4j)) {
      cmd.add("-Dlog4j2.configurationFile=" + log4j);
    }
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(PersonLab.class.getName());
    cmd.addAll(List.of("evaluate", "--gt", gt.toString(), "--predictions", predictions.toString(),
        "--iou-type", iouType));
    cmd.addAll(engineArgs(run)); // no --output: both engines compute the same things, nothing more
    return cmd;
  }

  /**
   * {@code jvm} -> --engine jvm (all cores); {@code jvm[N]} -> --engine jvm --threads N;
   * {@code local[N]} -> --engine spark --master local[N].
   */
  static List<String> engineArgs(String run) {
    if (run.equals("jvm")) {
      return List.of("--engine", "jvm");
    }
    java.util.regex.Matcher threads = java.util.regex.Pattern.compile("jvm\\[(\\d+)]").matcher(run);
    if (threads.matches()) {
      return List.of("--engine", "jvm", "--threads", threads.group(1));
    }
    if (LOCAL.matcher(run).matches()) {
      return List.of("--engine", "spark", "--master", run);
    }
    throw new IllegalArgumentException("--runs: '" + run + "' is none of jvm, jvm[N], local[N]");
  }

  private Measurement runChild(String java, List<String> opens, String classpath, Path gt, Path predictions,
      String type, String run, Path log) throws IOException, InterruptedException {
    Files.createDirectories(log.getParent());
    Path stdout = log.resolveSibling(log.getFileName() + ".out");
    Path stderr = log.resolveSibling(log.getFileName() + ".err");
    List<String> cmd = childCommand(java, opens, driverMemory, classpath, gt, predictions, type, run);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    pb.environment().putIfAbsent("SPARK_LOCAL_IP", "127.0.0.1");
    long t0 = System.nanoTime();
    Process p = pb.start();
    long peakKb = -1;
    Path status = Path.of("/proc", Long.toString(p.pid()), "status");
    while (p.isAlive()) {
      long v = vmHwmKb(status);
      if (v >= 0) {
        peakKb = v; // VmHWM only grows: the last value read is the peak seen
      }
      if (p.waitFor(50, TimeUnit.MILLISECONDS)) {
        break;
      }
    }
    int rc = p.waitFor();
    double wall = (System.nanoTime() - t0) / 1e9;
    String last = lastLine(stdout);
    if (rc != 0 || last == null || !last.trim().startsWith("{")) {
      System.out.printf("  FAILED (exit %d): %s%n  command: %s%n  stderr (%s), last lines:%n", rc, run,
          String.join(" ", cmd), stderr);
      tail(stderr, 15).forEach(l -> System.out.println("    " + l));
      return null;
    }
    JsonNode node = new ObjectMapper().readTree(last);
    JsonNode stats = node.get("stats");
    if (stats == null || !stats.isArray()) {
      System.out.printf("  FAILED: %s: the last stdout line has no stats: %s%n", run, last);
      return null;
    }
    double[] s = new double[stats.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = stats.get(i).asDouble();
    }
    JsonNode total = node.path("seconds").path("total");
    return new Measurement(wall, total.isNumber() ? total.asDouble() : Double.NaN, peakKb, s,
        node.path("engine").asText("?"), node.path("heap_after_gc_peak_mb").asDouble(Double.NaN));
  }

  /** Median times, maximum peak RSS, the stats furthest from the first repeat's. */
  private static Measurement combine(List<Measurement> reps) {
    double[] wall = reps.stream().mapToDouble(Measurement::wallSeconds).sorted().toArray();
    double[] total = reps.stream().mapToDouble(Measurement::totalSeconds).sorted().toArray();
    long peak = reps.stream().mapToLong(Measurement::peakRssKb).max().orElse(-1);
    double[] stats = reps.get(0).stats();
    for (Measurement m : reps) {
      if (maxAbsDiff(reps.get(0).stats(), m.stats()) != 0) {
        stats = m.stats(); // a run that disagrees with itself must show in the diff column
      }
    }
    double heap = reps.stream().mapToDouble(Measurement::heapMb).max().orElse(Double.NaN);
    return new Measurement(median(wall), median(total), peak, stats, reps.get(0).engine(), heap);
  }

  private static double median(double[] v) {
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static double maxAbsDiff(double[] a, double[] b) {
    if (a.length != b.length) {
      return Double.POSITIVE_INFINITY;
    }
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      if (Double.doubleToLongBits(a[i]) != Double.doubleToLongBits(b[i])) {
        d = Math.max(d, Double.isNaN(a[i] - b[i]) ? Double.POSITIVE_INFINITY : Math.abs(a[i] - b[i]));
      }
    }
    return d;
  }

  /** pycocotools' x1 figure: results JSON parse + loadRes + evaluate+accumulate+summarize (medians). */
  static double pycocotoolsSeconds(JsonNode timing, String type) {
    JsonNode m = timing == null ? null : timing.path("scale_" + type).get("median_s");
    if (m == null) {
      return Double.NaN;
    }
    return m.get("results_json_parse_s").asDouble() + m.get("loadRes_s").asDouble()
        + m.get("evaluate_accumulate_summarize_s").asDouble();
  }

  private static JsonNode scaleCase(JsonNode manifest, String type, Path ref) {
    for (JsonNode c : manifest.get("cases")) {
      if (c.get("case").asText().equals("scale_" + type)) {
        return c;
      }
    }
    throw new IllegalArgumentException("--iou-types: no case scale_" + type + " in " + ref.resolve("manifest.json"));
  }

  /** The --add-opens flags of jobs/personlab, so that children run as the launcher runs; else the built-in list. */
  static List<String> launcherOpens() {
    Path launcher = Launcher.home().resolve("jobs/personlab");
    if (Files.isRegularFile(launcher)) {
      try {
        Matcher m = Pattern.compile("--add-opens=\\S+").matcher(Files.readString(launcher));
        List<String> out = new ArrayList<>();
        while (m.find()) {
          out.add(m.group());
        }
        if (!out.isEmpty()) {
          return out;
        }
      } catch (IOException e) {
        // fall back to the built-in list
      }
    }
    return DEFAULT_OPENS;
  }

  private static long vmHwmKb(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process has ended, or no /proc (not Linux)
    }
    return -1;
  }

  private static String lastLine(Path file) throws IOException {
    List<String> lines = tail(file, 1);
    return lines.isEmpty() ? null : lines.get(0);
  }

  private static List<String> tail(Path file, int n) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<String> lines;
    try (Stream<String> s = Files.lines(file)) {
      lines = s.filter(l -> !l.isBlank()).toList();
    } catch (java.io.UncheckedIOException e) {
      lines = Arrays.asList(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)
          .split("\n"));
    }
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }

  /** local[2] -> local-2: brackets are glob characters in Hadoop paths. */
  static String fileSafe(String run) {
    return run.replace("[", "-").replace("]", "").replace("*", "all");
  }

  private static String fmt(double seconds) {
    return Double.isNaN(seconds) ? "n/a" : String.format(Locale.ROOT, "%.2f", seconds);
  }

  private static String mb(long kb) {
    return kb < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", kb / 1024.0);
  }

  private static String row(String... cells) {
    return "| " + String.join(" | ", cells) + " |";
  }
}
