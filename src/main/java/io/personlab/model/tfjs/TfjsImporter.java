package io.personlab.model.tfjs;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.maps.ChannelLayout;
import io.personlab.model.ModelSpec;
import io.personlab.model.tfjs.TfjsWeights.Weight;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Imports a TensorFlow.js graph model (the format Google publishes PoseNet and BodyPix in:
 * {@code model.json} plus {@code *.bin} weight shards) into a TensorFlow SavedModel that DJL's
 * TensorFlow engine loads, and writes a PersonLab {@link ModelSpec} beside it.
 *
 * <p>The SavedModel has one signature, {@code serving_default}. Its keys are the tfjs signature's
 * tensor names without the {@code :0} suffix (an output index other than 0 is kept, as
 * {@code name:1}): for PoseNet the input is {@code image} and the outputs are
 * {@code MobilenetV1/heatmap_2/BiasAdd}, {@code MobilenetV1/offset_2/BiasAdd},
 * {@code MobilenetV1/displacement_fwd_2/BiasAdd} and {@code MobilenetV1/displacement_bwd_2/BiasAdd}.
 * DJL orders a SavedModel's outputs by key and names each NDArray after its key. Without a tfjs
 * signature the placeholders are the inputs and the nodes nobody consumes are the outputs.
 *
 * <p>The spec assumes the MobileNet preprocessing of PoseNet/BodyPix (RGB, {@code v / 127.5 - 1});
 * the ResNet variants subtract channel means instead, so edit the spec for them.
 */
public final class TfjsImporter {
  private TfjsImporter() {}

  public static final int DEFAULT_OUTPUT_STRIDE = 16;

  /**
   * What an import produced.
   *
   * @param savedModelDir the SavedModel directory (the output directory)
   * @param specFile the PersonLab spec written beside it
   * @param spec the spec's content
   * @param inputKey the signature input key
   * @param outputKeys the signature output keys
   * @param nodes nodes in the tfjs graph
   * @param rewrittenNodes fused tfjs nodes rewritten to standard ops
   * @param weights weights read
   * @param weightBytes their total size
   */
  public record ImportResult(Path savedModelDir, Path specFile, ModelSpec spec, String inputKey,
      List<String> outputKeys, int nodes, int rewrittenNodes, int weights, long weightBytes) {}

  /** {@link #importGraphModel(Path, Path, int)} with output stride 16. */
  public static ImportResult importGraphModel(Path modelJson, Path outputDir) throws IOException {
    return importGraphModel(modelJson, outputDir, DEFAULT_OUTPUT_STRIDE);
  }

  /**
   * Imports {@code modelJson} into {@code outputDir} (created if needed; an existing SavedModel
   * there is overwritten). Every problem is an IllegalArgumentException naming the file, weight,
   * node or op at fault.
   *
   * @param outputStride the network's output stride, recorded in the spec
   */
  public static ImportResult importGraphModel(Path modelJson, Path outputDir, int outputStride) throws IOException {
    if (outputStride < 1) {
      throw new IllegalArgumentException("output stride must be at least 1, not " + outputStride);
    }
    modelJson = modelJson.toAbsolutePath().normalize();
    outputDir = outputDir.toAbsolutePath().normalize();
    if (!Files.isRegularFile(modelJson)) {
      throw new IllegalArgumentException("model file not found: " + modelJson);
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(modelJson.toFile());
    } catch (JacksonException e) {
      throw new IllegalArgumentException(modelJson + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject() || !root.path("modelTopology").isObject()) {
      throw new IllegalArgumentException(modelJson + ": not a tfjs graph model (no modelTopology object)");
    }
    if (root.has("format") && !root.get("format").asText().equals("graph-model")) {
      throw new IllegalArgumentException(modelJson + ": format is '" + root.get("format").asText()
          + "', only tfjs graph models (format graph-model) can be imported");
    }
    Map<String, Weight> weights = TfjsWeights.read(root.get("weightsManifest"), modelJson);

    // TF classes must not load before DJL has set up the native library (offline shim).
    Engine.getEngine("TensorFlow");
    Set<String> tfOps = new HashSet<>();
    for (OpDef op : TensorFlow.registeredOpList().getOpList()) {
      tfOps.add(op.getName());
    }
    TfjsGraph.Converted converted =
        TfjsGraph.convert(root.path("modelTopology").get("node"), weights, modelJson, tfOps::contains);

    // Signature tensors: the tfjs signature, else placeholders in and unconsumed nodes out.
    Map<String, String> inputs = signatureTensors(root.path("signature").path("inputs"));
    Map<String, String> outputs = signatureTensors(root.path("signature").path("outputs"));
    if (inputs.isEmpty()) {
      for (String p : converted.placeholders()) {
        inputs.put(p, p + ":0");
      }
    }
    if (outputs.isEmpty()) {
      for (String sink : sinks(converted)) {
        outputs.put(sink, sink + ":0");
      }
    }
    if (inputs.size() != 1) {
      throw new IllegalArgumentException(modelJson + ": a PersonLab model has one image input, this one has "
          + inputs.keySet());
    }
    Map<String, String> roles = roles(outputs.keySet(), modelJson);
    String inputKey = inputs.keySet().iterator().next();
    ModelSpec spec = new ModelSpec(specName(modelJson), "TensorFlow", ".", inputKey, "RGB", 1 / 127.5, -1.0,
        outputStride, roles, true, ChannelLayout.Y_THEN_X, null, null).validated(modelJson.toString());

    Files.createDirectories(outputDir);
    try (Graph graph = new Graph()) {
      try {
        graph.importGraphDef(converted.graphDef());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(modelJson + ": TensorFlow rejected the converted graph: " + e.getMessage(), e);
      }
      Signature.Builder signature = Signature.builder().key(Signature.DEFAULT_KEY);
      for (Map.Entry<String, String> e : inputs.entrySet()) {
        signature.input(e.getKey(), output(graph, e.getValue(), modelJson));
      }
      for (Map.Entry<String, String> e : outputs.entrySet()) {
        signature.output(e.getKey(), output(graph, e.getValue(), modelJson));
      }
      try (Session session = new Session(graph)) {
        SavedModelBundle.exporter(outputDir.toString()).withSession(session).withSignature(signature.build()).export();
      }
    }
    Path specFile = outputDir.resolve(ModelSpec.DIRECTORY_SPEC);
    spec.write(specFile);
    long bytes = weights.values().stream().mapToLong(w -> w.data().length).sum();
    return new ImportResult(outputDir, specFile, spec, inputKey, List.copyOf(outputs.keySet()), converted.tfjsNodes(),
        converted.rewrittenNodes(), weights.size(), bytes);
  }

  /** Signature key -> tensor name; keys are tensor names without ":0". */
  private static Map<String, String> signatureTensors(JsonNode entries) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = entries.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String tensor = e.getValue().path("name").asText(e.getKey());
      out.put(tensor.endsWith(":0") ? tensor.substring(0, tensor.length() - 2) : tensor, tensor);
    }
    return out;
  }

  private static List<String> sinks(TfjsGraph.Converted converted) {
    Set<String> consumed = new HashSet<>();
    for (NodeDef n : converted.graphDef().getNodeList()) {
      for (String in : n.getInputList()) {
        String node = in.startsWith("^") ? in.substring(1) : in;
        int colon = node.lastIndexOf(':');
        consumed.add(colon < 0 ? node : node.substring(0, colon));
      }
    }
    List<String> sinks = new ArrayList<>();
    for (NodeDef n : converted.graphDef().getNodeList()) {
      if (!consumed.contains(n.getName()) && !n.getOp().equals("Const") && !n.getOp().equals("Placeholder")) {
        sinks.add(n.getName());
      }
    }
    return sinks;
  }

  private static org.tensorflow.Output<?> output(Graph graph, String tensor, Path modelJson) {
    int colon = tensor.lastIndexOf(':');
    String node = colon < 0 ? tensor : tensor.substring(0, colon);
    int index = colon < 0 ? 0 : Integer.parseInt(tensor.substring(colon + 1));
    GraphOperation op = graph.operation(node);
    if (op == null || index >= op.numOutputs()) {
      throw new IllegalArgumentException(modelJson + ": signature tensor '" + tensor + "' is not in the graph");
    }
    return op.output(index);
  }

  /**
   * The PersonLab role of each output, from the PoseNet/BodyPix head names (heatmap, offset,
   * displacement_fwd/bwd, and for BodyPix segments, long_offsets, part_heatmaps).
   */
  static Map<String, String> roles(Iterable<String> outputKeys, Path modelJson) {
    Map<String, String> found = new LinkedHashMap<>();
    for (String key : outputKeys) {
      String role = roleOf(key.toLowerCase(Locale.ROOT));
      if (role != null && found.putIfAbsent(role, key) != null) {
        throw new IllegalArgumentException(modelJson + ": outputs '" + found.get(role) + "' and '" + key
            + "' both look like the " + role + " head");
      }
    }
    Map<String, String> ordered = new LinkedHashMap<>();
    for (String role : List.of(ModelSpec.HEATMAPS, ModelSpec.SHORT, ModelSpec.MID_FORWARD, ModelSpec.MID_BACKWARD,
        ModelSpec.SEGMENTATION, ModelSpec.LONG, ModelSpec.PART_HEATMAPS)) {
      if (found.containsKey(role)) {
        ordered.put(role, found.get(role));
      }
    }
    for (String role : List.of(ModelSpec.HEATMAPS, ModelSpec.SHORT, ModelSpec.MID_FORWARD, ModelSpec.MID_BACKWARD)) {
      if (!ordered.containsKey(role)) {
        List<String> keys = new ArrayList<>();
        outputKeys.forEach(keys::add);
        throw new IllegalArgumentException(modelJson + ": no output for the PersonLab " + role + " head among " + keys);
      }
    }
    return ordered;
  }

  private static String roleOf(String name) {
    // Most specific first: "part_heatmaps" also contains "heatmap", "long_offsets" "offset".
    if (name.contains("part_heatmap")) {
      return ModelSpec.PART_HEATMAPS;
    } else if (name.contains("part_offset")) {
      return null;
    } else if (name.contains("long_offset")) {
      return ModelSpec.LONG;
    } else if (name.contains("displacement_fwd")) {
      return ModelSpec.MID_FORWARD;
    } else if (name.contains("displacement_bwd")) {
      return ModelSpec.MID_BACKWARD;
    } else if (name.contains("heatmap")) {
      return ModelSpec.HEATMAPS;
    } else if (name.contains("offset")) {
      return ModelSpec.SHORT;
    } else if (name.contains("segment")) {
      return ModelSpec.SEGMENTATION;
    }
    return null;
  }

  /** "posenet" for posenet.json; the folder name for the conventional model.json. */
  private static String specName(Path modelJson) {
    String file = modelJson.getFileName().toString();
    String base = file.endsWith(".json") ? file.substring(0, file.length() - 5) : file;
    if (base.equals("model") && modelJson.getParent() != null && modelJson.getParent().getFileName() != null) {
      return modelJson.getParent().getFileName().toString();
    }
    return base;
  }
}
