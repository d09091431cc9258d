package io.personlab.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personlab.coco.CocoDataset;
import io.personlab.io.CocoJson;
import io.personlab.testing.SharedData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The partitioned accumulation gives {@link Accumulator}'s doubles (the same steps over one
 * partition, checked against pycocotools by CocoEvalParityTest) bit for bit on every reference
 * case, however the ranking is cut into partitions (many, empty ones, a partition per
 * detection), and whatever order the images' detections arrive in before the sort.
 */
class RankedAccumulatorTest {

  static List<org.junit.jupiter.params.provider.Arguments> cases() throws IOException {
    return CocoEvalParityTest.cases().toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void partitionedEqualsSequential(String name, JsonNode c) throws IOException {
    Path dir = SharedData.cocoEval();
    IouType type = IouType.parse(c.get("iouType").asText());
    String resPath = dir.resolve(c.get("results").asText()).toString();
    CocoDataset gt = CocoJson.readDataset(dir.resolve(c.get("gt").asText()).toString());
    EvalParams params = EvalParams.defaults(type);
    List<Detection> dts = Detections.prepare(gt, CocoJson.readResults(resPath), resPath,
        params.oksSigmas().length);
    ImageEvaluation[][][] perImage =
        new CocoEvaluator(params).evaluateImages(gt, dts, resPath, 2, w -> {});
    Accumulation expected = Accumulator.accumulate(params, perImage);

    int numK = perImage.length, numA = params.areaRanges().length, flagsPer = numA * params.iouThrs().length;
    long[] npig = new long[numK * numA];
    boolean[] present = new boolean[numK];
    List<ImageEvaluation[]> images = new ArrayList<>();
    List<Integer> categories = new ArrayList<>();
    for (int k = 0; k < numK; k++) {
      for (int i = 0; i < perImage[k][0].length; i++) {
        if (perImage[k][0][i] == null) {
          continue;
        }
        present[k] = true;
        ImageEvaluation[] areas = new ImageEvaluation[numA];
        for (int a = 0; a < numA; a++) {
          areas[a] = perImage[k][a][i];
          npig[k * numA + a] += areas[a].numGt();
        }
        images.add(areas);
        categories.add(k);
      }
    }
    // the sort alone must restore pycocotools' order, whatever order the images arrive in
    RankedAccumulator.Columns inOrder = columns(images, categories, flagsPer, null).sorted();
    Random random = new Random(name.hashCode());
    RankedAccumulator.Columns all = columns(images, categories, flagsPer, random).sorted();
    assertArrayEquals(inOrder.score(), all.score(), 0.0, name + ": scores in ranking order");
    assertArrayEquals(inOrder.imageId(), all.imageId(), name + ": images in ranking order");
    assertArrayEquals(inOrder.rank(), all.rank(), name + ": ranks in ranking order");
    assertArrayEquals(inOrder.flags(), all.flags(), name + ": flags in ranking order");

    int n = all.size();
    List<int[]> splits = List.of(new int[] {0, n}, cuts(n, 7, random), cuts(n, 40, random),
        cutsWithEmpty(n, random), perDetection(Math.min(n, 300), n));
    for (int[] cut : splits) {
      List<RankedAccumulator.Columns> parts = new ArrayList<>();
      for (int i = 0; i + 1 < cut.length; i++) {
        RankedAccumulator.Columns.Builder part = new RankedAccumulator.Columns.Builder(flagsPer);
        for (int j = cut[i]; j < cut[i + 1]; j++) {
          part.add(all, j);
        }
        parts.add(part.build());
      }
      List<RankedAccumulator.Counts> counts = new ArrayList<>();
      for (RankedAccumulator.Columns part : parts) {
        counts.add(RankedAccumulator.count(params, numK, part));
      }
      RankedAccumulator.Counts[] starts = RankedAccumulator.exclusivePrefix(params, numK, counts);
      List<RankedAccumulator.Partial> partials = new ArrayList<>();
      for (int i = 0; i < parts.size(); i++) {
        partials.add(RankedAccumulator.partial(params, numK, npig, starts[i], parts.get(i)));
      }
      Accumulation got = RankedAccumulator.combine(params, numK, npig, present,
          RankedAccumulator.total(params, numK, counts), partials);
      String what = name + " in " + parts.size() + " partitions";
      assertArrayEquals(expected.precision(), got.precision(), 0.0, what + ": precision");
      assertArrayEquals(expected.recall(), got.recall(), 0.0, what + ": recall");
      assertArrayEquals(Summary.of(expected).stats(), Summary.of(got).stats(), 0.0, what + ": stats");
    }
    assertTrue(n > 0, name + ": no detection kept");
  }

  /** The images' kept detections as columns, in the given order or shuffled. */
  private static RankedAccumulator.Columns columns(List<ImageEvaluation[]> images, List<Integer> categories,
      int flagsPer, Random shuffle) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      order.add(i);
    }
    if (shuffle != null) {
      Collections.shuffle(order, shuffle);
    }
    RankedAccumulator.Columns.Builder b = new RankedAccumulator.Columns.Builder(flagsPer);
    for (int i : order) {
      b.addImage(categories.get(i), images.get(i));
    }
    return b.build();
  }

  /** Cut points for {@code parts} partitions of random sizes. */
  private static int[] cuts(int n, int parts, Random random) {
    int[] cut = new int[parts + 1];
    for (int i = 1; i < parts; i++) {
      cut[i] = random.nextInt(n + 1);
    }
    cut[parts] = n;
    java.util.Arrays.sort(cut);
    return cut;
  }

  /** Empty partitions first, between and last. */
  private static int[] cutsWithEmpty(int n, Random random) {
    int mid = random.nextInt(n + 1);
    return new int[] {0, 0, mid, mid, mid, n, n};
  }

  /** One partition per detection for the first {@code m}, then the rest. */
  private static int[] perDetection(int m, int n) {
    int[] cut = new int[m + 2];
    for (int i = 0; i <= m; i++) {
      cut[i] = i;
    }
    cut[m + 1] = n;
    assertEquals(n, cut[cut.length - 1]);
    return cut;
  }
}
