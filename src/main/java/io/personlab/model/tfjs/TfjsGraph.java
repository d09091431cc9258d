package io.personlab.model.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.personlab.model.tfjs.TfjsWeights.Weight;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Turns the {@code modelTopology} of a tfjs graph model (a GraphDef in proto3 JSON form) into a
 * GraphDef that stock TensorFlow imports: weights go into the Const nodes, the fused ops only
 * tfjs (and TF's own grappler) emit become chains of standard ops, and the image placeholder
 * accepts any size. Only the proto classes are used here, no TensorFlow runtime.
 */
final class TfjsGraph {
  private TfjsGraph() {}

  /** The converted graph and what was done to it. */
  record Converted(GraphDef graphDef, int tfjsNodes, int rewrittenNodes, List<String> placeholders) {}

  // Attributes the standard ops accept; the fused nodes carry more (fused_ops, num_args,
  // epsilon, TArgs...) that Conv2D and DepthwiseConv2dNative would reject.
  private static final List<String> CONV2D_ATTRS =
      List.of("T", "strides", "use_cudnn_on_gpu", "padding", "explicit_paddings", "data_format", "dilations");
  private static final List<String> DEPTHWISE_ATTRS =
      List.of("T", "strides", "padding", "explicit_paddings", "data_format", "dilations");

  /**
   * @param nodes the {@code modelTopology.node} array
   * @param weights the manifest weights by name
   * @param isTfOp whether the TensorFlow runtime has an op of that name
   */
  static Converted convert(JsonNode nodes, Map<String, Weight> weights, Path modelJson, Predicate<String> isTfOp) {
    if (nodes == null || !nodes.isArray()) {
      throw new IllegalArgumentException(modelJson + ": modelTopology has no node array");
    }
    Set<String> taken = new HashSet<>();
    for (JsonNode n : nodes) {
      String name = n.path("name").asText("");
      if (name.isEmpty() || !taken.add(name)) {
        throw new IllegalArgumentException(modelJson + ": node names must be present and unique (" + n.path("name") + ")");
      }
    }
    GraphDef.Builder graph = GraphDef.newBuilder();
    List<String> placeholders = new ArrayList<>();
    int rewritten = 0;
    for (JsonNode n : nodes) {
      String name = n.get("name").asText();
      String op = n.path("op").asText("");
      String where = modelJson + ": node '" + name + "'";
      switch (op) {
        case "Const" -> graph.addNode(constNode(n, name, weights, where));
        case "Placeholder" -> {
          graph.addNode(placeholder(n, name, where));
          placeholders.add(name);
        }
        case "_FusedConv2D" -> {
          fused(graph, n, name, "Conv2D", CONV2D_ATTRS, taken, where);
          rewritten++;
        }
        case "FusedDepthwiseConv2dNative" -> {
          fused(graph, n, name, "DepthwiseConv2dNative", DEPTHWISE_ATTRS, taken, where);
          rewritten++;
        }
        default -> {
          // Ops with a leading underscore or a Fused prefix are grappler/tfjs internals: some are
          // registered in TF but need attributes tfjs leaves out (TArgs), so refuse them here.
          if (op.startsWith("_") || op.startsWith("Fused")) {
            throw new IllegalArgumentException(modelJson + ": unsupported op '" + op + "' in node '" + name
                + "': a tfjs fused op this importer cannot rewrite");
          }
          if (op.isEmpty() || !isTfOp.test(op)) {
            throw new IllegalArgumentException(modelJson + ": unsupported op '" + op + "' in node '" + name
                + "': not a TensorFlow op");
          }
          NodeDef.Builder b = NodeDef.newBuilder().setName(name).setOp(op).addAllInput(inputs(n));
          copyAttrs(n, b, null, where);
          graph.addNode(b);
        }
      }
    }
    return new Converted(graph.build(), nodes.size(), rewritten, placeholders);
  }

  /** A Const node whose value comes from the weights (tfjs strips all values into the manifest). */
  private static NodeDef constNode(JsonNode n, String name, Map<String, Weight> weights, String where) {
    JsonNode attr = n.path("attr");
    JsonNode tensorJson = attr.path("value").path("tensor");
    DataType dtype = attr.has("dtype") ? dataType(attr.get("dtype").path("type"), where)
        : dataType(tensorJson.path("dtype"), where);
    Weight w = weights.get(name);
    TensorProto tensor;
    if (w != null) {
      DataType wType = w.dtype().equals("int32") ? DataType.DT_INT32 : DataType.DT_FLOAT;
      if (wType != dtype) {
        throw new IllegalArgumentException(where + " is " + dtype + " but its weight is " + w.dtype());
      }
      TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
      for (long d : w.shape()) {
        shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
      }
      tensor = TensorProto.newBuilder().setDtype(dtype).setTensorShape(shape)
          .setTensorContent(ByteString.copyFrom(w.data())).build();
    } else if (tensorJson.isObject()) {
      tensor = tensor(tensorJson, where);
      if (!hasValues(tensor) && elements(tensor.getTensorShape()) != 0) {
        throw new IllegalArgumentException(where + " (Const) has no weight in the manifest");
      }
    } else {
      throw new IllegalArgumentException(where + " (Const) has no value and no weight in the manifest");
    }
    return NodeDef.newBuilder().setName(name).setOp("Const")
        .putAttr("dtype", AttrValue.newBuilder().setType(dtype).build())
        .putAttr("value", AttrValue.newBuilder().setTensor(tensor).build())
        .build();
  }

  /** The input placeholder, with batch, height and width left open so any image size runs. */
  private static NodeDef placeholder(JsonNode n, String name, String where) {
    NodeDef.Builder b = NodeDef.newBuilder().setName(name).setOp("Placeholder");
    copyAttrs(n, b, null, where);
    AttrValue shape = b.getAttrMap().get("shape");
    if (shape != null && shape.hasShape() && shape.getShape().getDimCount() == 4) {
      long channels = shape.getShape().getDim(3).getSize();
      TensorShapeProto.Builder relaxed = TensorShapeProto.newBuilder();
      for (int i = 0; i < 3; i++) {
        relaxed.addDim(TensorShapeProto.Dim.newBuilder().setSize(-1));
      }
      relaxed.addDim(TensorShapeProto.Dim.newBuilder().setSize(channels > 0 ? channels : 3));
      b.putAttr("shape", AttrValue.newBuilder().setShape(relaxed).build());
    }
    return b.build();
  }

  /**
   * {@code _FusedConv2D} / {@code FusedDepthwiseConv2dNative} with inputs (x, filter, bias) and
   * fused_ops [BiasAdd] or [BiasAdd, Relu|Relu6] becomes conv -> BiasAdd (-> activation). The last
   * op of the chain takes the fused node's name, so consumers and output names stay valid.
   */
  private static void fused(GraphDef.Builder graph, JsonNode n, String name, String convOp, List<String> convAttrs,
      Set<String> taken, String where) {
    String op = n.path("op").asText();
    List<String> fusedOps = new ArrayList<>();
    for (JsonNode s : n.path("attr").path("fused_ops").path("list").path("s")) {
      fusedOps.add(new String(Base64.getDecoder().decode(s.asText()), StandardCharsets.UTF_8));
    }
    boolean ok = (fusedOps.size() == 1 || fusedOps.size() == 2) && fusedOps.get(0).equals("BiasAdd")
        && (fusedOps.size() == 1 || fusedOps.get(1).equals("Relu") || fusedOps.get(1).equals("Relu6"));
    if (!ok) {
      throw new IllegalArgumentException(where + " (" + op + ") fuses " + fusedOps
          + "; only BiasAdd, optionally followed by Relu or Relu6, can be rewritten");
    }
    List<String> data = new ArrayList<>();
    List<String> control = new ArrayList<>();
    for (String in : inputs(n)) {
      (in.startsWith("^") ? control : data).add(in);
    }
    if (data.size() != 3) {
      throw new IllegalArgumentException(where + " (" + op + ") has " + data.size()
          + " inputs; expected input, filter and bias");
    }
    AttrValue t = attrOrNull(n, "T", where);
    if (t == null) {
      t = AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();
    }
    String activation = fusedOps.size() == 2 ? fusedOps.get(1) : null;
    String convName = unique(name + "/" + convOp, taken);
    String biasName = activation == null ? name : unique(name + "/BiasAdd", taken);

    NodeDef.Builder conv = NodeDef.newBuilder().setName(convName).setOp(convOp)
        .addInput(data.get(0)).addInput(data.get(1)).addAllInput(control);
    copyAttrs(n, conv, convAttrs, where);
    conv.putAttr("T", t);
    graph.addNode(conv);

    NodeDef.Builder bias = NodeDef.newBuilder().setName(biasName).setOp("BiasAdd")
        .addInput(convName).addInput(data.get(2)).putAttr("T", t);
    AttrValue format = attrOrNull(n, "data_format", where);
    if (format != null) {
      bias.putAttr("data_format", format);
    }
    graph.addNode(bias);

    if (activation != null) {
      graph.addNode(NodeDef.newBuilder().setName(name).setOp(activation).addInput(biasName).putAttr("T", t));
    }
  }

  private static String unique(String base, Set<String> taken) {
    String name = base;
    for (int i = 1; !taken.add(name); i++) {
      name = base + "_" + i;
    }
    return name;
  }

  private static List<String> inputs(JsonNode n) {
    List<String> in = new ArrayList<>();
    for (JsonNode i : n.path("input")) {
      in.add(i.asText());
    }
    return in;
  }

  /** Copies the node's attributes (only those in {@code keep} when it is not null). */
  private static void copyAttrs(JsonNode n, NodeDef.Builder b, List<String> keep, String where) {
    JsonNode attrs = n.path("attr");
    for (Iterator<Map.Entry<String, JsonNode>> it = attrs.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (keep == null || keep.contains(e.getKey())) {
        b.putAttr(e.getKey(), attr(e.getValue(), where + ", attr '" + e.getKey() + "'"));
      }
    }
  }

  private static AttrValue attrOrNull(JsonNode n, String key, String where) {
    JsonNode v = n.path("attr").get(key);
    return v == null ? null : attr(v, where + ", attr '" + key + "'");
  }

  // ---- proto3 JSON -> proto (the subset GraphDefs use) ----

  static AttrValue attr(JsonNode v, String where) {
    AttrValue.Builder b = AttrValue.newBuilder();
    if (v.has("list")) {
      JsonNode l = v.get("list");
      AttrValue.ListValue.Builder list = AttrValue.ListValue.newBuilder();
      for (JsonNode x : l.path("s")) {
        list.addS(bytes(x));
      }
      for (JsonNode x : l.path("i")) {
        list.addI(x.asLong());
      }
      for (JsonNode x : l.path("f")) {
        list.addF(floatValue(x));
      }
      for (JsonNode x : l.path("b")) {
        list.addB(x.asBoolean());
      }
      for (JsonNode x : l.path("type")) {
        list.addType(dataType(x, where));
      }
      for (JsonNode x : l.path("shape")) {
        list.addShape(shape(x));
      }
      for (JsonNode x : l.path("tensor")) {
        list.addTensor(tensor(x, where));
      }
      return b.setList(list).build();
    } else if (v.has("s")) {
      return b.setS(bytes(v.get("s"))).build();
    } else if (v.has("i")) {
      return b.setI(v.get("i").asLong()).build();
    } else if (v.has("f")) {
      return b.setF(floatValue(v.get("f"))).build();
    } else if (v.has("b")) {
      return b.setB(v.get("b").asBoolean()).build();
    } else if (v.has("type")) {
      return b.setType(dataType(v.get("type"), where)).build();
    } else if (v.has("shape")) {
      return b.setShape(shape(v.get("shape"))).build();
    } else if (v.has("tensor")) {
      return b.setTensor(tensor(v.get("tensor"), where)).build();
    }
    throw new IllegalArgumentException(where + ": unsupported attribute value " + v);
  }

  private static ByteString bytes(JsonNode x) {
    return ByteString.copyFrom(Base64.getDecoder().decode(x.asText()));
  }

  /** proto3 JSON writes NaN and the infinities as strings. */
  private static float floatValue(JsonNode x) {
    return x.isNumber() ? x.floatValue() : Float.parseFloat(x.asText());
  }

  static DataType dataType(JsonNode x, String where) {
    DataType t = x.isNumber() ? DataType.forNumber(x.asInt()) : x.isTextual() ? enumOrNull(x.asText()) : null;
    if (t == null) {
      throw new IllegalArgumentException(where + ": unknown dtype " + x);
    }
    return t;
  }

  private static DataType enumOrNull(String s) {
    try {
      return DataType.valueOf(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static TensorShapeProto shape(JsonNode x) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (JsonNode d : x.path("dim")) {
      // proto3 JSON omits a zero size, and writes int64 as a string.
      s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d.path("size").asLong(0)));
    }
    if (x.path("unknownRank").asBoolean(false)) {
      s.setUnknownRank(true);
    }
    return s.build();
  }

  private static TensorProto tensor(JsonNode x, String where) {
    TensorProto.Builder t = TensorProto.newBuilder().setDtype(dataType(x.path("dtype"), where));
    if (x.has("tensorShape")) {
      t.setTensorShape(shape(x.get("tensorShape")));
    }
    if (x.has("tensorContent")) {
      t.setTensorContent(bytes(x.get("tensorContent")));
    }
    for (JsonNode v : x.path("floatVal")) {
      t.addFloatVal(floatValue(v));
    }
    for (JsonNode v : x.path("doubleVal")) {
      t.addDoubleVal(v.isNumber() ? v.doubleValue() : Double.parseDouble(v.asText()));
    }
    for (JsonNode v : x.path("intVal")) {
      t.addIntVal(v.asInt());
    }
    for (JsonNode v : x.path("int64Val")) {
      t.addInt64Val(v.asLong());
    }
    for (JsonNode v : x.path("boolVal")) {
      t.addBoolVal(v.asBoolean());
    }
    for (JsonNode v : x.path("stringVal")) {
      t.addStringVal(bytes(v));
    }
    return t.build();
  }

  private static boolean hasValues(TensorProto t) {
    return !t.getTensorContent().isEmpty() || t.getFloatValCount() > 0 || t.getDoubleValCount() > 0
        || t.getIntValCount() > 0 || t.getInt64ValCount() > 0 || t.getBoolValCount() > 0 || t.getStringValCount() > 0;
  }

  private static long elements(TensorShapeProto s) {
    long n = 1;
    for (TensorShapeProto.Dim d : s.getDimList()) {
      n *= d.getSize();
    }
    return n;
  }
}
