package io.personlab.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.personlab.io.Inputs;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes an N-times larger copy of a COCO case, for benchmarks at sizes the reference data does
 * not have. Copy {@code c} (0-based) of every image and annotation gets {@code id + c * STRIDE},
 * every annotation and result {@code image_id + c * STRIDE}, where STRIDE is the smallest power of
 * ten above every image and annotation id of the ground truth (ids stay unique and readable: copy 3
 * of image 397133 with STRIDE 10^6 is 3397133). Copies follow each other (all of copy 0, then copy
 * 1, ...) in the images and annotations arrays and in each results file; every other field and
 * top-level entry is copied unchanged, record by record.
 *
 * <p>Streaming throughout (Jackson's parser and generator, never a tree): memory does not grow with
 * N or the file size. The input is read once to find the largest id, then once per copy; the
 * output files are written in parallel, one per thread, at most one thread per core. Outputs
 * are gzipped at {@link Deflater#BEST_SPEED}, written to a temporary name and renamed when
 * complete, so an existing output is always a complete one and is not written again.
 */
public final class ScaledCocoCase {
  /** Python's json writes NaN and Infinity; they are read and written back bare, as Python does. */
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
      .build();

  /** Shifted ids must stay exact as doubles (2^53), since readers may hold them that way. */
  private static final long MAX_SAFE_ID = 1L << 53;

  private ScaledCocoCase() {}

  /** Output file names of one scaled case. */
  public record Outputs(Path groundTruth, List<Path> results) {}

  /** {@code gt_xN.json.gz} in {@code outDir}. */
  public static Path groundTruthOutput(Path outDir, int copies) {
    return outDir.resolve("gt_x" + copies + ".json.gz");
  }

  /** {@code <name without .json/.json.gz>_xN.json.gz} in {@code outDir}. */
  public static Path resultsOutput(Path resultsIn, Path outDir, int copies) {
    return outDir.resolve(baseName(resultsIn) + "_x" + copies + ".json.gz");
  }

  /**
   * Writes {@code gt_xN.json.gz} and one {@code <results-name>_xN.json.gz} per results file into
   * {@code outDir} (created if needed); outputs that already exist are kept as they are.
   * Returns the output paths, results in the order given.
   */
  public static Outputs write(Path gtIn, List<Path> resultsIn, int copies, Path outDir) throws IOException {
    if (copies < 1) {
      throw new IllegalArgumentException("copies must be at least 1, got " + copies);
    }
    Files.createDirectories(outDir);
    Path gtOut = groundTruthOutput(outDir, copies);
    List<Path> resOut = new ArrayList<>();
    for (Path r : resultsIn) {
      Path out = resultsOutput(r, outDir, copies);
      if (out.equals(gtOut) || resOut.contains(out)) {
        throw new IllegalArgumentException(r + ": its output name " + out.getFileName() + " is taken");
      }
      resOut.add(out);
    }
    boolean allThere = Files.isRegularFile(gtOut);
    for (Path out : resOut) {
      allThere &= Files.isRegularFile(out);
    }
    if (allThere) {
      return new Outputs(gtOut, List.copyOf(resOut));
    }
    long stride = stride(gtIn);
    if ((copies - 1) > (MAX_SAFE_ID - stride) / stride) {
      throw new IllegalArgumentException(gtIn + ": " + copies + " copies with id stride " + stride
          + " give ids beyond 2^53");
    }
    // One file per thread (each is a single stream); at most one thread per core.
    List<Callable<Void>> tasks = new ArrayList<>();
    if (!Files.isRegularFile(gtOut)) {
      tasks.add(() -> atomically(gtOut, g -> writeGroundTruth(gtIn, copies, stride, g)));
    }
    for (int i = 0; i < resultsIn.size(); i++) {
      Path in = resultsIn.get(i), out = resOut.get(i);
      if (!Files.isRegularFile(out)) {
        tasks.add(() -> atomically(out, g -> writeResults(in, copies, stride, g)));
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(
        Math.max(1, Math.min(tasks.size(), Runtime.getRuntime().availableProcessors())));
    try {
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing " + outDir);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return new Outputs(gtOut, List.copyOf(resOut));
  }

  /** The smallest power of ten above every image and annotation id of a ground truth. */
  public static long stride(Path gtIn) throws IOException {
    long max = 0;
    try (InputStream in = Inputs.open(gtIn.toString()); JsonParser p = FACTORY.createParser(in)) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT, gtIn, "top level");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if ((field.equals("images") || field.equals("annotations")) && t == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              p.nextToken();
              if (f.equals("id")) {
                max = Math.max(max, id(p, gtIn, field + " id"));
              } else {
                p.skipChildren();
              }
            }
          }
        } else {
          p.skipChildren();
        }
      }
    }
    long stride = 10;
    while (stride <= max) {
      stride *= 10;
    }
    return stride;
  }

  /**
   * Counts, streaming, the entries of a results file ({@code field} null: the top-level array) or
   * of a top-level array of a ground truth ({@code "images"}, {@code "annotations"}).
   */
  public static long count(Path file, String field) throws IOException {
    try (InputStream in = Inputs.open(file.toString()); JsonParser p = FACTORY.createParser(in)) {
      JsonToken t = p.nextToken();
      if (field != null) {
        expect(p, t, JsonToken.START_OBJECT, file, "top level");
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME && !p.currentName().equals(field)) {
          p.nextToken();
          p.skipChildren();
        }
        if (t != JsonToken.FIELD_NAME) {
          throw new IOException(file + ": no " + field + " array");
        }
        t = p.nextToken();
      }
      expect(p, t, JsonToken.START_ARRAY, file, field == null ? "top level" : field);
      long n = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        p.skipChildren();
        n++;
      }
      return n;
    }
  }

  private static void writeGroundTruth(Path gtIn, int copies, long stride, JsonGenerator g) throws IOException {
    try (InputStream in = Inputs.open(gtIn.toString()); JsonParser p = FACTORY.createParser(in)) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT, gtIn, "top level");
      g.writeStartObject();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if ((field.equals("images") || field.equals("annotations")) && t == JsonToken.START_ARRAY) {
          p.skipChildren();
          g.writeFieldName(field);
          g.writeStartArray();
          String[] shifted = field.equals("images") ? new String[] {"id"} : new String[] {"id", "image_id"};
          for (int c = 0; c < copies; c++) {
            copyArrayOf(gtIn, field, c * stride, stride, shifted, g);
          }
          g.writeEndArray();
        } else {
          g.writeFieldName(field);
          g.copyCurrentStructure(p);
        }
      }
      g.writeEndObject();
    }
  }

  /** Copy {@code offset / stride} of the top-level array {@code field}, read afresh from the file. */
  private static void copyArrayOf(Path gtIn, String field, long offset, long stride, String[] shifted,
      JsonGenerator g) throws IOException {
    try (InputStream in = Inputs.open(gtIn.toString()); JsonParser p = FACTORY.createParser(in)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        p.nextToken();
        if (f.equals(field)) {
          copyRecords(p, gtIn, field, offset, stride, shifted, g);
          return;
        }
        p.skipChildren();
      }
    }
    throw new IOException(gtIn + ": no " + field + " array on the second reading");
  }

  private static void writeResults(Path in, int copies, long stride, JsonGenerator g) throws IOException {
    g.writeStartArray();
    for (int c = 0; c < copies; c++) {
      try (InputStream s = Inputs.open(in.toString()); JsonParser p = FACTORY.createParser(s)) {
        expect(p, p.nextToken(), JsonToken.START_ARRAY, in, "top level (a results file is a JSON array)");
        copyRecords(p, in, "results", c * stride, stride, new String[] {"image_id"}, g);
      }
    }
    g.writeEndArray();
  }

  /**
   * Copies the objects of the array the parser is at (its START_ARRAY) up to its END_ARRAY, adding
   * {@code offset} to the top-level fields named in {@code shifted}; one record per line.
   */
  private static void copyRecords(JsonParser p, Path file, String what, long offset, long stride,
      String[] shifted, JsonGenerator g) throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      expect(p, t, JsonToken.START_OBJECT, file, what + " entry");
      g.writeStartObject();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        p.nextToken();
        g.writeFieldName(f);
        if (isShifted(f, shifted)) {
          long id = id(p, file, what + " " + f);
          if (id >= stride) {
            throw new IOException(file + ": " + what + " " + f + " " + id + " is not below the id stride "
                + stride + " (larger than every ground-truth image and annotation id)");
          }
          g.writeNumber(id + offset);
        } else {
          g.copyCurrentStructure(p);
        }
      }
      g.writeEndObject();
      g.writeRaw('\n');
    }
  }

  private static boolean isShifted(String field, String[] shifted) {
    for (String s : shifted) {
      if (s.equals(field)) {
        return true;
      }
    }
    return false;
  }

  private static long id(JsonParser p, Path file, String what) throws IOException {
    JsonToken t = p.currentToken();
    long v;
    if (t == JsonToken.VALUE_NUMBER_INT) {
      v = p.getLongValue();
    } else if (t == JsonToken.VALUE_NUMBER_FLOAT && p.getDoubleValue() == Math.rint(p.getDoubleValue())
        && Math.abs(p.getDoubleValue()) < 9.0e15) {
      v = (long) p.getDoubleValue();
    } else {
      throw new IOException(file + ": " + what + " must be an integer, found " + t
          + " (line " + p.currentLocation().getLineNr() + ")");
    }
    if (v < 0) {
      throw new IOException(file + ": " + what + " " + v + " is negative; shifted copies need ids >= 0");
    }
    return v;
  }

  private static void expect(JsonParser p, JsonToken found, JsonToken wanted, Path file, String where)
      throws IOException {
    if (found != wanted) {
      throw new IOException(file + ": " + where + ": expected " + wanted + ", found " + found
          + " (line " + p.currentLocation().getLineNr() + ")");
    }
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  /** Writes {@code out} through a temporary file in the same folder, renamed once complete. */
  private static Void atomically(Path out, Body body) throws IOException {
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    try {
      try (OutputStream file = Files.newOutputStream(tmp);
          OutputStream gz = new FastGzip(file);
          OutputStream buf = new BufferedOutputStream(gz, 1 << 16);
          JsonGenerator g = FACTORY.createGenerator(buf)) {
        body.write(g);
      }
      Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return null;
  }

  /** gzip at {@link Deflater#BEST_SPEED}: generation time matters more than a few MB. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }

  private static String baseName(Path p) {
    String n = p.getFileName().toString();
    for (String ext : new String[] {".json.gz", ".gz", ".json"}) {
      if (n.endsWith(ext)) {
        return n.substring(0, n.length() - ext.length());
      }
    }
    return n;
  }

  /** {@code ScaledCocoCase GT COPIES OUT_DIR RESULTS...}: writes the scaled case and prints the time. */
  public static void main(String[] args) throws IOException {
    if (args.length < 3) {
      System.err.println("usage: ScaledCocoCase GT.json[.gz] COPIES OUT_DIR [RESULTS.json[.gz] ...]");
      System.exit(2);
    }
    List<Path> results = new ArrayList<>();
    for (int i = 3; i < args.length; i++) {
      results.add(Path.of(args[i]));
    }
    long t0 = System.nanoTime();
    Outputs out = write(Path.of(args[0]), results, Integer.parseInt(args[1]), Path.of(args[2]));
    System.out.printf("wrote in %.1fs:%n", (System.nanoTime() - t0) / 1e9);
    List<Path> all = new ArrayList<>(List.of(out.groundTruth()));
    all.addAll(out.results());
    for (Path p : all) {
      System.out.printf("  %s  %.1f MB%n", p, Files.size(p) / 1e6);
    }
  }
}
