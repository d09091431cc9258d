package io.personlab.model.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads the weights a tfjs {@code weightsManifest} lists. Each manifest group names its files
 * ({@code paths}) and its weights in order; the group's files concatenated hold the weights
 * back to back, little-endian. The bytes are kept as they are: TensorFlow's
 * {@code tensor_content} is host order, and every supported host is little-endian.
 */
final class TfjsWeights {
  private TfjsWeights() {}

  /** One weight: its manifest dtype ("float32" or "int32"), shape and raw little-endian bytes. */
  record Weight(String name, String dtype, long[] shape, byte[] data) {
    long elements() {
      return data.length / 4L;
    }
  }

  /** All weights by name, in manifest order. Messages name model.json and the weight file. */
  static Map<String, Weight> read(JsonNode manifest, Path modelJson) throws IOException {
    if (manifest == null || !manifest.isArray()) {
      throw new IllegalArgumentException(modelJson + ": no weightsManifest array");
    }
    Path dir = modelJson.getParent();
    Map<String, Weight> out = new LinkedHashMap<>();
    for (JsonNode group : manifest) {
      JsonNode paths = group.get("paths");
      JsonNode weights = group.get("weights");
      if (paths == null || !paths.isArray() || weights == null || !weights.isArray()) {
        throw new IllegalArgumentException(modelJson + ": a weightsManifest entry needs 'paths' and 'weights' arrays");
      }
      List<Path> files = new ArrayList<>();
      for (JsonNode p : paths) {
        files.add(dir.resolve(p.asText()).normalize());
      }
      String fileNames = files.stream().map(Path::toString).collect(Collectors.joining(" + "));

      // Check every entry before reading any bytes: a dtype problem is reported as such,
      // not as a byte count mismatch.
      List<String> names = new ArrayList<>();
      List<String> dtypes = new ArrayList<>();
      List<long[]> shapes = new ArrayList<>();
      long expected = 0;
      for (JsonNode w : weights) {
        String name = w.path("name").asText(null);
        if (name == null) {
          throw new IllegalArgumentException(modelJson + ": a weight in " + fileNames + " has no name");
        }
        String dtype = w.path("dtype").asText("");
        if (w.hasNonNull("quantization")) {
          throw new IllegalArgumentException(modelJson + ": weight '" + name + "' in " + fileNames
              + " is quantized (" + w.get("quantization").path("dtype").asText("?") + "); only float32 and int32 are supported");
        }
        if (!dtype.equals("float32") && !dtype.equals("int32")) {
          throw new IllegalArgumentException(modelJson + ": weight '" + name + "' in " + fileNames + " has dtype '"
              + dtype + "'; only float32 and int32 are supported");
        }
        long[] shape = shape(w.get("shape"), modelJson, name);
        long n = 1;
        for (long d : shape) {
          n = Math.multiplyExact(n, d);
        }
        expected = Math.addExact(expected, Math.multiplyExact(n, 4L));
        if (out.containsKey(name) || names.contains(name)) {
          throw new IllegalArgumentException(modelJson + ": weight '" + name + "' is listed twice");
        }
        names.add(name);
        dtypes.add(dtype);
        shapes.add(shape);
      }

      byte[] data = concat(files, modelJson, fileNames);
      if (data.length != expected) {
        throw new IllegalArgumentException(fileNames + ": " + data.length + " bytes of weights, but " + modelJson
            + " lists " + expected + " bytes (" + names.size() + " weights)");
      }
      int pos = 0;
      for (int i = 0; i < names.size(); i++) {
        long n = 1;
        for (long d : shapes.get(i)) {
          n *= d;
        }
        int len = (int) (n * 4);
        byte[] bytes = new byte[len];
        System.arraycopy(data, pos, bytes, 0, len);
        pos += len;
        out.put(names.get(i), new Weight(names.get(i), dtypes.get(i), shapes.get(i), bytes));
      }
    }
    return out;
  }

  private static long[] shape(JsonNode shape, Path modelJson, String name) {
    if (shape == null || !shape.isArray()) {
      throw new IllegalArgumentException(modelJson + ": weight '" + name + "' has no shape");
    }
    long[] s = new long[shape.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = shape.get(i).asLong(-1);
      if (s[i] < 0) {
        throw new IllegalArgumentException(modelJson + ": weight '" + name + "' has an invalid shape " + shape);
      }
    }
    return s;
  }

  private static byte[] concat(List<Path> files, Path modelJson, String fileNames) throws IOException {
    long total = 0;
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new IllegalArgumentException("weight file not found: " + f + " (listed in " + modelJson + ")");
      }
      total += Files.size(f);
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(fileNames + ": weight groups over 2 GiB are not supported");
    }
    byte[] data = new byte[(int) total];
    int pos = 0;
    for (Path f : files) {
      byte[] b;
      try {
        b = Files.readAllBytes(f);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("weight file not found: " + f + " (listed in " + modelJson + ")", e);
      }
      if (pos + b.length > data.length) {
        throw new IllegalArgumentException(f + ": changed while being read");
      }
      System.arraycopy(b, 0, data, pos, b.length);
      pos += b.length;
    }
    if (pos != data.length) {
      throw new IllegalArgumentException(fileNames + ": changed while being read");
    }
    return data;
  }
}
