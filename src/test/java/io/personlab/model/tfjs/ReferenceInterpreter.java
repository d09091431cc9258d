package io.personlab.model.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A naive plain-Java evaluator of a tfjs graph model, the reference the imported SavedModel is
 * checked against. It reads model.json and the weights itself (sharing no code with the
 * importer, so a mistake there cannot hide in both) and evaluates the graph directly, fused ops
 * included, in NHWC float32. Convolutions accumulate in double by default (the "exact" answer);
 * {@link #float32()} gives the same interpreter with IEEE float32 accumulation, whose distance from
 * the exact answer is the rounding noise any correct float32 implementation has. Ops: Const,
 * Placeholder, Identity, Conv2D, DepthwiseConv2dNative, BiasAdd, Relu, Relu6, _FusedConv2D,
 * FusedDepthwiseConv2dNative (SAME/VALID padding, strides, dilations).
 */
public final class ReferenceInterpreter {

  /** A dense float32 tensor, row-major (NHWC for images). */
  public record Tensor(int[] shape, float[] data) {
    public Tensor {
      if (Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b) != data.length) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + data.length + " values");
      }
    }
  }

  private final Map<String, JsonNode> nodes = new LinkedHashMap<>();
  private final Map<String, Tensor> weights = new HashMap<>();
  private final String placeholder;
  private final boolean float32;

  private ReferenceInterpreter(ReferenceInterpreter other, boolean float32) {
    nodes.putAll(other.nodes);
    weights.putAll(other.weights);
    placeholder = other.placeholder;
    this.float32 = float32;
  }

  private ReferenceInterpreter(JsonNode root, Path dir) throws IOException {
    float32 = false;
    String input = null;
    for (JsonNode n : root.path("modelTopology").path("node")) {
      nodes.put(n.get("name").asText(), n);
      if (n.path("op").asText().equals("Placeholder")) {
        input = n.get("name").asText();
      }
    }
    placeholder = input;
    for (JsonNode group : root.path("weightsManifest")) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (JsonNode p : group.path("paths")) {
        bytes.write(Files.readAllBytes(dir.resolve(p.asText())));
      }
      ByteBuffer buf = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
      for (JsonNode w : group.path("weights")) {
        if (!w.path("dtype").asText().equals("float32")) {
          throw new IllegalArgumentException("reference interpreter reads float32 weights only: " + w);
        }
        int[] shape = new int[w.path("shape").size()];
        int n = 1;
        for (int i = 0; i < shape.length; i++) {
          shape[i] = w.path("shape").get(i).asInt();
          n *= shape[i];
        }
        float[] data = new float[n];
        buf.asFloatBuffer().get(data);
        buf.position(buf.position() + 4 * n);
        weights.put(w.get("name").asText(), new Tensor(shape, data));
      }
      if (buf.hasRemaining()) {
        throw new IllegalArgumentException("weight bytes left over in " + group.path("paths"));
      }
    }
  }

  public static ReferenceInterpreter load(Path modelJson) throws IOException {
    JsonNode root = new ObjectMapper().readTree(modelJson.toFile());
    return new ReferenceInterpreter(root, modelJson.toAbsolutePath().getParent());
  }

  /** The same graph evaluated with float32 accumulation (sums rounded to float after every add). */
  public ReferenceInterpreter float32() {
    return new ReferenceInterpreter(this, true);
  }

  /** The name of the graph's placeholder. */
  public String inputName() {
    return placeholder;
  }

  /** Evaluates the named outputs ("node" or "node:0") for one input image. */
  public Map<String, Tensor> run(Tensor input, List<String> outputs) {
    Map<String, Tensor> values = new HashMap<>();
    values.put(placeholder, input);
    Map<String, Tensor> result = new LinkedHashMap<>();
    for (String out : outputs) {
      result.put(out, eval(nodeName(out), values));
    }
    return result;
  }

  private static String nodeName(String ref) {
    int colon = ref.lastIndexOf(':');
    if (colon >= 0 && !ref.substring(colon + 1).equals("0")) {
      throw new IllegalArgumentException("only output 0 of a node is supported: " + ref);
    }
    return colon < 0 ? ref : ref.substring(0, colon);
  }

  private Tensor eval(String name, Map<String, Tensor> values) {
    Tensor done = values.get(name);
    if (done != null) {
      return done;
    }
    JsonNode n = nodes.get(name);
    if (n == null) {
      throw new IllegalArgumentException("no node " + name);
    }
    List<Tensor> in = new ArrayList<>();
    for (JsonNode i : n.path("input")) {
      if (!i.asText().startsWith("^")) {
        in.add(eval(nodeName(i.asText()), values));
      }
    }
    String op = n.path("op").asText();
    JsonNode attr = n.path("attr");
    Tensor out = switch (op) {
      case "Const" -> {
        Tensor w = weights.get(name);
        if (w == null) {
          throw new IllegalArgumentException("no weight for Const " + name);
        }
        yield w;
      }
      case "Placeholder" -> throw new IllegalArgumentException("placeholder " + name + " not fed");
      case "Identity" -> in.get(0);
      case "Conv2D" -> conv(in.get(0), in.get(1), attr, false, float32);
      case "DepthwiseConv2dNative" -> conv(in.get(0), in.get(1), attr, true, float32);
      case "BiasAdd" -> biasAdd(in.get(0), in.get(1));
      case "Relu" -> clamp(in.get(0), 0, Float.POSITIVE_INFINITY);
      case "Relu6" -> clamp(in.get(0), 0, 6);
      case "_FusedConv2D" -> fused(in, attr, false, float32, name);
      case "FusedDepthwiseConv2dNative" -> fused(in, attr, true, float32, name);
      default -> throw new IllegalArgumentException("reference interpreter has no op " + op + " (node " + name + ")");
    };
    values.put(name, out);
    return out;
  }

  private static Tensor fused(List<Tensor> in, JsonNode attr, boolean depthwise, boolean float32, String name) {
    List<String> ops = new ArrayList<>();
    for (JsonNode s : attr.path("fused_ops").path("list").path("s")) {
      ops.add(new String(Base64.getDecoder().decode(s.asText()), StandardCharsets.UTF_8));
    }
    if (ops.isEmpty() || !ops.get(0).equals("BiasAdd") || ops.size() > 2) {
      throw new IllegalArgumentException("fused ops " + ops + " in " + name);
    }
    Tensor t = biasAdd(conv(in.get(0), in.get(1), attr, depthwise, float32), in.get(2));
    if (ops.size() == 2) {
      t = switch (ops.get(1)) {
        case "Relu" -> clamp(t, 0, Float.POSITIVE_INFINITY);
        case "Relu6" -> clamp(t, 0, 6);
        default -> throw new IllegalArgumentException("fused activation " + ops.get(1) + " in " + name);
      };
    }
    return t;
  }

  /**
   * NHWC convolution. Regular: filter [kh, kw, cin, cout]. Depthwise: filter [kh, kw, cin, m],
   * output channel ci * m + j. With {@code float32}, products and sums are rounded to float one
   * by one (a double holds a float product exactly, so this is IEEE float32 arithmetic).
   */
  static Tensor conv(Tensor x, Tensor f, JsonNode attr, boolean depthwise, boolean float32) {
    String format = text(attr.path("data_format").path("s"), "NHWC");
    if (!format.equals("NHWC")) {
      throw new IllegalArgumentException("only NHWC is supported, not " + format);
    }
    int[] strides = ints(attr.path("strides"), 1);
    int[] dilations = ints(attr.path("dilations"), 1);
    if (strides[0] != 1 || strides[3] != 1 || dilations[0] != 1 || dilations[3] != 1) {
      throw new IllegalArgumentException("batch/channel strides or dilations must be 1");
    }
    String padding = text(attr.path("padding").path("s"), "");
    int batch = x.shape()[0];
    int h = x.shape()[1];
    int w = x.shape()[2];
    int cin = x.shape()[3];
    int kh = f.shape()[0];
    int kw = f.shape()[1];
    if (f.shape()[2] != cin) {
      throw new IllegalArgumentException("filter expects " + f.shape()[2] + " channels, input has " + cin);
    }
    int m = f.shape()[3];
    int cout = depthwise ? cin * m : m;
    int sy = strides[1];
    int sx = strides[2];
    int dy = dilations[1];
    int dx = dilations[2];
    int ekh = (kh - 1) * dy + 1;
    int ekw = (kw - 1) * dx + 1;
    int oh;
    int ow;
    int padTop;
    int padLeft;
    switch (padding) {
      case "SAME" -> {
        oh = (h + sy - 1) / sy;
        ow = (w + sx - 1) / sx;
        // TF puts the odd pixel of padding at the bottom/right.
        padTop = Math.max((oh - 1) * sy + ekh - h, 0) / 2;
        padLeft = Math.max((ow - 1) * sx + ekw - w, 0) / 2;
      }
      case "VALID" -> {
        oh = (h - ekh) / sy + 1;
        ow = (w - ekw) / sx + 1;
        padTop = 0;
        padLeft = 0;
      }
      default -> throw new IllegalArgumentException("padding " + padding + " is not supported");
    }
    float[] xd = x.data();
    float[] fd = f.data();
    float[] out = new float[batch * oh * ow * cout];
    double[] acc = new double[cout];
    for (int b = 0; b < batch; b++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          Arrays.fill(acc, 0);
          for (int ky = 0; ky < kh; ky++) {
            int iy = oy * sy - padTop + ky * dy;
            if (iy < 0 || iy >= h) {
              continue;
            }
            for (int kx = 0; kx < kw; kx++) {
              int ix = ox * sx - padLeft + kx * dx;
              if (ix < 0 || ix >= w) {
                continue;
              }
              int xBase = ((b * h + iy) * w + ix) * cin;
              int fBase = (ky * kw + kx) * cin * m;
              for (int ci = 0; ci < cin; ci++) {
                double v = xd[xBase + ci];
                int fRow = fBase + ci * m;
                int oBase = depthwise ? ci * m : 0;
                if (float32) {
                  for (int j = 0; j < m; j++) {
                    acc[oBase + j] = (float) (acc[oBase + j] + (float) (v * fd[fRow + j]));
                  }
                } else {
                  for (int j = 0; j < m; j++) {
                    acc[oBase + j] += v * fd[fRow + j];
                  }
                }
              }
            }
          }
          int oBase = ((b * oh + oy) * ow + ox) * cout;
          for (int c = 0; c < cout; c++) {
            out[oBase + c] = (float) acc[c];
          }
        }
      }
    }
    return new Tensor(new int[] {batch, oh, ow, cout}, out);
  }

  static Tensor biasAdd(Tensor x, Tensor bias) {
    int c = x.shape()[x.shape().length - 1];
    if (bias.data().length != c) {
      throw new IllegalArgumentException("bias has " + bias.data().length + " values for " + c + " channels");
    }
    float[] out = x.data().clone();
    float[] bd = bias.data();
    for (int i = 0; i < out.length; i++) {
      out[i] += bd[i % c];
    }
    return new Tensor(x.shape(), out);
  }

  static Tensor clamp(Tensor x, float lo, float hi) {
    float[] out = x.data().clone();
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.min(Math.max(out[i], lo), hi);
    }
    return new Tensor(x.shape(), out);
  }

  private static String text(JsonNode base64, String absent) {
    return base64.isMissingNode() ? absent : new String(Base64.getDecoder().decode(base64.asText()), StandardCharsets.UTF_8);
  }

  private static int[] ints(JsonNode attr, int absent) {
    JsonNode list = attr.path("list").path("i");
    if (list.size() == 0) {
      int[] d = new int[4];
      Arrays.fill(d, absent);
      return d;
    }
    if (list.size() != 4) {
      throw new IllegalArgumentException("expected 4 values, got " + list);
    }
    int[] v = new int[4];
    for (int i = 0; i < 4; i++) {
      v[i] = list.get(i).asInt();
    }
    return v;
  }
}
