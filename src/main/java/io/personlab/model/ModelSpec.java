package io.personlab.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.personlab.geometry.CocoKeypoints;
import io.personlab.geometry.Skeleton;
import io.personlab.maps.ChannelLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a PersonLab-family network is and how to read it: engine, input tensor and its
 * preprocessing, output stride, the output tensor of each PersonLab role, logits or
 * probabilities, vector channel layout and the kinematic tree. Stored as JSON next to a model
 * ({@code personlab-spec.json} in a model directory, or {@code MODEL.spec.json} beside a model
 * file); the shipped models have built-in specs.
 *
 * @param name a model id (recorded with every output)
 * @param engine DJL engine: "OnnxRuntime" or "TensorFlow"
 * @param modelPath the model file or SavedModel directory, relative to the spec's folder
 * @param inputName input tensor name, NHWC float32 [1, H, W, 3]
 * @param colorOrder "RGB" or "BGR"
 * @param inputScale pixel value v (0..255) is fed as v * inputScale + inputOffset
 * @param inputOffset see inputScale
 * @param outputStride network output stride
 * @param outputs tensor name per role: heatmaps, short, midForward, midBackward (required),
 *     segmentation, long, partHeatmaps (optional)
 * @param logits heatmaps and segmentation are logits (sigmoid applied here) rather than probabilities
 * @param channelLayout how 2-D vectors are packed in channels
 * @param keypoints keypoint type names, in channel order
 * @param edges the kinematic tree as [parent, child] names, in mid-range channel order
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelSpec(
    String name,
    String engine,
    String modelPath,
    String inputName,
    String colorOrder,
    double inputScale,
    double inputOffset,
    int outputStride,
    Map<String, String> outputs,
    boolean logits,
    ChannelLayout channelLayout,
    List<String> keypoints,
    List<List<String>> edges) {

  public static final String HEATMAPS = "heatmaps";
  public static final String SHORT = "short";
  public static final String MID_FORWARD = "midForward";
  public static final String MID_BACKWARD = "midBackward";
  public static final String SEGMENTATION = "segmentation";
  public static final String LONG = "long";
  public static final String PART_HEATMAPS = "partHeatmaps";

  /** The file name of a spec inside a model directory. */
  public static final String DIRECTORY_SPEC = "personlab-spec.json";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Checks the spec and returns it; the message names the problem. */
  public ModelSpec validated(String source) {
    String where = source + ": ";
    if (name == null || engine == null || modelPath == null || inputName == null || outputs == null) {
      throw new IllegalArgumentException(where + "a model spec needs name, engine, modelPath, inputName and outputs");
    }
    if (!engine.equals("OnnxRuntime") && !engine.equals("TensorFlow")) {
      throw new IllegalArgumentException(where + "engine must be OnnxRuntime or TensorFlow, not " + engine);
    }
    if (!"RGB".equals(colorOrder) && !"BGR".equals(colorOrder)) {
      throw new IllegalArgumentException(where + "colorOrder must be RGB or BGR");
    }
    if (outputStride < 1 || !(inputScale != 0)) {
      throw new IllegalArgumentException(where + "outputStride and inputScale must be positive");
    }
    for (String role : List.of(HEATMAPS, SHORT, MID_FORWARD, MID_BACKWARD)) {
      if (!outputs.containsKey(role)) {
        throw new IllegalArgumentException(where + "outputs has no '" + role + "' tensor");
      }
    }
    if (outputs.containsKey(SEGMENTATION) != outputs.containsKey(LONG)) {
      throw new IllegalArgumentException(where + "segmentation and long come together (masks need both)");
    }
    skeleton(); // checks keypoints and edges
    return this;
  }

  /** True when the model has the heads instance masks need. */
  public boolean hasMaskHeads() {
    return outputs.containsKey(SEGMENTATION) && outputs.containsKey(LONG);
  }

  public Skeleton skeleton() {
    List<String> names = keypoints == null ? CocoKeypoints.NAMES : keypoints;
    if (edges == null) {
      if (!names.equals(CocoKeypoints.NAMES)) {
        throw new IllegalArgumentException("a spec with its own keypoints needs its edges");
      }
      return CocoKeypoints.POSE_CHAIN;
    }
    String[][] e = new String[edges.size()][];
    for (int i = 0; i < e.length; i++) {
      if (edges.get(i).size() != 2) {
        throw new IllegalArgumentException("edge " + i + " must be [parent, child]");
      }
      e[i] = edges.get(i).toArray(String[]::new);
    }
    return Skeleton.of(names, e);
  }

  public static ModelSpec read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return JSON.readValue(in, ModelSpec.class).validated(file.toString());
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IllegalArgumentException(file + ": not a valid model spec: " + e.getOriginalMessage(), e);
    }
  }

  public static ModelSpec read(InputStream in, String source) throws IOException {
    try {
      return JSON.readValue(in, ModelSpec.class).validated(source);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IllegalArgumentException(source + ": not a valid model spec: " + e.getOriginalMessage(), e);
    }
  }

  public void write(Path file) throws IOException {
    JSON.writeValue(file.toFile(), this);
  }

  /** A stable hash of the spec's content (recorded with outputs, so runs can be told apart). */
  public String hash() {
    try {
      byte[] bytes = new ObjectMapper().writeValueAsBytes(this);
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
      return java.util.HexFormat.of().formatHex(d, 0, 8);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
