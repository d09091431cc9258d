package io.personlab.cli;

import io.personlab.image.DecodedImage;
import io.personlab.image.ImageDecoder;
import io.personlab.image.Resizer;
import io.personlab.image.RgbImage;
import io.personlab.model.ModelSpec;
import io.personlab.model.PersonLabModel;
import io.personlab.pipeline.ImageResult;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code personlab bench-photos}: what camera-sized photos cost. One photo is enlarged to 12 MP
 * and 24 MP JPEGs (with mild noise, quality 0.92, so they compress like camera photos); then,
 * side by side, decode-to-network-input time on the native and the ImageIO path, libjpeg-turbo's
 * djpeg at the same scale, and the whole per-image time through the pipeline against the
 * original photo's.
 */
@Command(
    name = "bench-photos",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark of camera-sized photos: one photo enlarged to 12 MP and 24 MP JPEGs;",
      "decode-to-network-input time (native, ImageIO, djpeg -scale) and the whole per-image time",
      "against the original's. Medians over --repeats rounds; prints a Markdown table."
    })
public final class BenchPhotosCommand implements Callable<Integer> {
  @Option(names = "--photo", paramLabel = "JPEG",
      description = "the photo to enlarge (default: 000000000139.jpg or the first photo in ../shared/data/coco-mini-val/images)")
  Path photo;

  @Option(names = "--repeats", paramLabel = "N", description = "timed rounds over every measurement, after one warm-up round (default: ${DEFAULT-VALUE})")
  int repeats = 7;

  @Option(names = "--noise", paramLabel = "SIGMA", description = "Gaussian noise added to the enlarged photos, grey levels (default: ${DEFAULT-VALUE})")
  double noise = 4;

  @Option(names = "--keep", paramLabel = "DIR",
      description = "write the enlarged photos into DIR and keep them (to label them, e.g. for the output size per photo)")
  Path keep;

  @Mixin ModelOptions modelOptions;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new BenchPhotosCommand(), args));
  }

  private record Case(String label, Path file, int width, int height) {}

  @Override
  public Integer call() throws IOException {
    if (keep != null) {
      return run(Files.createDirectories(keep));
    }
    Path dir = Files.createTempDirectory("personlab-bench-photos");
    try {
      return run(dir);
    } finally {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private int run(Path dir) throws IOException {
    Path source = photo != null ? photo : defaultPhoto();
    byte[] original = Files.readAllBytes(source);
    ImageDecoder decoder = new ImageDecoder(modelOptions.maxPixels);
    RgbImage base = decoder.decode(original, source.toString());
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("original", source, base.width(), base.height()));
    String stem = source.getFileName().toString().replaceFirst("\\.[^.]*$", "");
    cases.add(enlarged(base, stem, 4000, 3000, dir));
    cases.add(enlarged(base, stem, 6000, 4000, dir));

    PipelineConfig config = modelOptions.pipelineConfig(PipelineConfig.DEFAULT_MIN_PERSON_SCORE);
    int threads = modelOptions.engineThreadsOrDefault(Runtime.getRuntime().availableProcessors());
    PersonLabModel model = PersonLabModel.shared(modelOptions.model(), threads);
    ModelSpec spec = model.spec();
    PersonLabPipeline pipeline = new PersonLabPipeline(spec, config);
    boolean bgr = "BGR".equals(spec.colorOrder());
    int longSide = config.largestLongSide();
    boolean djpeg = onPath("djpeg");

    System.out.printf("bench-photos: %s enlarged into %s (" + (keep != null ? "kept" : "deleted afterwards") + "); model %s, scales %s, %d engine thread(s), %d repeats%n",
        source, dir, spec.name(), config.longSides(), threads, repeats);
    // Round-robin: every repeat runs each measurement of each photo once, so load from other
    // processes falls on all columns alike; the first round is the warm-up.
    int n = cases.size();
    byte[][] bytes = new byte[n][];
    int[] factors = new int[n];
    for (int c = 0; c < n; c++) {
      bytes[c] = Files.readAllBytes(cases.get(c).file());
      factors[c] = decoder.decodeForNetwork(bytes[c], cases.get(c).file().toString(), longSide).factor();
    }
    double[][][] ms = new double[n][6][repeats]; // native, ImageIO, djpeg, whole, forward, post-processing
    try (PersonLabModel.Session session = model.newSession()) {
      for (int r = -1; r < repeats; r++) {
        for (int c = 0; c < n; c++) {
          String name = cases.get(c).file().toString();
          // a collection before each measurement: the previous one's garbage (a 24 MP decode is
          // 72 MB) is not this one's time
          System.gc();
          long t0 = System.nanoTime();
          DecodedImage d = decoder.decodeForNetwork(bytes[c], name, longSide);
          for (int s : config.longSides()) {
            Resizer.forNetwork(d, s, spec.outputStride(), bgr, spec.inputScale(), spec.inputOffset());
          }
          double nativeMs = (System.nanoTime() - t0) / 1e6;
          d = null;
          System.gc();
          t0 = System.nanoTime();
          RgbImage full = decoder.decode(bytes[c], name);
          for (int s : config.longSides()) {
            Resizer.forNetwork(full, s, spec.outputStride(), bgr, spec.inputScale(), spec.inputOffset());
          }
          double javaMs = (System.nanoTime() - t0) / 1e6;
          full = null;
          System.gc();
          t0 = System.nanoTime();
          if (djpeg) {
            djpeg(cases.get(c).file(), factors[c]);
          }
          double djpegMs = (System.nanoTime() - t0) / 1e6;
          System.gc();
          t0 = System.nanoTime();
          ImageResult result = pipeline.process(bytes[c], name, session);
          double wholeMs = (System.nanoTime() - t0) / 1e6;
          if (r >= 0) {
            double[] v = {nativeMs, javaMs, djpegMs, wholeMs, result.forwardMs(), result.postMs()};
            for (int i = 0; i < v.length; i++) {
              ms[c][i][r] = v[i];
            }
          }
        }
      }
    }
    double[][] rows = new double[n][];
    for (int c = 0; c < n; c++) {
      rows[c] = new double[] {Files.size(cases.get(c).file()) / 1e6, median(ms[c][0]), median(ms[c][1]),
          djpeg ? median(ms[c][2]) : Double.NaN, median(ms[c][3]), median(ms[c][4]), median(ms[c][5])};
    }

    System.out.println();
    System.out.println("| photo | size | file MB | factor | decode→input native ms | decode→input ImageIO ms"
        + " | djpeg -scale 1/F ms | native / djpeg | whole per image ms | forward ms | post-processing ms |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    for (int c = 0; c < cases.size(); c++) {
      Case k = cases.get(c);
      double[] r = rows[c];
      System.out.printf("| %s | %dx%d | %.2f | 1/%d | %.1f | %.1f | %s | %s | %.1f | %.1f | %.1f |%n", k.label(), k.width(),
          k.height(), r[0], factors[c], r[1], r[2], djpeg ? String.format("%.1f", r[3]) : "n/a",
          djpeg ? String.format("%.2fx", r[1] / r[3]) : "n/a", r[4], r[5], r[6]);
    }
    System.out.println();
    for (int c = 1; c < cases.size(); c++) {
      System.out.printf("%s: native decode→input %.2fx faster than ImageIO; %s; whole per image %.2fx the original's"
          + " (goal <= 2x); post-processing %.2fx the original's%s%n", cases.get(c).label(), rows[c][2] / rows[c][1],
          djpeg ? String.format("%.2fx djpeg -scale 1/%d (goal <= 1.5x)", rows[c][1] / rows[c][3], factors[c])
              : "djpeg not found", rows[c][4] / rows[0][4], rows[c][6] / rows[0][6],
          c == 1 ? " (goal for 12 MP <= 3x)" : "");
    }
    if (!djpeg) {
      System.out.println("djpeg is not on PATH; for its column: apt-get install libjpeg-turbo-progs");
    }
    return 0;
  }

  /** The photo stretched to w x h with bicubic interpolation, plus Gaussian noise, as a quality 0.92 JPEG. */
  private Case enlarged(RgbImage base, String stem, int w, int h, Path dir) throws IOException {
    BufferedImage src = new BufferedImage(base.width(), base.height(), BufferedImage.TYPE_3BYTE_BGR);
    byte[] s = ((DataBufferByte) src.getRaster().getDataBuffer()).getData();
    byte[] rgb = base.rgb();
    for (int i = 0; i < rgb.length; i += 3) {
      s[i] = rgb[i + 2];
      s[i + 1] = rgb[i + 1];
      s[i + 2] = rgb[i];
    }
    BufferedImage big = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = big.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
    g.drawImage(src, 0, 0, w, h, null);
    g.dispose();
    byte[] d = ((DataBufferByte) big.getRaster().getDataBuffer()).getData();
    Random random = new Random(w * 31L + h);
    for (int i = 0; i < d.length; i++) {
      int v = (int) Math.round((d[i] & 0xff) + noise * random.nextGaussian());
      d[i] = (byte) Math.max(0, Math.min(255, v));
    }
    Path file = dir.resolve(String.format("%s-%dmp-%dx%d.jpg", stem, Math.round(w * (double) h / 1e6), w, h));
    Files.write(file, io.personlab.image.JpegWriter.encode(big, 0.92f, false));
    return new Case(Math.round(w * (double) h / 1e6) + " MP", file, w, h);
  }

  private static Path defaultPhoto() throws IOException {
    Path images = Launcher.sharedDir().resolve("data/coco-mini-val/images");
    Path preferred = images.resolve("000000000139.jpg");
    if (Files.isRegularFile(preferred)) {
      return preferred;
    }
    try (Stream<Path> s = Files.list(images)) {
      return s.filter(p -> p.toString().endsWith(".jpg")).sorted().findFirst()
          .orElseThrow(() -> new IllegalArgumentException(images + ": no .jpg photo; give one with --photo"));
    }
  }

  private static void djpeg(Path file, int factor) {
    try {
      Process p = new ProcessBuilder("djpeg", "-scale", "1/" + factor, "-outfile", "/dev/null", file.toString())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("djpeg failed on " + file);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null && Arrays.stream(path.split(File.pathSeparator))
        .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
