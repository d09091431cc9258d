package io.personlab.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.CocoCategory;
import io.personlab.coco.CocoDataset;
import io.personlab.coco.CocoFormatException;
import io.personlab.coco.CocoImage;
import io.personlab.coco.CocoResult;
import io.personlab.coco.Segmentation;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads COCO ground-truth and results files with Jackson's streaming parser (no tree: results
 * files run to hundreds of MB). Every problem is reported as a {@link CocoFormatException} that
 * names the file and the record. NaN and Infinity (which Python's json writes) are read so that
 * they can be refused with a precise message instead of a parse error.
 */
public final class CocoJson {
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          // correctly rounded like Double.parseDouble, several times faster: files are mostly numbers
          .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  private CocoJson() {}

  /** Reads a ground-truth file (local path or URI, optionally gzipped). */
  public static CocoDataset readDataset(String location) {
    try (InputStream in = Inputs.open(location)) {
      return readDataset(in, location);
    } catch (IOException e) {
      throw ioError(location, e);
    }
  }

  /** Reads a results file (local path or URI, optionally gzipped). */
  public static List<CocoResult> readResults(String location) {
    try (InputStream in = Inputs.open(location)) {
      return readResults(in, location);
    } catch (IOException e) {
      throw ioError(location, e);
    }
  }

  public static CocoDataset readDataset(InputStream in, String source) throws IOException {
    List<CocoImage> images = new ArrayList<>();
    List<CocoCategory> categories = new ArrayList<>();
    List<CocoAnnotation> annotations = new ArrayList<>();
    try (JsonParser p = FACTORY.createParser(in)) {
      Reader r = new Reader(p, source);
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw r.fail("top level", "a ground-truth file must be a JSON object with images, annotations and categories");
      }
      boolean sawImages = false, sawAnnotations = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "images" -> {
            sawImages = true;
            r.expectArray(t, "images");
            while (p.nextToken() == JsonToken.START_OBJECT) {
              images.add(r.image(images.size()));
            }
          }
          case "annotations" -> {
            sawAnnotations = true;
            r.expectArray(t, "annotations");
            while (p.nextToken() == JsonToken.START_OBJECT) {
              annotations.add(r.annotation(annotations.size()));
            }
          }
          case "categories" -> {
            r.expectArray(t, "categories");
            while (p.nextToken() == JsonToken.START_OBJECT) {
              categories.add(r.category(categories.size()));
            }
          }
          default -> p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw r.fail("top level", "unexpected content after the ground-truth object");
      }
      if (!sawImages || !sawAnnotations) {
        throw new CocoFormatException(source + ": not a COCO ground-truth file (no "
            + (sawImages ? "annotations" : "images") + " array)");
      }
    } catch (JsonParseException | EOFException e) {
      throw parseError(source, e);
    }
    return new CocoDataset(source, List.copyOf(images), List.copyOf(categories), List.copyOf(annotations));
  }

  public static List<CocoResult> readResults(InputStream in, String source) throws IOException {
    List<CocoResult> results = new ArrayList<>();
    try (JsonParser p = FACTORY.createParser(in)) {
      Reader r = new Reader(p, source);
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw r.fail("top level", "a results file must be a JSON array of result objects");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
        results.add(r.result(results.size()));
      }
      if (t != JsonToken.END_ARRAY) {
        throw r.fail("result #" + results.size(), "expected a result object, found " + t);
      }
      if (p.nextToken() != null) {
        throw r.fail("top level", "unexpected content after the results array");
      }
    } catch (JsonParseException | EOFException e) {
      throw parseError(source, e);
    }
    return results;
  }

  /** One record of a COCO file (a line written by {@link CocoJsonSplitter}), by kind. */
  public enum RecordKind {
    IMAGE,
    ANNOTATION,
    CATEGORY,
    RESULT
  }

  /**
   * Parses one record object (bytes of one JSON object) as the whole-file readers do, with the
   * same checks and messages; {@code index} is its position in {@code source}.
   */
  public static Object parseRecord(RecordKind kind, byte[] json, int offset, int length, int index,
      String source) {
    try (JsonParser p = FACTORY.createParser(json, offset, length)) {
      Reader r = new Reader(p, source);
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw r.fail(kind.name().toLowerCase(java.util.Locale.ROOT) + " #" + index, "expected an object");
      }
      Object out = switch (kind) {
        case IMAGE -> r.image(index);
        case ANNOTATION -> r.annotation(index);
        case CATEGORY -> r.category(index);
        case RESULT -> r.result(index);
      };
      if (p.nextToken() != null) {
        throw r.fail(kind.name().toLowerCase(java.util.Locale.ROOT) + " #" + index, "unexpected content after the object");
      }
      return out;
    } catch (JsonParseException | EOFException e) {
      throw parseError(source + ", " + kind.name().toLowerCase(java.util.Locale.ROOT) + " #" + index, e);
    } catch (IOException e) {
      throw ioError(source, e);
    }
  }

  /** Receives parsed records with their index. */
  public interface RecordConsumer {
    void accept(long index, Object record);
  }

  /**
   * Parses a stream of records of one kind, one after another (as {@link CocoJsonSplitter}
   * writes them, one per line), numbered from {@code firstIndex}: one parser for all of them.
   * Without segmentation, annotations' and results' outlines are skipped unread (keypoint and
   * box evaluations never look at them).
   */
  public static void readRecords(InputStream in, RecordKind kind, long firstIndex, String source,
      boolean withSegmentation, RecordConsumer consumer) throws IOException {
    long index = firstIndex;
    try (JsonParser p = FACTORY.createParser(in)) {
      Reader r = new Reader(p, source);
      r.skipSegmentation = !withSegmentation;
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        int i = Math.toIntExact(index);
        String name = kind.name().toLowerCase(java.util.Locale.ROOT) + " #" + i;
        if (t != JsonToken.START_OBJECT) {
          throw r.fail(name, "expected an object");
        }
        consumer.accept(index++, switch (kind) {
          case IMAGE -> r.image(i);
          case ANNOTATION -> r.annotation(i);
          case CATEGORY -> r.category(i);
          case RESULT -> r.result(i);
        });
      }
    } catch (JsonParseException | EOFException e) {
      throw parseError(source + ", " + kind.name().toLowerCase(java.util.Locale.ROOT) + " #" + index, e);
    }
  }

  /** Parses a segmentation written by {@link #segmentationJson} (or as a COCO file has it). */
  public static Segmentation parseSegmentation(String json, String where) {
    try (JsonParser p = FACTORY.createParser(json)) {
      Reader r = new Reader(p, where);
      p.nextToken();
      return r.segmentation();
    } catch (IOException e) {
      throw parseError(where, e);
    }
  }

  /** {@link #segmentationJson}, or null for null. */
  public static String segmentationJsonOrNull(Segmentation s) {
    return s == null ? null : segmentationJson(s);
  }

  /** A segmentation as COCO JSON: polygons, uncompressed or compressed RLE; doubles exact. */
  public static String segmentationJson(Segmentation s) {
    java.io.StringWriter out = new java.io.StringWriter();
    try (com.fasterxml.jackson.core.JsonGenerator g = FACTORY.createGenerator(out)) {
      if (s instanceof Segmentation.PolygonList pl) {
        g.writeStartArray();
        for (double[] poly : pl.polygons()) {
          g.writeArray(poly, 0, poly.length);
        }
        g.writeEndArray();
      } else {
        g.writeStartObject();
        g.writeFieldName("size");
        if (s instanceof Segmentation.UncompressedRle u) {
          g.writeArray(new int[] {u.height(), u.width()}, 0, 2);
          g.writeFieldName("counts");
          g.writeStartArray();
          for (int c : u.counts()) {
            g.writeNumber(Integer.toUnsignedLong(c));
          }
          g.writeEndArray();
        } else if (s instanceof Segmentation.CompressedRle c) {
          g.writeArray(new int[] {c.height(), c.width()}, 0, 2);
          g.writeStringField("counts", c.counts());
        }
        g.writeEndObject();
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * Writes COCO results (what pycocotools' loadRes and the evaluator read): image_id,
   * category_id, score, and whichever of keypoints, bbox and segmentation a result has.
   */
  public static void writeResults(List<CocoResult> results, java.nio.file.Path file) throws IOException {
    try (java.io.Writer w = java.nio.file.Files.newBufferedWriter(file)) {
      writeResults(results.iterator(), w);
    }
  }

  /** Streams results as a COCO results array (one object per line); returns how many were written. */
  public static long writeResults(java.util.Iterator<CocoResult> results, java.io.Writer out) throws IOException {
    long n = 0;
    try (com.fasterxml.jackson.core.JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartArray();
      while (results.hasNext()) {
        CocoResult r = results.next();
        n++;
        g.writeStartObject();
        g.writeNumberField("image_id", r.imageId());
        g.writeNumberField("category_id", r.categoryId());
        g.writeNumberField("score", r.score());
        if (r.keypoints() != null) {
          g.writeFieldName("keypoints");
          g.writeArray(r.keypoints(), 0, r.keypoints().length);
        }
        if (r.bbox() != null) {
          g.writeFieldName("bbox");
          g.writeArray(r.bbox(), 0, r.bbox().length);
        }
        if (r.segmentation() instanceof Segmentation.CompressedRle c) {
          g.writeObjectFieldStart("segmentation");
          g.writeFieldName("size");
          g.writeArray(new int[] {c.height(), c.width()}, 0, 2);
          g.writeStringField("counts", c.counts());
          g.writeEndObject();
        } else if (r.segmentation() != null) {
          throw new IllegalArgumentException("only compressed RLE segmentations are written");
        }
        g.writeEndObject();
        g.writeRaw('\n');
      }
      g.writeEndArray();
    }
    return n;
  }

  private static CocoFormatException ioError(String location, IOException e) {
    if (e instanceof EOFException) {
      return new CocoFormatException(location + ": file is truncated (" + e.getMessage() + ")", e);
    }
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return new CocoFormatException(
        message.startsWith(location) ? message : location + ": " + message, e);
  }

  private static CocoFormatException parseError(String source, IOException e) {
    String what = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
    String where = "";
    if (e instanceof JsonParseException jpe && jpe.getLocation() != null) {
      JsonLocation l = jpe.getLocation();
      where = " at line " + l.getLineNr() + ", column " + l.getColumnNr();
    }
    boolean truncated = e instanceof EOFException || what.contains("end-of-input");
    return new CocoFormatException(source + ": "
        + (truncated ? "file is truncated or not valid JSON" : "malformed JSON")
        + where + ": " + what, e);
  }

  /** Field-level reading with the current record in every error message. */
  private static final class Reader {
    private final JsonParser p;
    private final String source;
    private String record = "";
    private final double[] numbers = new double[64];
    boolean skipSegmentation;

    Reader(JsonParser p, String source) {
      this.p = p;
      this.source = source;
    }

    CocoFormatException fail(String where, String problem) {
      JsonLocation l = p.currentLocation();
      return new CocoFormatException(source + ": " + where + ": " + problem
          + " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")");
    }

    void expectArray(JsonToken t, String field) {
      if (t != JsonToken.START_ARRAY) {
        throw fail(field, "expected an array, found " + t);
      }
    }

    CocoImage image(int index) throws IOException {
      record = "image #" + index;
      long id = Long.MIN_VALUE;
      int width = -1, height = -1;
      String fileName = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        p.nextToken();
        switch (f) {
          case "id" -> id = id("id");
          case "width" -> width = (int) id("width");
          case "height" -> height = (int) id("height");
          case "file_name" -> fileName = p.getValueAsString();
          default -> p.skipChildren();
        }
      }
      if (id == Long.MIN_VALUE) {
        throw fail(record, "has no id");
      }
      record = "image #" + index + " (id " + id + ")";
      if (width < 0 || height < 0) {
        throw fail(record, "needs non-negative width and height");
      }
      return new CocoImage(id, width, height, fileName);
    }

    CocoCategory category(int index) throws IOException {
      record = "category #" + index;
      long id = Long.MIN_VALUE;
      String name = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        p.nextToken();
        switch (f) {
          case "id" -> id = id("id");
          case "name" -> name = p.getValueAsString();
          default -> p.skipChildren();
        }
      }
      if (id == Long.MIN_VALUE) {
        throw fail(record, "has no id");
      }
      return new CocoCategory(id, name);
    }

    CocoAnnotation annotation(int index) throws IOException {
      record = "annotation #" + index;
      long id = Long.MIN_VALUE, imageId = Long.MIN_VALUE, categoryId = Long.MIN_VALUE;
      double area = Double.NaN;
      boolean crowd = false;
      double[] bbox = null, keypoints = null;
      int numKeypoints = -1;
      Segmentation segmentation = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        p.nextToken();
        switch (f) {
          case "id" -> {
            id = id("id");
            record = "annotation #" + index + " (id " + id + ")";
          }
          case "image_id" -> imageId = id("image_id");
          case "category_id" -> categoryId = id("category_id");
          case "area" -> area = finite("area");
          case "iscrowd" -> crowd = flag("iscrowd");
          case "bbox" -> bbox = numberArray("bbox");
          case "keypoints" -> keypoints = numberArray("keypoints");
          case "num_keypoints" -> numKeypoints = (int) id("num_keypoints");
          case "segmentation" -> {
            if (skipSegmentation) {
              p.skipChildren();
            } else {
              segmentation = segmentation();
            }
          }
          default -> p.skipChildren();
        }
      }
      if (id == Long.MIN_VALUE || imageId == Long.MIN_VALUE || categoryId == Long.MIN_VALUE) {
        throw fail(record, "needs id, image_id and category_id");
      }
      if (Double.isNaN(area)) {
        throw fail(record, "has no area");
      }
      if (bbox != null && bbox.length != 4) {
        throw fail(record, "bbox has " + bbox.length + " values, expected 4");
      }
      return new CocoAnnotation(index, id, imageId, categoryId, area, crowd, bbox, keypoints,
          numKeypoints, segmentation);
    }

    CocoResult result(int index) throws IOException {
      record = "result #" + index;
      long imageId = Long.MIN_VALUE, categoryId = Long.MIN_VALUE;
      double score = Double.NaN;
      double[] bbox = null, keypoints = null;
      Segmentation segmentation = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        p.nextToken();
        switch (f) {
          case "image_id" -> {
            imageId = id("image_id");
            record = "result #" + index + " (image_id " + imageId + ")";
          }
          case "category_id" -> categoryId = id("category_id");
          case "score" -> score = finite("score");
          case "bbox" -> bbox = numberArray("bbox");
          case "keypoints" -> keypoints = numberArray("keypoints");
          case "segmentation" -> {
            if (skipSegmentation) {
              p.skipChildren();
            } else {
              segmentation = segmentation();
            }
          }
          default -> p.skipChildren();
        }
      }
      if (imageId == Long.MIN_VALUE) {
        throw fail(record, "has no image_id");
      }
      if (categoryId == Long.MIN_VALUE) {
        throw fail(record, "has no category_id");
      }
      if (Double.isNaN(score)) {
        throw fail(record, "has no score");
      }
      if (bbox != null && bbox.length != 4 && bbox.length != 0) {
        throw fail(record, "bbox has " + bbox.length + " values, expected 4");
      }
      return new CocoResult(index, imageId, categoryId, score, bbox, keypoints, segmentation);
    }

    private long id(String field) throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_NUMBER_INT) {
        return p.getLongValue();
      }
      if (t == JsonToken.VALUE_NUMBER_FLOAT) {
        double v = p.getDoubleValue();
        if (v == Math.rint(v) && Math.abs(v) < 9.0e15) {
          return (long) v;
        }
      }
      throw fail(record, field + " must be an integer, found " + describe(t));
    }

    private boolean flag(String field) throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
        return t == JsonToken.VALUE_TRUE;
      }
      return id(field) != 0;
    }

    private double finite(String field) throws IOException {
      JsonToken t = p.currentToken();
      if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
        throw fail(record, field + " must be a number, found " + describe(t));
      }
      double v = number(t);
      if (!Double.isFinite(v)) {
        throw fail(record, field + " is " + v);
      }
      return v;
    }

    /**
     * The current number token as a double. Decimals are parsed from the parser's own characters
     * (correctly rounded, as Double.parseDouble): Jackson 2.15 would first copy each into a String.
     */
    private double number(JsonToken t) throws IOException {
      if (t != JsonToken.VALUE_NUMBER_FLOAT) {
        return p.getDoubleValue();
      }
      try {
        return com.fasterxml.jackson.core.io.doubleparser.JavaDoubleParser.parseDouble(
            p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
      } catch (NumberFormatException e) {
        return p.getDoubleValue(); // NaN and Infinity as Python writes them; refused by the caller
      }
    }

    private double[] numberArray(String field) throws IOException {
      if (p.currentToken() != JsonToken.START_ARRAY) {
        throw fail(record, field + " must be an array of numbers, found " + describe(p.currentToken()));
      }
      double[] buf = numbers;
      int n = 0;
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
          throw fail(record, field + "[" + n + "] must be a number, found " + describe(t));
        }
        double v = number(t);
        if (!Double.isFinite(v)) {
          throw fail(record, field + "[" + n + "] is " + v);
        }
        if (n == buf.length) {
          buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[n++] = v;
      }
      return Arrays.copyOf(buf, n);
    }

    Segmentation segmentation() throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.START_ARRAY) {
        List<double[]> polygons = new ArrayList<>(2);
        while (p.nextToken() != JsonToken.END_ARRAY) {
          polygons.add(numberArray("segmentation[" + polygons.size() + "]"));
        }
        return new Segmentation.PolygonList(List.copyOf(polygons));
      }
      if (t != JsonToken.START_OBJECT) {
        throw fail(record, "segmentation must be a polygon list or an RLE object, found " + describe(t));
      }
      double[] size = null;
      String compressed = null;
      int[] counts = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        JsonToken v = p.nextToken();
        switch (f) {
          case "size" -> size = numberArray("segmentation.size");
          case "counts" -> {
            if (v == JsonToken.VALUE_STRING) {
              compressed = p.getText();
            } else {
              double[] c = numberArray("segmentation.counts");
              counts = new int[c.length];
              for (int i = 0; i < c.length; i++) {
                if (c[i] < 0 || c[i] != Math.rint(c[i]) || c[i] > 0xFFFFFFFFL) {
                  throw fail(record, "segmentation.counts[" + i + "] = " + c[i] + " is not a run length");
                }
                counts[i] = (int) (long) c[i];
              }
            }
          }
          default -> p.skipChildren();
        }
      }
      if (size == null || size.length != 2 || size[0] < 0 || size[1] < 0) {
        throw fail(record, "segmentation RLE needs size [height, width]");
      }
      if (compressed == null && counts == null) {
        throw fail(record, "segmentation RLE has no counts");
      }
      int h = (int) size[0], w = (int) size[1];
      if (compressed != null) {
        return new Segmentation.CompressedRle(h, w, compressed);
      }
      return new Segmentation.UncompressedRle(h, w, counts);
    }

    private String describe(JsonToken t) throws IOException {
      if (t == null) {
        return "end of file";
      }
      return switch (t) {
        case VALUE_STRING -> "string \"" + p.getText() + "\"";
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number " + p.getText();
        case VALUE_NULL -> "null";
        case START_ARRAY -> "an array";
        case START_OBJECT -> "an object";
        default -> t.asString() == null ? t.toString() : t.asString();
      };
    }
  }
}
