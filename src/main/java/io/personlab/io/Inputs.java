package io.personlab.io;

import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Opens input files by path or URI: local paths directly, other schemes (s3a://, hdfs://, gs://)
 * through Hadoop's FileSystem when Hadoop is on the classpath (it is under spark-submit).
 * Gzip is recognised by its magic bytes, whatever the file is called.
 */
public final class Inputs {
  private Inputs() {}

  public static InputStream open(String location) throws IOException {
    InputStream raw = openRaw(location);
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    try {
      in.mark(2);
      int b0 = in.read();
      int b1 = in.read();
      in.reset();
      if (b0 == 0x1f && b1 == 0x8b) {
        return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
      }
      return in;
    } catch (IOException e) {
      in.close(); // an S3 stream holds a pooled connection
      throw new IOException(location + ": corrupt gzip data (" + e.getMessage() + ")", e);
    }
  }

  private static InputStream openRaw(String location) throws IOException {
    String scheme = schemeOf(location);
    if (scheme == null || scheme.equals("file")) {
      Path path = scheme == null ? Path.of(location) : Path.of(URI.create(location));
      if (Files.isDirectory(path)) {
        throw new FileNotFoundException(location + ": is a directory, expected a file");
      }
      try {
        return Files.newInputStream(path);
      } catch (NoSuchFileException e) {
        throw new FileNotFoundException(location + ": no such file");
      }
    }
    return HadoopFiles.open(location);
  }

  /** The URI scheme of a location, or null for a plain local path. */
  static String schemeOf(String location) {
    int colon = location.indexOf("://");
    if (colon <= 0) {
      return location.startsWith("file:") ? "file" : null;
    }
    return location.substring(0, colon);
  }

  /** Hadoop is optional at run time: only touched for non-local URIs. */
  private static final class HadoopFiles {
    /**
     * Hadoop's configuration with the spark.hadoop.* settings applied as Spark applies them
     * (spark-submit passes --conf and spark-defaults entries to the driver as system
     * properties): S3 endpoints and credential providers reach these reads too.
     */
    static org.apache.hadoop.conf.Configuration hadoopConfiguration() {
      org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
      for (String key : System.getProperties().stringPropertyNames()) {
        if (key.startsWith("spark.hadoop.")) {
          conf.set(key.substring("spark.hadoop.".length()), System.getProperty(key));
        }
      }
      return conf;
    }

    static InputStream open(String location) throws IOException {
      try {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
        org.apache.hadoop.fs.FileSystem fs = path.getFileSystem(hadoopConfiguration());
        return fs.open(path);
      } catch (NoClassDefFoundError e) {
        throw new IOException(location + ": reading this URI needs Hadoop on the classpath", e);
      } catch (FileNotFoundException e) {
        throw new FileNotFoundException(location + ": no such object");
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }
  }
}
