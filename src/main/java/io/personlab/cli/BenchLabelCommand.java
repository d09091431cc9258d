package io.personlab.cli;

import io.personlab.image.ImageDecoder;
import io.personlab.image.DecodedImage;
import io.personlab.jobs.LabelJob;
import io.personlab.model.PersonLabModel;
import io.personlab.pipeline.ImageResult;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code personlab bench-label}: end-to-end images per second of the labeling job on local[1]
 * and local[2], against a plain Java loop doing the same work (read, decode, forward,
 * post-processing) on the same number of threads, with the plain loop's time split by stage.
 */
@Command(
    name = "bench-label",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark: the Spark labeling job (local[1], local[2]) against a plain Java loop doing the",
      "same work on the same cores; images per second and the overhead of Spark, Parquet and scheduling."
    })
public final class BenchLabelCommand implements Callable<Integer> {
  @Option(names = "--images", paramLabel = "DIR", description = "images (default: ../shared/data/coco-mini-val/images)")
  Path images;

  @Option(names = "--copies", paramLabel = "N", description = "the corpus is these many copies of the images (default: ${DEFAULT-VALUE})")
  int copies = 4;

  @Option(names = "--prefetch", paramLabel = "N", description = "images decoded ahead per task in the job; 0 = in the task's thread (default: automatic, as label)")
  int prefetch = -1;

  @Mixin ModelOptions modelOptions;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new BenchLabelCommand(), args));
  }

  @Override
  public Integer call() throws Exception {
    Path source = images != null ? images : Launcher.sharedDir().resolve("data/coco-mini-val/images");
    Path corpus = Files.createTempDirectory("personlab-bench-corpus");
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(source)) {
      List<Path> originals = s.filter(Files::isRegularFile).sorted().toList();
      for (int c = 0; c < copies; c++) {
        Path dir = Files.createDirectories(corpus.resolve("copy" + c));
        for (Path p : originals) {
          files.add(Files.createSymbolicLink(dir.resolve(p.getFileName()), p.toAbsolutePath()));
        }
      }
    }
    PipelineConfig config = modelOptions.pipelineConfig(PipelineConfig.DEFAULT_MIN_PERSON_SCORE);
    String model = modelOptions.model();
    PersonLabModel net = PersonLabModel.shared(model, 1); // one engine thread per worker, as in a task
    PersonLabPipeline pipeline = new PersonLabPipeline(net.spec(), config);
    System.out.printf("corpus: %d images (%d copies of %s), scales %s, model %s, 1 engine thread per worker, prefetch %d%n",
        files.size(), copies, source, config.longSides(), net.spec().name(), prefetch);
    plainLoop(files.subList(0, Math.min(20, files.size())), pipeline, net, 1); // warm-up
    double[] plain1 = plainLoop(files, pipeline, net, 1);
    double[] plain2 = plainLoop(files, pipeline, net, 2);
    report("plain Java loop, 1 thread", plain1, files.size());
    report("plain Java loop, 2 threads", plain2, files.size());
    double spark1 = sparkRun(corpus, model, config, "local[1]", files.size(), prefetch);
    double spark2 = sparkRun(corpus, model, config, "local[2]", files.size(), prefetch);
    System.out.printf("Spark job, local[1]: %.2f images/s (%.1f s), overhead over the plain loop %+.0f%%%n",
        files.size() / spark1, spark1, 100 * (spark1 / plain1[0] - 1));
    System.out.printf("Spark job, local[2]: %.2f images/s (%.1f s), overhead over the plain loop %+.0f%%%n",
        files.size() / spark2, spark2, 100 * (spark2 / plain2[0] - 1));
    return 0;
  }

  /** Wall seconds, then summed read+decode, forward and post-processing seconds. */
  private static double[] plainLoop(List<Path> files, PersonLabPipeline pipeline, PersonLabModel net, int threads)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    double[][] parts = new double[threads][3];
    Thread[] workers = new Thread[threads];
    long t0 = System.nanoTime();
    for (int w = 0; w < threads; w++) {
      double[] mine = parts[w];
      workers[w] = new Thread(() -> {
        ImageDecoder decoder = new ImageDecoder();
        try (PersonLabModel.Session session = net.newSession()) {
          for (int i = next.getAndIncrement(); i < files.size(); i = next.getAndIncrement()) {
            long a = System.nanoTime();
            DecodedImage img;
            try {
              img = decoder.decodeForNetwork(Files.readAllBytes(files.get(i)), files.get(i).toString(),
                  pipeline.config().largestLongSide());
            } catch (Exception e) {
              continue;
            }
            long b = System.nanoTime();
            ImageResult r = pipeline.process(img, session);
            mine[0] += (b - a) / 1e9 + r.decodeMs() / 1e3;
            mine[1] += r.forwardMs() / 1e3;
            mine[2] += r.postMs() / 1e3;
          }
        }
      });
      workers[w].start();
    }
    for (Thread t : workers) {
      t.join();
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    double[] out = {wall, 0, 0, 0};
    for (double[] p : parts) {
      out[1] += p[0];
      out[2] += p[1];
      out[3] += p[2];
    }
    return out;
  }

  private static void report(String label, double[] r, int n) {
    double busy = r[1] + r[2] + r[3];
    System.out.printf("%s: %.2f images/s (%.1f s); of the work: read+decode+resize %.0f%%, forward %.0f%%, post-processing %.0f%%%n",
        label, n / r[0], r[0], 100 * r[1] / busy, 100 * r[2] / busy, 100 * r[3] / busy);
  }

  /** Images per task: two tasks per core, so that no core idles through a last, lone task. */
  private static int tasksOf(String master, int n) {
    int cores = master.equals("local[1]") ? 1 : 2;
    return Math.max(1, (n + 2 * cores - 1) / (2 * cores));
  }

  private static double sparkRun(Path corpus, String model, PipelineConfig config, String master, int n,
      int prefetch) throws Exception {
    SparkSession spark = SparkSession.builder().master(master).appName("bench-label")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.host", "127.0.0.1").getOrCreate();
    Path out = Files.createTempDirectory("personlab-bench-labels");
    try {
      // a small warm-up job, so that the measured run starts with Spark's code paths loaded
      LabelJob.run(spark, new LabelJob.Options(List.of(corpus.resolve("copy0").toString()), null, "*",
          out.resolve("warmup").toString(), model, 1, config, 40, 256L << 20, 128L << 20, prefetch, false, null, 3600, 0, false));
      long t0 = System.nanoTime();
      LabelJob.Summary s = LabelJob.run(spark, new LabelJob.Options(List.of(corpus.toString()), null, "*",
          out.resolve("labels").toString(), model, 1, config, tasksOf(master, n), 256L << 20, 128L << 20, prefetch, false,
          null, 3600, 0, false));
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (s.images() != n) {
        throw new IllegalStateException("the job labeled " + s.images() + " of " + n + " images");
      }
      return seconds;
    } finally {
      spark.stop();
    }
  }
}
