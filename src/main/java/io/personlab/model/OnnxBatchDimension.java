package io.personlab.model;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the batch dimension of an ONNX graph. Converters (tf2onnx for BodyPix) often declare a
 * batch of 1 on every graph input and output although no operator depends on it, and ONNX
 * Runtime refuses a larger batch on the declared shape alone. This rewrites the first dimension
 * of each graph input and output to the symbolic {@code batch} and drops the optional
 * intermediate shape annotations ({@code value_info}), which carry the same pin; weights and
 * operators are untouched. Whether a graph then really computes a batch image by image is for
 * the caller to check ({@link PersonLabModel.Session#run(java.util.List)} falls back to one
 * image at a time when a batched forward fails).
 *
 * <p>Works on the protobuf wire format (ModelProto.graph = 7; GraphProto.input = 11, output =
 * 12, value_info = 13; ValueInfoProto.type = 2; TypeProto.tensor_type = 1; Tensor.shape = 2;
 * TensorShapeProto.dim = 1; Dimension.dim_value = 1, dim_param = 2), so no ONNX classes are needed.
 */
final class OnnxBatchDimension {
  private static final int MODEL_GRAPH = 7;
  private static final int GRAPH_INPUT = 11;
  private static final int GRAPH_OUTPUT = 12;
  private static final int GRAPH_VALUE_INFO = 13;

  private OnnxBatchDimension() {}

  /** The model with a symbolic batch dimension; the bytes unchanged when no graph input pins it to 1. */
  static byte[] open(byte[] model) throws InvalidProtocolBufferException {
    UnknownFieldSet m = UnknownFieldSet.parseFrom(model);
    UnknownFieldSet graph = UnknownFieldSet.parseFrom(only(m, MODEL_GRAPH));
    boolean pinned = false;
    UnknownFieldSet.Builder g = graph.toBuilder();
    for (int field : new int[] {GRAPH_INPUT, GRAPH_OUTPUT}) {
      UnknownFieldSet.Field.Builder values = UnknownFieldSet.Field.newBuilder();
      for (ByteString valueInfo : list(graph, field)) {
        ByteString opened = openFirstDim(valueInfo);
        pinned |= field == GRAPH_INPUT && opened != valueInfo;
        values.addLengthDelimited(opened);
      }
      g.clearField(field).addField(field, values.build());
    }
    if (!pinned) {
      return model;
    }
    g.clearField(GRAPH_VALUE_INFO);
    return m.toBuilder().clearField(MODEL_GRAPH)
        .addField(MODEL_GRAPH, UnknownFieldSet.Field.newBuilder().addLengthDelimited(g.build().toByteString()).build())
        .build().toByteArray();
  }

  /** A ValueInfoProto whose tensor shape's first dimension is 1, with it made symbolic; others as they are. */
  private static ByteString openFirstDim(ByteString valueInfo) throws InvalidProtocolBufferException {
    UnknownFieldSet info = UnknownFieldSet.parseFrom(valueInfo);
    List<ByteString> types = list(info, 2);
    if (types.size() != 1) {
      return valueInfo;
    }
    UnknownFieldSet type = UnknownFieldSet.parseFrom(types.get(0));
    List<ByteString> tensors = list(type, 1);
    if (tensors.size() != 1) {
      return valueInfo;
    }
    UnknownFieldSet tensor = UnknownFieldSet.parseFrom(tensors.get(0));
    List<ByteString> shapes = list(tensor, 2);
    if (shapes.size() != 1) {
      return valueInfo;
    }
    UnknownFieldSet shape = UnknownFieldSet.parseFrom(shapes.get(0));
    List<ByteString> dims = new ArrayList<>(list(shape, 1));
    if (dims.isEmpty()) {
      return valueInfo;
    }
    UnknownFieldSet first = UnknownFieldSet.parseFrom(dims.get(0));
    if (!first.hasField(1) || !first.getField(1).getVarintList().equals(List.of(1L))) {
      return valueInfo;
    }
    dims.set(0, UnknownFieldSet.newBuilder()
        .addField(2, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("batch")).build())
        .build().toByteString());
    UnknownFieldSet.Field.Builder dimField = UnknownFieldSet.Field.newBuilder();
    dims.forEach(dimField::addLengthDelimited);
    shape = shape.toBuilder().clearField(1).addField(1, dimField.build()).build();
    tensor = replace(tensor, 2, shape);
    type = replace(type, 1, tensor);
    return replace(info, 2, type).toByteString();
  }

  private static UnknownFieldSet replace(UnknownFieldSet message, int field, UnknownFieldSet value) {
    return message.toBuilder().clearField(field)
        .addField(field, UnknownFieldSet.Field.newBuilder().addLengthDelimited(value.toByteString()).build())
        .build();
  }

  private static List<ByteString> list(UnknownFieldSet message, int field) {
    return message.hasField(field) ? message.getField(field).getLengthDelimitedList() : List.of();
  }

  private static ByteString only(UnknownFieldSet message, int field) throws InvalidProtocolBufferException {
    List<ByteString> values = list(message, field);
    if (values.size() != 1) {
      throw new InvalidProtocolBufferException("not an ONNX model: no graph");
    }
    return values.get(0);
  }
}
