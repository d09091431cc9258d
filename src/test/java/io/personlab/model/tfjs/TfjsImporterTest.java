package io.personlab.model.tfjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SymbolBlock;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personlab.cli.ImportModelCommand;
import io.personlab.cli.PersonLab;
import io.personlab.maps.ChannelLayout;
import io.personlab.model.ModelSpec;
import io.personlab.model.tfjs.ReferenceInterpreter.Tensor;
import io.personlab.model.tfjs.TfjsImporter.ImportResult;
import io.personlab.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Imports the PoseNet tfjs model from ../shared and proves the SavedModel, run by DJL's
 * TensorFlow engine, computes what the tfjs graph defines: every output equals a naive plain-Java
 * evaluation of model.json ({@link ReferenceInterpreter}). Nothing derived from the model is
 * stored in the repository; the comparison is recomputed each run.
 */
class TfjsImporterTest {

  private static final String POSENET = "models/posenet-mobilenet-tfjs/posenet.json";
  private static final String HEATMAP = "MobilenetV1/heatmap_2/BiasAdd";
  private static final String OFFSET = "MobilenetV1/offset_2/BiasAdd";
  private static final String FWD = "MobilenetV1/displacement_fwd_2/BiasAdd";
  private static final String BWD = "MobilenetV1/displacement_bwd_2/BiasAdd";
  private static final List<String> OUTPUTS = List.of(HEATMAP, OFFSET, FWD, BWD);
  private static final double TOLERANCE = 1e-4;

  @TempDir static Path tmp;

  private static Path modelJson;
  private static Path bin;
  private static ImportResult imported;
  private static ZooModel<NDList, NDList> model;
  private static ReferenceInterpreter reference;

  @BeforeAll
  static void importPoseNet() throws Exception {
    modelJson = SharedData.path(POSENET); // fails, never skips, without ../shared
    bin = SharedData.path("models/posenet-mobilenet-tfjs/posenet.bin");
    imported = TfjsImporter.importGraphModel(modelJson, tmp.resolve("posenet"));
    model = Criteria.builder()
        .setTypes(NDList.class, NDList.class)
        .optModelPath(imported.savedModelDir())
        .optEngine("TensorFlow")
        .build()
        .loadModel();
    reference = ReferenceInterpreter.load(modelJson);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  @Test
  void writesSavedModelAndSpec() throws IOException {
    Path dir = imported.savedModelDir();
    assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")));
    assertEquals("image", imported.inputKey());
    assertEquals(List.of(FWD, HEATMAP, BWD, OFFSET), imported.outputKeys()); // tfjs signature order
    assertEquals(94, imported.nodes());
    assertEquals(31, imported.rewrittenNodes());
    assertEquals(62, imported.weights());
    assertEquals(Files.size(bin), imported.weightBytes());

    ModelSpec spec = ModelSpec.read(dir.resolve(ModelSpec.DIRECTORY_SPEC));
    assertEquals(imported.spec(), spec);
    assertEquals("posenet", spec.name());
    assertEquals("TensorFlow", spec.engine());
    assertEquals(".", spec.modelPath());
    assertEquals("image", spec.inputName());
    assertEquals("RGB", spec.colorOrder());
    assertEquals(1 / 127.5, spec.inputScale(), 0);
    assertEquals(-1.0, spec.inputOffset(), 0);
    assertEquals(16, spec.outputStride());
    assertEquals(Map.of(ModelSpec.HEATMAPS, HEATMAP, ModelSpec.SHORT, OFFSET, ModelSpec.MID_FORWARD, FWD,
        ModelSpec.MID_BACKWARD, BWD), spec.outputs());
    assertTrue(spec.logits());
    assertEquals(ChannelLayout.Y_THEN_X, spec.channelLayout());
    assertFalse(spec.hasMaskHeads());

    // DJL sees the signature: one input, the four outputs (sorted by key).
    assertEquals(List.of("image"), model.getBlock().describeInput().keys());
    assertEquals(List.of(BWD, FWD, HEATMAP, OFFSET), ((SymbolBlock) model.getBlock()).describeOutput().keys());
  }

  /**
   * Every output equals the reference. The bound is 1e-4, or 4x the float32 rounding noise of the
   * same graph when that is larger: with random [-1, 1] pixels the activations get large enough
   * that a correct float32 evaluation (the reference with float accumulation) already drifts
   * ~8e-5 from the double-accumulated answer, and TensorFlow's own summation order lands at
   * ~1.1e-4. A real import fault (weights, padding, activation) is off by 0.1 or more.
   */
  @ParameterizedTest(name = "[1,{0},{1},3]")
  @CsvSource({"33, 33", "49, 65"})
  void savedModelEqualsReferenceInterpreter(int h, int w) throws Exception {
    float[] image = randomImage(h, w, 31L * h + w);
    Map<String, Tensor> tf = runSavedModel(image, h, w);
    Tensor input = new Tensor(new int[] {1, h, w, 3}, image);
    Map<String, Tensor> exact = reference.run(input, OUTPUTS);
    Map<String, Tensor> float32 = reference.float32().run(input, OUTPUTS);
    int oh = (h + 15) / 16;
    int ow = (w + 15) / 16;
    Map<String, Integer> channels = Map.of(HEATMAP, 17, OFFSET, 34, FWD, 32, BWD, 32);
    double worst = 0;
    for (String name : OUTPUTS) {
      Tensor a = tf.get(name);
      Tensor b = exact.get(name);
      assertArrayEquals(new int[] {1, oh, ow, channels.get(name)}, a.shape(), name);
      assertArrayEquals(b.shape(), a.shape(), name);
      double maxDiff = maxAbsDiff(a, b);
      double noise = maxAbsDiff(float32.get(name), b);
      double maxAbs = maxAbsDiff(b, new Tensor(b.shape(), new float[b.data().length]));
      double bound = Math.max(TOLERANCE, 4 * noise);
      System.out.printf("tfjs import [1,%d,%d,3] %-40s max |TF - reference| = %.3g, float32 noise %.3g,"
          + " bound %.3g (max |value| %.3g)%n", h, w, name, maxDiff, noise, bound, maxAbs);
      assertTrue(maxDiff <= bound, name + ": max abs diff " + maxDiff + " > " + bound);
      assertTrue(maxAbs > 0.01, name + " is all (near) zero: the comparison would prove nothing");
      worst = Math.max(worst, maxDiff);
    }
    System.out.printf("tfjs import [1,%d,%d,3]: max abs diff over all outputs %.3g%n", h, w, worst);
  }

  /**
   * On a real photo, prepared exactly as the pipeline prepares it (resized, normalised, padded to
   * 16k+1), every output equals the reference to 1e-4, flat: natural images keep activations in
   * the range where float32 summation order does not reach 1e-4.
   */
  @Test
  void savedModelEqualsReferenceOnARealPhotoTo1e4() throws Exception {
    byte[] jpeg = java.nio.file.Files.readAllBytes(
        SharedData.path("data/coco-mini-val/images/000000109313.jpg"));
    io.personlab.image.NetworkInput in = io.personlab.image.Resizer.forNetwork(
        new io.personlab.image.ImageDecoder().decode(jpeg, "000000109313.jpg"), 97, 16, false, 1 / 127.5, -1);
    int h = in.height(), w = in.width();
    Map<String, Tensor> tf = runSavedModel(in.data(), h, w);
    Map<String, Tensor> exact = reference.run(new Tensor(new int[] {1, h, w, 3}, in.data()), OUTPUTS);
    for (String name : OUTPUTS) {
      double maxDiff = maxAbsDiff(tf.get(name), exact.get(name));
      System.out.printf("tfjs import, real photo [1,%d,%d,3] %-40s max |TF - reference| = %.3g%n", h, w, name, maxDiff);
      assertTrue(maxDiff <= TOLERANCE, name + ": max abs diff " + maxDiff + " > " + TOLERANCE);
    }
  }

  private static double maxAbsDiff(Tensor a, Tensor b) {
    double max = 0;
    for (int i = 0; i < a.data().length; i++) {
      max = Math.max(max, Math.abs((double) a.data()[i] - b.data()[i]));
    }
    return max;
  }

  /**
   * The import leaves the batch dimension open: a batch of two images gives each the outputs of
   * its own forward (what the label job's --batch-size relies on for TensorFlow models).
   */
  @Test
  void aBatchOfTwoGivesEachImageTheOutputsOfItsOwnForward() throws Exception {
    int h = 65, w = 49;
    float[] first = randomImage(h, w, 1), second = randomImage(h, w, 2);
    float[] both = new float[2 * first.length];
    System.arraycopy(first, 0, both, 0, first.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    Map<String, Tensor> a = runSavedModel(first, h, w), b = runSavedModel(second, h, w);
    try (Predictor<NDList, NDList> predictor = model.newPredictor();
        NDManager manager = NDManager.newBaseManager("TensorFlow")) {
      NDList out = predictor.predict(new NDList(manager.create(both, new Shape(2, h, w, 3))));
      for (String name : OUTPUTS) {
        NDArray batch = find(out, name);
        assertEquals(2, batch.getShape().get(0), name);
        float[] values = batch.toFloatArray();
        int each = values.length / 2;
        double worst = 0, apart = 0;
        for (int i = 0; i < each; i++) {
          worst = Math.max(worst, Math.abs(values[i] - a.get(name).data()[i]));
          worst = Math.max(worst, Math.abs(values[each + i] - b.get(name).data()[i]));
          apart = Math.max(apart, Math.abs(a.get(name).data()[i] - b.get(name).data()[i]));
        }
        assertTrue(worst <= 1e-5, name + ": batched and single forwards differ by " + worst);
        assertTrue(apart > 0.1, name + ": the two images' outputs are alike; the comparison would prove nothing");
      }
    }
  }

  @Test
  void commandLineImports() throws Exception {
    Path out = tmp.resolve("cli");
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream old = System.out;
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = PersonLab.execute(new ImportModelCommand(), "--tfjs", modelJson.toString(), "--output", out.toString(),
          "--stride", "16");
    } finally {
      System.setOut(old);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    System.out.print(printed);
    assertEquals(0, code);
    assertEquals(1, printed.lines().count(), printed);
    assertTrue(printed.startsWith("imported " + modelJson + ": 94 nodes (31 fused rewritten), 62 weights"), printed);
    assertTrue(Files.isRegularFile(out.resolve("saved_model.pb")));
    assertEquals(16, ModelSpec.read(out.resolve(ModelSpec.DIRECTORY_SPEC)).outputStride());
  }

  // ---- error paths: each message names the file, weight or node at fault ----

  @Test
  void missingWeightFile() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("missing"));
    Path json = Files.copy(modelJson, dir.resolve("posenet.json"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TfjsImporter.importGraphModel(json, dir.resolve("out")));
    assertEquals("weight file not found: " + dir.resolve("posenet.bin") + " (listed in " + json + ")", e.getMessage());
  }

  @Test
  void truncatedWeightFile() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("truncated"));
    Path json = Files.copy(modelJson, dir.resolve("posenet.json"));
    byte[] bytes = Files.readAllBytes(bin);
    Files.write(dir.resolve("posenet.bin"), Arrays.copyOf(bytes, bytes.length - 4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TfjsImporter.importGraphModel(json, dir.resolve("out")));
    assertEquals(dir.resolve("posenet.bin") + ": " + (bytes.length - 4) + " bytes of weights, but " + json
        + " lists " + bytes.length + " bytes (62 weights)", e.getMessage());
  }

  @Test
  void unknownOp() throws IOException {
    String node = "MobilenetV1/MobilenetV1/Conv2d_3_pointwise/Relu6";
    Path json = editedModel("unknown-op", root -> node(root, node).put("op", "NoSuchOp"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TfjsImporter.importGraphModel(json, json.getParent().resolve("out")));
    assertEquals(json + ": unsupported op 'NoSuchOp' in node '" + node + "': not a TensorFlow op", e.getMessage());
    assertFalse(Files.exists(json.getParent().resolve("out")), "nothing written for a refused model");
  }

  @Test
  void unknownTfjsFusedOp() throws IOException {
    String node = "MobilenetV1/MobilenetV1/Conv2d_3_pointwise/Relu6";
    Path json = editedModel("fused-matmul", root -> node(root, node).put("op", "_FusedMatMul"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TfjsImporter.importGraphModel(json, json.getParent().resolve("out")));
    assertEquals(json + ": unsupported op '_FusedMatMul' in node '" + node
        + "': a tfjs fused op this importer cannot rewrite", e.getMessage());
  }

  @Test
  void unsupportedFusedActivation() throws IOException {
    String node = "MobilenetV1/MobilenetV1/Conv2d_0/Relu6";
    String prelu = java.util.Base64.getEncoder().encodeToString("Prelu".getBytes(StandardCharsets.UTF_8));
    Path json = editedModel("prelu", root -> {
      var list = (com.fasterxml.jackson.databind.node.ArrayNode) node(root, node).path("attr").path("fused_ops")
          .path("list").path("s");
      list.set(1, list.textNode(prelu));
    });
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TfjsImporter.importGraphModel(json, json.getParent().resolve("out")));
    assertEquals(json + ": node '" + node + "' (_FusedConv2D) fuses [BiasAdd, Prelu]; only BiasAdd, optionally"
        + " followed by Relu or Relu6, can be rewritten", e.getMessage());
  }

  @Test
  void unsupportedWeightDtype() throws IOException {
    Path json = editedModel("float16", root ->
        ((ObjectNode) root.path("weightsManifest").get(0).path("weights").get(1)).put("dtype", "float16"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TfjsImporter.importGraphModel(json, json.getParent().resolve("out")));
    assertEquals(json + ": weight 'Const_60' in " + json.getParent().resolve("posenet.bin")
        + " has dtype 'float16'; only float32 and int32 are supported", e.getMessage());
  }

  @Test
  void malformedJson() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("malformed"));
    Path json = Files.writeString(dir.resolve("model.json"), "{\"format\": \"graph-model\", \"modelTopology\": {");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TfjsImporter.importGraphModel(json, dir.resolve("out")));
    assertTrue(e.getMessage().startsWith(json + ": not valid JSON: "), e.getMessage());
  }

  // ---- helpers ----

  private static float[] randomImage(int h, int w, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] image = new float[h * w * 3];
    for (int i = 0; i < image.length; i++) {
      image[i] = (float) (random.nextDouble() * 2 - 1); // the model's input range, [-1, 1)
    }
    return image;
  }

  private static Map<String, Tensor> runSavedModel(float[] image, int h, int w) throws Exception {
    try (Predictor<NDList, NDList> predictor = model.newPredictor();
        NDManager manager = NDManager.newBaseManager("TensorFlow")) {
      NDList out = predictor.predict(new NDList(manager.create(image, new Shape(1, h, w, 3))));
      Map<String, Tensor> byName = new LinkedHashMap<>();
      for (String name : OUTPUTS) {
        NDArray a = find(out, name);
        long[] s = a.getShape().getShape();
        byName.put(name, new Tensor(Arrays.stream(s).mapToInt(Math::toIntExact).toArray(), a.toFloatArray()));
      }
      out.close();
      return byName;
    }
  }

  private static NDArray find(NDList list, String name) {
    List<String> names = new ArrayList<>();
    for (NDArray a : list) {
      if (name.equals(a.getName())) {
        return a;
      }
      names.add(a.getName());
    }
    throw new AssertionError("no output " + name + " among " + names);
  }

  private interface Edit {
    void apply(ObjectNode root);
  }

  /** A copy of posenet.json (and its .bin) in its own folder, with one edit. */
  private static Path editedModel(String folder, Edit edit) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(folder));
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(modelJson.toFile());
    edit.apply(root);
    Path out = dir.resolve("posenet.json");
    json.writeValue(out.toFile(), root);
    Files.copy(bin, dir.resolve("posenet.bin"));
    return out;
  }

  private static ObjectNode node(JsonNode root, String name) {
    for (JsonNode n : root.path("modelTopology").path("node")) {
      if (n.path("name").asText().equals(name)) {
        return (ObjectNode) n;
      }
    }
    throw new AssertionError("no node " + name);
  }
}
