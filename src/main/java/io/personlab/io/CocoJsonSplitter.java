package io.personlab.io;

import io.personlab.coco.CocoFormatException;
import io.personlab.io.CocoJson.RecordKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Cuts a COCO ground-truth or results file into its records without parsing them: a byte-level
 * scan that tracks only strings, escapes and nesting, so one machine can hand a file of millions
 * of records to many parsers (Spark tasks) at the speed of reading it, in constant memory.
 *
 * <p>Records are the objects of the top-level array (results file) or of the {@code images},
 * {@code annotations} and {@code categories} arrays (ground truth); other members ("info",
 * "licenses") are skipped. Each record reaches the sink as one line: whitespace outside strings
 * is kept but newlines become spaces, and a raw control character inside a string (invalid JSON)
 * is refused here, so a record never spans lines. Everything inside a record is checked later by
 * {@link CocoJson#parseRecord}; this class checks the structure around the records.
 */
public final class CocoJsonSplitter {
  private CocoJsonSplitter() {}

  /** Receives each record, in file order, numbered from 0 within its kind. */
  public interface Sink {
    void record(RecordKind kind, long index, byte[] json, int length) throws IOException;
  }

  /** What the file was: its kind, and how many records of each kind it held. */
  public record Split(boolean groundTruth, long images, long annotations, long categories,
      long results) {}

  public static Split split(InputStream in, String source, Sink sink) throws IOException {
    return new Scanner(source, sink).run(in);
  }

  private static final class Scanner {
    private final String source;
    private final Sink sink;
    private byte[] record = new byte[1 << 12];
    private int recordLength;
    private long offset;
    private int depth;
    private boolean inString, escape;
    private byte[] key = new byte[32];
    private int keyLength;
    private boolean collectingKey;
    private String lastKey = "";
    private String member; // the ground truth's top-level member whose array is open
    private RecordKind kind; // the kind of the records in the array being read, null to skip
    private boolean inRecord;
    private boolean groundTruth;
    private final long[] counts = new long[RecordKind.values().length];
    private int top = -1; // first byte of the document
    private boolean closed; // the top-level value has ended

    Scanner(String source, Sink sink) {
      this.source = source;
      this.sink = sink;
    }

    Split run(InputStream in) throws IOException {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        int i = 0;
        while (i < n) {
          if (inRecord) {
            i = insideRecord(buf, i, n);
          } else {
            step(buf[i]);
            offset++;
            i++;
          }
        }
      }
      if (top < 0) {
        throw fail("the file is empty");
      }
      if (depth != 0 || inString) {
        throw fail("file is truncated or not valid JSON (ends inside "
            + (inString ? "a string" : depth + " open brackets") + ")");
      }
      return new Split(groundTruth, counts[RecordKind.IMAGE.ordinal()],
          counts[RecordKind.ANNOTATION.ordinal()], counts[RecordKind.CATEGORY.ordinal()],
          counts[RecordKind.RESULT.ordinal()]);
    }

    /**
     * The hot loop: a record's bytes, copied in bulk, only nesting and strings tracked. Returns
     * where the record ended (or {@code end}).
     */
    private int insideRecord(byte[] buf, int from, int end) throws IOException {
      int arrayDepth = groundTruth ? 2 : 1;
      int j = from;
      for (; j < end; j++) {
        byte b = buf[j];
        if (inString) {
          if (escape) {
            escape = false;
          } else if (b == '\\') {
            escape = true;
          } else if (b == '"') {
            inString = false;
          } else if (b >= 0 && b < 0x20) {
            offset += j - from;
            throw fail("a raw control character (code " + b + ") inside a string is not valid JSON");
          }
          continue;
        }
        switch (b) {
          case '"' -> inString = true;
          case '{', '[' -> depth++;
          case '}', ']' -> {
            if (--depth == arrayDepth) {
              appendAll(buf, from, j + 1);
              offset += j + 1 - from;
              inRecord = false;
              sink.record(kind, counts[kind.ordinal()]++, record, recordLength);
              return j + 1;
            }
          }
          case '\n', '\r' -> buf[j] = ' ';
          default -> { }
        }
      }
      appendAll(buf, from, end);
      offset += end - from;
      return end;
    }

    private void appendAll(byte[] buf, int from, int to) {
      int n = to - from;
      if (recordLength + n > record.length) {
        record = Arrays.copyOf(record, Math.max(record.length * 2, recordLength + n));
      }
      System.arraycopy(buf, from, record, recordLength, n);
      recordLength += n;
    }

    private void step(byte b) throws IOException {
      if (inString) {
        if (b >= 0 && b < 0x20) {
          throw fail("a raw control character (code " + b + ") inside a string is not valid JSON");
        }
        append(b);
        if (escape) {
          escape = false;
        } else if (b == '\\') {
          escape = true;
        } else if (b == '"') {
          inString = false;
          if (collectingKey) {
            collectingKey = false;
            lastKey = new String(key, 0, keyLength, StandardCharsets.UTF_8);
          }
        } else if (collectingKey) {
          if (keyLength == key.length) {
            key = Arrays.copyOf(key, key.length * 2);
          }
          key[keyLength++] = b;
        }
        return;
      }
      switch (b) {
        case ' ', '\t', '\r', '\n' -> {
          append(b == '\n' || b == '\r' ? (byte) ' ' : b);
          return;
        }
        default -> { }
      }
      if (closed) {
        throw fail("unexpected content after the top-level " + (groundTruth ? "object" : "array"));
      }
      if (top < 0) {
        top = b;
        if (b == '[') {
          groundTruth = false;
          kind = RecordKind.RESULT;
        } else if (b == '{') {
          groundTruth = true;
        } else {
          throw fail("a COCO file is a JSON object (ground truth) or array (results), not '"
              + (char) b + "...'");
        }
      }
      if (b == '"') {
        inString = true;
        collectingKey = groundTruth && depth == 1 && !inRecord;
        keyLength = 0;
        append(b);
        return;
      }
      if (b == ':' && groundTruth && depth == 1) {
        member = lastKey;
      }
      int arrayDepth = groundTruth ? 2 : 1;
      if (b == '{' || b == '[') {
        if (depth == arrayDepth && kind != null && !inRecord) {
          if (b != '{') {
            throw fail(recordName() + " #" + counts[kind.ordinal()] + ": expected an object, found an array");
          }
          inRecord = true;
          recordLength = 0;
        }
        if (groundTruth && depth == 1 && b == '[') {
          kind = switch (member == null ? "" : member) {
            case "images" -> RecordKind.IMAGE;
            case "annotations" -> RecordKind.ANNOTATION;
            case "categories" -> RecordKind.CATEGORY;
            default -> null;
          };
        }
        depth++;
        append(b);
        return;
      }
      if (b == '}' || b == ']') {
        if (depth == 0) {
          throw fail("unbalanced '" + (char) b + "'");
        }
        depth--;
        append(b);
        if (inRecord && depth == arrayDepth) {
          inRecord = false;
          sink.record(kind, counts[kind.ordinal()]++, record, recordLength);
        }
        if (groundTruth && depth == 1 && b == ']') {
          kind = null;
        }
        closed = depth == 0;
        return;
      }
      if (depth == arrayDepth && kind != null && !inRecord && b != ',') {
        throw fail(recordName() + " #" + counts[kind.ordinal()] + ": expected an object, found '"
            + (char) b + "'");
      }
      if (depth == 0) {
        throw fail("unexpected content after the top-level " + (groundTruth ? "object" : "array"));
      }
      append(b);
    }

    private void append(byte b) {
      if (!inRecord) {
        return;
      }
      if (recordLength == record.length) {
        record = Arrays.copyOf(record, record.length * 2);
      }
      record[recordLength++] = b;
    }

    private String recordName() {
      return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    private CocoFormatException fail(String problem) {
      return new CocoFormatException(source + ": " + problem + " (byte " + offset + ")");
    }
  }
}
