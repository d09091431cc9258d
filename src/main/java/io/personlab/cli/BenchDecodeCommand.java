package io.personlab.cli;

import io.personlab.bench.SyntheticScenes;
import io.personlab.decode.DecoderConfig;
import io.personlab.decode.HoughMaps;
import io.personlab.decode.Pose;
import io.personlab.decode.PoseDecoder;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.FrameTransform;
import io.personlab.maps.PersonLabMaps;
import io.personlab.decode.RefinedField;
import io.personlab.rle.Rle;
import io.personlab.segment.MaskAssociation;
import io.personlab.targets.TargetEncoder;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code personlab bench-decode}: post-processing time per image on one thread, by stage, for
 * synthetic scenes encoded into maps, over input sizes, strides and numbers of people.
 */
@Command(
    name = "bench-decode",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark of the decoding core on one thread: Hough voting, pose decoding (refinement,",
      "grouping, scoring, NMS) and masks, per image, on synthetic people encoded into maps."
    })
public final class BenchDecodeCommand implements Callable<Integer> {

  @Option(names = "--sizes", split = ",", paramLabel = "PX", description = "square input sizes (default: ${DEFAULT-VALUE})")
  List<Integer> sizes = List.of(513, 1025);

  @Option(names = "--strides", split = ",", paramLabel = "S", description = "output strides (default: ${DEFAULT-VALUE})")
  List<Integer> strides = List.of(16, 8);

  @Option(names = "--people", split = ",", paramLabel = "N", description = "people per image (default: ${DEFAULT-VALUE})")
  List<Integer> people = List.of(1, 5, 20, 40);

  @Option(names = "--images", paramLabel = "N", description = "distinct synthetic images per setting (default: ${DEFAULT-VALUE})")
  int images = 8;

  @Option(names = "--seconds", paramLabel = "S", description = "timed seconds per setting after warm-up (default: ${DEFAULT-VALUE})")
  double seconds = 1.0;

  @Mixin DecodingOptions decoding;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new BenchDecodeCommand(), args));
  }

  @Override
  public Integer call() {
    DecoderConfig config = decoding.decoderConfig().withMaxPeople(Math.max(20, people.stream().max(Integer::compare).orElse(20)));
    PoseDecoder poses = new PoseDecoder(config);
    MaskAssociation masks = new MaskAssociation(decoding.maskConfig(), config.longSelfRefinementSteps(),
        config.longShortRefinementSteps());
    TargetEncoder encoder = new TargetEncoder(CocoKeypoints.POSE_CHAIN, config.discRadius());
    System.out.printf("one thread, %s, Java %s; times are per image (median over the timed runs)%n",
        System.getProperty("os.arch"), System.getProperty("java.version"));
    System.out.printf("%6s %6s %6s | %9s %9s %9s %9s | %9s %6s%n", "input", "stride", "people",
        "hough ms", "poses ms", "masks ms", "total ms", "found", "maskpx");
    for (int size : sizes) {
      for (int stride : strides) {
        for (int n : people) {
          PersonLabMaps[] maps = new PersonLabMaps[images];
          for (int i = 0; i < images; i++) {
            FrameTransform tf = FrameTransform.identity(size, size);
            maps[i] = encoder.oracleMaps(SyntheticScenes.people(n, size, size, 1000L * n + i), tf,
                TargetEncoder.gridFor(tf, stride));
          }
          double[] result = measure(maps, poses, masks);
          System.out.printf("%6d %6d %6d | %9.3f %9.3f %9.3f %9.3f | %9.1f %6.0f%n", size, stride, n,
              result[0], result[1], result[2], result[1] + result[2], result[3], result[4]);
        }
      }
    }
    return 0;
  }

  /** Median ms of Hough voting alone, pose decoding (incl. Hough), masks; mean people; mean mask area. */
  private double[] measure(PersonLabMaps[] maps, PoseDecoder poses, MaskAssociation masks) {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    int warmup = 3 * maps.length;
    double[] hough = new double[100000], pose = new double[100000], mask = new double[100000];
    int runs = 0;
    double found = 0, area = 0;
    for (int r = 0; r < warmup || (System.nanoTime() < deadline && runs < hough.length); r++) {
      PersonLabMaps m = maps[r % maps.length];
      long t0 = System.nanoTime();
      HoughMaps.vote(m, poses.config());
      long t1 = System.nanoTime();
      RefinedField refinedLong = poses.refinedLongOffsets(m);
      List<Pose> ps = poses.decode(m, refinedLong);
      long t2 = System.nanoTime();
      List<Rle> ms = masks.masks(m, refinedLong, ps);
      long t3 = System.nanoTime();
      if (r >= warmup) {
        hough[runs] = (t1 - t0) / 1e6;
        // the long-range refinement serves both stages; it is counted with the masks
        pose[runs] = (t2 - t1) / 1e6;
        mask[runs] = (t3 - t2) / 1e6;
        runs++;
        found += ps.size();
        for (Rle rle : ms) {
          area += rle.area();
        }
      } else if (r == warmup - 1) {
        deadline = System.nanoTime() + (long) (seconds * 1e9);
      }
    }
    return new double[] {median(hough, runs), median(pose, runs), median(mask, runs),
        found / runs, area / Math.max(1, found)};
  }

  private static double median(double[] v, int n) {
    double[] c = Arrays.copyOf(v, n);
    Arrays.sort(c);
    return c[n / 2];
  }
}
