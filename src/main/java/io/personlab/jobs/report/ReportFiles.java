package io.personlab.jobs.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The files a report leaves beside its HTML, on any Hadoop filesystem: pictures, and data files
 * (CSV with a header row, JSON) that notebooks read without Spark or pyarrow.
 */
public final class ReportFiles {
  private static final CsvMapper CSV = new CsvMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  private ReportFiles() {}

  public static void write(Configuration conf, Path path, byte[] bytes) {
    try (OutputStream out = create(conf, path)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot write", e);
    }
  }

  /** RFC 4180 CSV: a header row, then one line per row (null cells empty). */
  public static void writeCsv(Configuration conf, Path path, List<String> header, List<List<?>> rows) {
    CsvSchema schema = CsvSchema.builder().addColumns(header, CsvSchema.ColumnType.STRING).build()
        .withHeader();
    try (OutputStream out = create(conf, path)) {
      CSV.writer(schema).writeValues(out).writeAll(rows.stream().map(ReportFiles::nullsEmpty).toList()).close();
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot write", e);
    }
  }

  /**
   * {@link #writeCsv(Configuration, Path, List, List)} of rows streamed from an iterator (a
   * Spark {@code toLocalIterator}): the writer holds one row at a time. Returns the rows written.
   */
  public static long writeCsv(Configuration conf, Path path, List<String> header,
      java.util.Iterator<? extends List<?>> rows) {
    CsvSchema schema = CsvSchema.builder().addColumns(header, CsvSchema.ColumnType.STRING).build()
        .withHeader();
    long n = 0;
    try (OutputStream out = create(conf, path);
        com.fasterxml.jackson.databind.SequenceWriter w = CSV.writer(schema).writeValues(out)) {
      while (rows.hasNext()) {
        w.write(nullsEmpty(rows.next()));
        n++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot write", e);
    }
    return n;
  }

  /**
   * A new file (replacing an old one). On the local filesystem without Hadoop's checksum layer:
   * a report is a folder people open, zip and copy, where hidden {@code .crc} files are clutter.
   */
  private static OutputStream create(Configuration conf, Path path) throws IOException {
    org.apache.hadoop.fs.FileSystem fs = path.getFileSystem(conf);
    if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) {
      fs = local.getRawFileSystem();
    }
    return fs.create(path, true);
  }

  /**
   * Null cells as empty strings: Jackson's CSV generator moves a null list element to the end of
   * its row instead of leaving its column empty.
   */
  private static List<?> nullsEmpty(List<?> row) {
    for (Object v : row) {
      if (v == null) {
        return row.stream().map(c -> c == null ? "" : c).toList();
      }
    }
    return row;
  }

  /** Pretty-printed JSON of any Jackson-serialisable value (maps, lists, records, nodes). */
  public static void writeJson(Configuration conf, Path path, Object value) {
    try (OutputStream out = create(conf, path)) {
      JSON.writerWithDefaultPrettyPrinter().writeValue(out, value);
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot write", e);
    }
  }
}
